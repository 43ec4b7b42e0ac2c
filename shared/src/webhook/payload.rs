//! Meta's webhook body, as sent (Messenger Platform and Instagram Messaging). Lenient on purpose:
//! ids arrive as strings or numbers, `is_deleted` as a bool or a string, and unknown fields abound.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `{"object": "page" | "instagram", "entry": [...]}`. Entries stay raw here, each read on its
/// own, so one odd entry costs only its own events.
#[derive(Debug, Deserialize)]
pub struct WebhookBody {
    pub object: String,
    pub entry: Vec<Value>,
}

/// One entry: a page (or Instagram account) and its events. Events stay raw here so one odd event
/// cannot make the rest of the batch unusable.
#[derive(Debug, Deserialize)]
pub struct Entry {
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    /// Milliseconds; the fallback for events that carry no timestamp of their own.
    #[serde(default, deserialize_with = "opt_millis")]
    pub time: Option<i64>,
    #[serde(default)]
    pub messaging: Vec<Value>,
    #[serde(default)]
    pub standby: Vec<Value>,
    /// Page feed and other field changes (`object: page`): not messages; counted and ignored.
    #[serde(default)]
    pub changes: Vec<Value>,
}

/// One messaging (or standby) event.
#[derive(Debug, Default, Deserialize)]
pub struct MessagingEvent {
    #[serde(default)]
    pub sender: Option<Party>,
    #[serde(default)]
    pub recipient: Option<Party>,
    /// Milliseconds, as an integer, a float (`1492414608982.0`) or a string of digits.
    #[serde(default, deserialize_with = "opt_millis")]
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
    #[serde(default)]
    pub request_thread_control: Option<ThreadRequest>,
}

/// A sender or recipient: an id (string or number), or only a `user_ref` (the checkbox plugin,
/// before the person has a page-scoped id).
#[derive(Debug, Deserialize)]
pub struct Party {
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    pub user_ref: Option<String>,
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
    /// Instagram: something the API cannot show (a voice effect, a new sticker kind…).
    #[serde(default, deserialize_with = "flexible_bool")]
    pub is_unsupported: bool,
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

/// `request_thread_control`: another app (the Page Inbox, a person there) asks us, the thread's
/// owner, for the conversation. Its app id arrives as a JSON number.
#[derive(Debug, Deserialize)]
pub struct ThreadRequest {
    #[serde(default, deserialize_with = "opt_id")]
    pub requested_owner_app_id: Option<String>,
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

fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.and_then(value_to_id))
}

/// Milliseconds from an integer, a float or a string of digits; anything else counts as absent
/// (the event then takes its entry's time, or the receipt time), never as an error.
fn opt_millis<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok().or_else(|| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(|f| f as i64)
        }),
        _ => None,
    })
}

fn flexible_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Bool(b)) => b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    })
}
