//! Webhook bodies as Meta sends them: a customer's text, an echo, a quick-reply tap.

use serde_json::json;

use super::*;

/// A Messenger webhook body with one customer text message.
pub fn customer_text(user: &str, mid: &str, text: &str, ts: i64) -> String {
    json!({"object": "page", "entry": [{"id": PAGE, "time": ts, "messaging": [{
        "sender": {"id": user}, "recipient": {"id": PAGE}, "timestamp": ts,
        "message": {"mid": mid, "text": text}
    }]}]})
    .to_string()
}

/// A Messenger echo of a message sent by `app_id` (the Page Inbox is 263902037430900).
pub fn echo(user: &str, mid: &str, text: &str, app_id: u64, ts: i64) -> String {
    json!({"object": "page", "entry": [{"id": PAGE, "time": ts, "messaging": [{
        "sender": {"id": PAGE}, "recipient": {"id": user}, "timestamp": ts,
        "message": {"mid": mid, "is_echo": true, "app_id": app_id, "text": text}
    }]}]})
    .to_string()
}

/// A Messenger quick-reply tap: the title as text, the payload as the decision.
pub fn quick_reply(user: &str, mid: &str, title: &str, payload: &str, ts: i64) -> String {
    json!({"object": "page", "entry": [{"id": PAGE, "time": ts, "messaging": [{
        "sender": {"id": user}, "recipient": {"id": PAGE}, "timestamp": ts,
        "message": {"mid": mid, "text": title, "quick_reply": {"payload": payload}}
    }]}]})
    .to_string()
}
