//! A message (or a customer action such as a reaction) stored in the conversation's history.

use serde::{Deserialize, Serialize};

use crate::conversation::ConversationKey;

/// Who wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Customer,
    Bot,
    Human,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Bot => "bot",
            Role::Human => "human",
        }
    }
}

/// Which way it went. Only `In` items from customers drive the policy function; `Event` covers
/// reactions, unsends and routing changes, which are kept for the record but never answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    In,
    Out,
    Event,
}

/// What a customer sent besides text. Voice notes arrive as `audio` with a CDN link and no transcript.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Meta's type (audio, image, video, file, sticker, fallback, ig_reel, …); unknown types kept as sent.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Attachment {
    /// Stickers are images in Meta's payload but carry no request.
    pub fn is_sticker(&self) -> bool {
        self.kind == "sticker"
    }
}

/// One stored item of the history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub conversation: ConversationKey,
    /// Meta's millisecond timestamp; orders the history even when webhooks arrive out of order.
    pub timestamp_ms: i64,
    /// Meta's message id, or a derived key for events without one.
    pub mid: String,
    pub role: Role,
    pub direction: Direction,
    /// Free text as the person typed it (quick replies send the button title here).
    pub text: Option<String>,
    /// Quick-reply or postback payload: decisions use this, never the title.
    pub payload: Option<String>,
    pub attachments: Vec<Attachment>,
    /// A short label for non-message events (`reaction:love`, `unsend`, `take_thread_control`).
    pub event: Option<String>,
    /// Arrived in `standby[]`: another app owns the thread, so a human is handling it.
    pub standby: bool,
    /// For bot answers: which knowledge entry was given and how sure the engine was.
    pub answer: Option<AnswerRef>,
}

/// Which knowledge entry a bot message gave, so a handoff can say what the bot already tried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnswerRef {
    pub entry: String,
    pub confidence: f64,
    /// Why the bot said it (stored with the message, DESIGN.md "decision trace").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<crate::policy::DecisionTrace>,
    /// The customer's words it answered (cut to 500 characters), for the weekly review's sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// The customer chose this entry from a "Did you mean": their own label for `question`,
    /// which the weekly review reads as one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub chosen: bool,
}

impl Message {
    /// One of the bot's sends, keyed by `mid` (derived from what it answers, so it is sent once).
    pub fn bot_send(
        conversation: &ConversationKey,
        timestamp_ms: i64,
        mid: String,
        text: &str,
    ) -> Self {
        Message {
            conversation: conversation.clone(),
            timestamp_ms,
            mid,
            role: Role::Bot,
            direction: Direction::Out,
            text: Some(text.to_string()),
            payload: None,
            attachments: Vec::new(),
            event: None,
            standby: false,
            answer: None,
        }
    }

    /// Sort key: `M#{timestamp_ms:013}#{mid}`.
    pub fn sort_key(&self) -> String {
        message_sort_key(self.timestamp_ms, &self.mid)
    }

    /// Text shown in transcripts: the typed text, else a description of what was sent.
    pub fn display_text(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(t) = self.text.as_deref().filter(|t| !t.trim().is_empty()) {
            parts.push(t.to_string());
        }
        for a in &self.attachments {
            parts.push(match &a.url {
                Some(url) => format!("[{}: {}]", a.kind, url),
                None => format!("[{}]", a.kind),
            });
        }
        if parts.is_empty() {
            if let Some(e) = &self.event {
                parts.push(format!("[{e}]"));
            } else if let Some(p) = &self.payload {
                parts.push(format!("[button {p}]"));
            }
        }
        parts.join(" ")
    }
}

/// Sort key of a message item.
pub fn message_sort_key(timestamp_ms: i64, mid: &str) -> String {
    format!("M#{:013}#{}", timestamp_ms.max(0), mid)
}
