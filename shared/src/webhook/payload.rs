//! Meta's webhook body, as sent (Messenger Platform and Instagram Messaging). Lenient on purpose:
//! ids arrive as strings or numbers, `is_deleted` as a bool or a string, and unknown fields abound.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `{"object": "page" | "instagram", "entry": [...]}`.
#[derive(Debug, Deserialize)]
pub struct WebhookBody {
    pub object: String,
    pub entry: Vec<Entry>,
}

/// One entry: a page (or Instagram account) and its events. Events stay raw here so one odd event
/// cannot make the rest of the batch unusable.
#[derive(Debug, Deserialize)]
pub struct Entry {
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    #[serde(default)]
    pub messaging: Vec<Value>,
    #[serde(default)]
    pub standby: Vec<Value>,
}

/// One messaging (or standby) event.
#[derive(Debug, Default, Deserialize)]
pub struct MessagingEvent {
    #[serde(default)]
    pub sender: Option<Party>,
    #[serde(default)]
    pub recipient: Option<Party>,
    #[serde(default)]
    pub timestamp: Option<i64>,
    #[serde(default)]
    pub message: Option<MessagePart>,
    #[serde(default)]
    pub postback: Option<Postback>,
    #[serde(default)]
    pub reaction: Option<Reaction>,
    #[serde(default)]
    pub read: Option<Value>,
    #[serde(default)]
    pub delivery: Option<Value>,
    #[serde(default)]
    pub pass_thread_control: Option<ThreadControl>,
    #[serde(default)]
    pub take_thread_control: Option<ThreadControl>,
}

#[derive(Debug, Deserialize)]
pub struct Party {
    #[serde(deserialize_with = "id")]
    pub id: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct MessagePart {
    #[serde(default)]
    pub mid: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub quick_reply: Option<QuickReply>,
    #[serde(default)]
    pub attachments: Vec<RawAttachment>,
    #[serde(default)]
    pub is_echo: bool,
    #[serde(default, deserialize_with = "opt_id")]
    pub app_id: Option<String>,
    #[serde(default)]
    pub metadata: Option<String>,
    #[serde(default, deserialize_with = "flexible_bool")]
    pub is_deleted: bool,
}

#[derive(Debug, Deserialize)]
pub struct QuickReply {
    pub payload: String,
}

#[derive(Debug, Deserialize)]
pub struct RawAttachment {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub payload: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct Postback {
    #[serde(default)]
    pub mid: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub payload: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Reaction {
    #[serde(default)]
    pub mid: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub reaction: Option<String>,
    #[serde(default)]
    pub emoji: Option<String>,
}

/// `pass_thread_control` / `take_thread_control` (Conversation Routing).
#[derive(Debug, Deserialize)]
pub struct ThreadControl {
    #[serde(default, deserialize_with = "opt_id")]
    pub previous_owner_app_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    pub new_owner_app_id: Option<String>,
    #[serde(default)]
    pub metadata: Option<String>,
}

fn value_to_id(v: Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    value_to_id(Value::deserialize(d)?)
        .ok_or_else(|| serde::de::Error::custom("id must be a string or a number"))
}

fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.and_then(value_to_id))
}

fn flexible_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Bool(b)) => b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    })
}
