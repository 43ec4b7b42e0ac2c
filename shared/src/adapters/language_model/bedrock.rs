//! The answer engine on Amazon Bedrock (the Converse API): the AWS-native option, called with the
//! function's IAM role, no outside key. Same prompts, same output checks and the same boundary
//! (`apply_engine`) as the OpenAI-compatible engine.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_bedrockruntime::error::DisplayErrorContext;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, InferenceConfiguration, Message, SystemContentBlock,
};
use serde_json::Value;

use super::{parse_model_answer, parse_summary, SUMMARY_PROMPT, SYSTEM_PROMPT};
use crate::policy::KnowledgeEntry;
use crate::policy::ModelAnswer;
use crate::ports::{LanguageModel, LanguageModelError};

pub struct BedrockModel {
    client: aws_sdk_bedrockruntime::Client,
    model_id: String,
    timeout: Duration,
}

impl BedrockModel {
    pub fn new(
        aws: &aws_config::SdkConfig,
        model_id: impl Into<String>,
        timeout: Duration,
    ) -> Self {
        Self::with_client(aws_sdk_bedrockruntime::Client::new(aws), model_id, timeout)
    }

    pub fn with_client(
        client: aws_sdk_bedrockruntime::Client,
        model_id: impl Into<String>,
        timeout: Duration,
    ) -> Self {
        Self {
            client,
            model_id: model_id.into(),
            timeout,
        }
    }

    async fn converse(
        &self,
        system: &str,
        user: Value,
        max_tokens: i32,
    ) -> Result<String, LanguageModelError> {
        let timeout = crate::deadline::bound_leaving(self.timeout, super::SEND_RESERVE);
        if timeout < super::MIN_CALL {
            return Err(LanguageModelError::Timeout(timeout));
        }
        let request = self
            .client
            .converse()
            .model_id(&self.model_id)
            .system(SystemContentBlock::Text(system.to_string()))
            .messages(
                Message::builder()
                    .role(ConversationRole::User)
                    .content(ContentBlock::Text(user.to_string()))
                    .build()
                    .map_err(|e| LanguageModelError::Invalid(e.to_string()))?,
            )
            .inference_config(
                InferenceConfiguration::builder()
                    .temperature(0.0)
                    .max_tokens(max_tokens)
                    .build(),
            )
            .send();
        let out = tokio::time::timeout(timeout, request)
            .await
            .map_err(|_| LanguageModelError::Timeout(timeout))?
            .map_err(|e| LanguageModelError::Transport(DisplayErrorContext(e).to_string()))?;
        let message = out
            .output()
            .and_then(|o| o.as_message().ok())
            .ok_or_else(|| LanguageModelError::Invalid("no output message".into()))?;
        message
            .content()
            .iter()
            .find_map(|block| block.as_text().ok())
            .cloned()
            .ok_or_else(|| LanguageModelError::Invalid("no text in the output message".into()))
    }
}

#[async_trait]
impl LanguageModel for BedrockModel {
    async fn answer(
        &self,
        question: &str,
        entries: &[&KnowledgeEntry],
    ) -> Result<ModelAnswer, LanguageModelError> {
        let content = self
            .converse(SYSTEM_PROMPT, super::answer_input(question, entries), 600)
            .await?;
        parse_model_answer(&content, entries)
    }

    async fn summarize(
        &self,
        transcript: &[crate::escalation::TranscriptLine],
    ) -> Result<String, LanguageModelError> {
        let content = self
            .converse(SUMMARY_PROMPT, super::summary_input(transcript), 200)
            .await?;
        parse_summary(&content)
    }
}
