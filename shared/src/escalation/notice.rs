//! What one publish to the team carries (the email, the JSON document, the chat card), its kind,
//! and the signed links in it: the shapes `handoff` and `chat` both fill.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::record::Escalation;

/// Meta's standard messaging window after the customer's last message.
pub const STANDARD_WINDOW_HOURS: i64 = 24;
/// How long a human agent may reply with the HUMAN_AGENT tag.
pub const HUMAN_AGENT_WINDOW_DAYS: i64 = 7;

/// When the standard reply window closes, and until when a person may still reply with the
/// HUMAN_AGENT tag.
pub(super) fn reply_window(e: &Escalation) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        e.last_customer_at + Duration::hours(STANDARD_WINDOW_HOURS),
        e.last_customer_at + Duration::days(HUMAN_AGENT_WINDOW_DAYS),
    )
}

/// The frustration signal from the decision trace, when there was one.
pub(super) fn frustration_signal(e: &Escalation) -> Option<String> {
    e.trace
        .steps
        .iter()
        .find(|s| s.check == "trigger:frustration" && s.score.is_some_and(|sc| sc > 0.0))
        .map(|s| format!("{:.2} — {}", s.score.unwrap_or_default(), s.detail))
}

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
