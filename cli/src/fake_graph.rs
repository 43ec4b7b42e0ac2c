//! A stand-in for Meta's Graph API for local runs: records every call and answers like Meta.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

/// Calls received, in order.
#[derive(Clone, Default)]
pub struct FakeGraph {
    calls: Arc<Mutex<Vec<Value>>>,
}

impl FakeGraph {
    /// Records `POST /fake-graph/{page}/{edge}` and returns Meta's answer.
    pub fn record(&self, path: &str, body: &[u8]) -> Value {
        let mut parts = path.trim_start_matches('/').splitn(2, '/');
        let page = parts.next().unwrap_or_default().to_string();
        let edge = parts.next().unwrap_or_default().to_string();
        let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let mut calls = self.calls.lock().expect("fake graph lock");
        let n = calls.len();
        let recipient = body
            .pointer("/recipient/id")
            .cloned()
            .unwrap_or(Value::Null);
        if let Some(text) = body.pointer("/message/text").and_then(Value::as_str) {
            tracing::info!(page, recipient = %recipient, "fake graph: bot says {text:?}");
        } else {
            tracing::info!(page, edge, "fake graph call");
        }
        calls.push(json!({"page_id": page, "edge": edge, "body": body}));
        if edge == "messages" {
            json!({"recipient_id": recipient, "message_id": format!("m_fake_{n}")})
        } else {
            json!({"success": true})
        }
    }

    pub fn calls(&self) -> Value {
        Value::Array(self.calls.lock().expect("fake graph lock").clone())
    }
}
