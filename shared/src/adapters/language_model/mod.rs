//! The language model adapters: an OpenAI-compatible chat completions endpoint, or Amazon
//! Bedrock (`bedrock`), that may only answer from the knowledge entries it is given, and must say
//! how sure it is.

mod bedrock;

pub use bedrock::BedrockModel;

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::LlmConfig;
use crate::policy::KnowledgeEntry;
use crate::policy::ModelAnswer;
use crate::ports::{LanguageModel, LanguageModelError};

/// Chat completions over reqwest (rustls). The key travels as a bearer token, never in a URL.
pub struct ChatCompletionsModel {
    http: reqwest::Client,
    config: LlmConfig,
    timeout: Duration,
}

/// Seconds the customer may wait for the engine before the bot escalates instead.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(4);
/// Kept back from the model's call for the send that follows it.
pub(crate) const SEND_RESERVE: Duration = Duration::from_secs(3);
/// Not worth asking the model with less than this.
pub(crate) const MIN_CALL: Duration = Duration::from_millis(500);

pub(crate) const SYSTEM_PROMPT: &str = "You answer customers of a small shop on Messenger and Instagram. \
Answer ONLY from the knowledge entries given; never invent facts, prices, dates or promises. \
If the entries do not answer the question, or the customer wants money back, complains, is upset \
or asks for a person, set needs_human to true. Reply with one JSON object and nothing else: \
{\"answer\": string (in the customer's language, at most 600 characters), \"confidence\": number \
from 0 to 1 (how sure you are the entries answer this exact question), \"intent\": string (a few \
words: what the customer wants), \"needs_human\": boolean, \"entry\": string (the id of the entry you used)}.";

#[derive(Deserialize)]
struct RawAnswer {
    answer: String,
    confidence: f64,
    intent: String,
    needs_human: bool,
    #[serde(default)]
    entry: Option<String>,
}

impl ChatCompletionsModel {
    pub fn new(config: LlmConfig, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(timeout)
            .build()
            .expect("reqwest client with rustls builds");
        Self {
            http,
            config,
            timeout,
        }
    }

    fn request(&self, question: &str, entries: &[&KnowledgeEntry]) -> Value {
        json!({
            "model": self.config.model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": answer_input(question, entries).to_string()},
            ],
        })
    }
}

/// What the model reads to answer: the entries it may answer from, and the message.
pub(crate) fn answer_input(question: &str, entries: &[&KnowledgeEntry]) -> Value {
    let knowledge: Vec<Value> = entries
        .iter()
        .map(
            |e| json!({"id": e.id, "topic": e.topic, "questions": e.questions, "answer": e.answer}),
        )
        .collect();
    json!({"knowledge": knowledge, "customer_message": question})
}

/// What the model reads to summarise: the last 30 lines of the transcript.
pub(crate) fn summary_input(transcript: &[crate::escalation::TranscriptLine]) -> Value {
    let lines: Vec<Value> = transcript
        .iter()
        .rev()
        .take(30)
        .rev()
        .map(|l| json!({"role": l.role.as_str(), "text": l.text}))
        .collect();
    json!({"transcript": lines})
}

/// The model's reply without the Markdown code fence models often wrap JSON in.
fn without_code_fence(content: &str) -> &str {
    content
        .trim()
        .trim_start_matches("```json")
        .trim_start_matches("```")
        .trim_end_matches("```")
        .trim()
}

/// Validates the model's JSON: every field present and typed, confidence within 0..1, an answer
/// unless a person is needed, and an entry id among those given.
pub fn parse_model_answer(
    content: &str,
    entries: &[&KnowledgeEntry],
) -> Result<ModelAnswer, LanguageModelError> {
    let trimmed = without_code_fence(content);
    let raw: RawAnswer = serde_json::from_str(trimmed)
        .map_err(|e| LanguageModelError::Invalid(format!("not the expected JSON: {e}")))?;
    if !(0.0..=1.0).contains(&raw.confidence) || raw.confidence.is_nan() {
        return Err(LanguageModelError::Invalid(format!(
            "confidence {} is outside 0..1",
            raw.confidence
        )));
    }
    if !raw.needs_human && raw.answer.trim().is_empty() {
        return Err(LanguageModelError::Invalid("empty answer".into()));
    }
    if raw.answer.chars().count() > 2000 {
        return Err(LanguageModelError::Invalid(
            "answer longer than 2000 characters".into(),
        ));
    }
    let entry = match raw.entry.filter(|e| !e.is_empty()) {
        Some(id) if entries.iter().any(|e| e.id == id) => Some(id),
        Some(id) if !raw.needs_human => {
            return Err(LanguageModelError::Invalid(format!(
                "entry {id:?} was not among the entries given"
            )));
        }
        _ => None,
    };
    Ok(ModelAnswer {
        answer: raw.answer.trim().to_string(),
        confidence: raw.confidence,
        intent: raw.intent.trim().to_string(),
        needs_human: raw.needs_human,
        entry,
    })
}

pub(crate) const SUMMARY_PROMPT: &str = "You brief a shop's support person taking over a chat from a bot. From the \
transcript only (never invent), write at most two short sentences: what the customer wants and what has \
happened so far. Reply with one JSON object: {\"summary\": string}.";

/// Validates the summary JSON: one non-empty string of at most 400 characters.
pub fn parse_summary(content: &str) -> Result<String, LanguageModelError> {
    let trimmed = without_code_fence(content);
    let v: Value = serde_json::from_str(trimmed)
        .map_err(|e| LanguageModelError::Invalid(format!("not the expected JSON: {e}")))?;
    let summary = v
        .get("summary")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| LanguageModelError::Invalid("no summary".into()))?;
    if summary.chars().count() > 400 {
        return Err(LanguageModelError::Invalid(
            "summary longer than 400 characters".into(),
        ));
    }
    Ok(summary.to_string())
}

impl ChatCompletionsModel {
    async fn complete(&self, body: Value) -> Result<String, LanguageModelError> {
        let url = format!(
            "{}/chat/completions",
            self.config.api_base.trim_end_matches('/')
        );
        // The answer still has to be sent after this call: it gets what is left less a send's time.
        let timeout = crate::deadline::bound_leaving(self.timeout, SEND_RESERVE);
        if timeout < MIN_CALL {
            return Err(LanguageModelError::Timeout(timeout));
        }
        let mut req = self.http.post(url).timeout(timeout).json(&body);
        if !self.config.api_key.expose().is_empty() {
            req = req.bearer_auth(self.config.api_key.expose());
        }
        let resp = req.send().await.map_err(|e| {
            if e.is_timeout() {
                LanguageModelError::Timeout(self.timeout)
            } else {
                LanguageModelError::Transport(e.without_url().to_string())
            }
        })?;
        if !resp.status().is_success() {
            return Err(LanguageModelError::Http(resp.status().as_u16()));
        }
        let body: Value = resp.json().await.map_err(|e| {
            if e.is_timeout() {
                LanguageModelError::Timeout(self.timeout)
            } else {
                LanguageModelError::Invalid(format!("response is not JSON: {}", e.without_url()))
            }
        })?;
        body.pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| LanguageModelError::Invalid("no choices[0].message.content".into()))
    }
}

#[async_trait]
impl LanguageModel for ChatCompletionsModel {
    async fn summarize(
        &self,
        transcript: &[crate::escalation::TranscriptLine],
    ) -> Result<String, LanguageModelError> {
        let content = self
            .complete(json!({
                "model": self.config.model,
                "temperature": 0,
                "response_format": {"type": "json_object"},
                "messages": [
                    {"role": "system", "content": SUMMARY_PROMPT},
                    {"role": "user", "content": summary_input(transcript).to_string()},
                ],
            }))
            .await?;
        parse_summary(&content)
    }

    async fn answer(
        &self,
        question: &str,
        entries: &[&KnowledgeEntry],
    ) -> Result<ModelAnswer, LanguageModelError> {
        let content = self.complete(self.request(question, entries)).await?;
        parse_model_answer(&content, entries)
    }
}
