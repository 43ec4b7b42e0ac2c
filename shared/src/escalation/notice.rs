//! What one publish to the team carries (the email, the JSON document, the chat card), its kind,
//! and the signed links in it: the shapes `handoff` and `chat` both fill.

use serde_json::{json, Value};

/// Whether this is the first notice or a reminder that nobody picked it up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    Escalation,
    Reminder,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Escalation => "escalation",
            NoticeKind::Reminder => "reminder",
        }
    }
}

/// Everything SNS needs for one publish.
#[derive(Clone, Debug, PartialEq)]
pub struct HandoffMessage {
    pub subject: String,
    pub email: String,
    pub document: Value,
    /// Message attributes: kind, reason, channel, page_id.
    pub attributes: Vec<(&'static str, String)>,
    /// The AWS Chatbot custom notification (Slack, Microsoft Teams), for the chat topic.
    pub chat: Value,
}

impl HandoffMessage {
    /// The `MessageStructure=json` body: `email` for email subscribers, `default` for the rest.
    pub fn sns_body(&self) -> String {
        json!({
            "default": self.document.to_string(),
            "email": self.email,
        })
        .to_string()
    }
}

/// The signed links a handoff carries: the resume link, and, when the bot suggests an answer, the
/// one-click answer page (`send`) and the same page open at the other entries (`choose`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HandoffLinks {
    pub resume: String,
    pub answer: Option<AnswerLinks>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerLinks {
    pub send: String,
    pub choose: String,
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub(super) fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}
