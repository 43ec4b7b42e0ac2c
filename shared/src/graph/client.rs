//! `Messenger` over HTTP with reqwest (rustls). The page token travels in the Authorization
//! header, never in a URL, so it cannot surface in an error or a log line.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{json, Value};

use super::GraphError;
use crate::config::Secret;
use crate::conversation::ConversationKey;
use crate::ports::{Messenger, QuickReplyButton};

/// Bounded retries for transient failures (rate limits, 5xx): 3 attempts in all.
const ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// The Graph API client.
#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    base: String,
    page_tokens: HashMap<String, Secret>,
}

impl GraphClient {
    pub fn new(base: impl Into<String>, page_tokens: HashMap<String, Secret>) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(5))
            .build()
            .expect("reqwest client with rustls builds");
        Self {
            http,
            base: base.into().trim_end_matches('/').to_string(),
            page_tokens,
        }
    }

    async fn post(&self, page_id: &str, edge: &str, body: &Value) -> Result<Value, GraphError> {
        let token = self
            .page_tokens
            .get(page_id)
            .ok_or_else(|| GraphError::NoToken(page_id.to_string()))?;
        let url = format!("{}/{}/{}", self.base, page_id, edge);
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            let result = self.post_once(&url, token, body).await;
            match result {
                Err(e) if e.is_transient() && attempt < ATTEMPTS => {
                    tracing::warn!(edge, attempt, error = %e, "graph call failed, retrying");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn post_once(
        &self,
        url: &str,
        token: &Secret,
        body: &Value,
    ) -> Result<Value, GraphError> {
        let resp = self
            .http
            .post(url)
            .bearer_auth(token.expose())
            .json(body)
            .send()
            .await
            .map_err(|e| GraphError::Transport(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        let value: Value = resp
            .json()
            .await
            .map_err(|e| GraphError::Transport(e.without_url().to_string()))?;
        if (200..300).contains(&status) && value.get("error").is_none() {
            return Ok(value);
        }
        Err(GraphError::from_response(status, &value))
    }
}

#[async_trait]
impl Messenger for GraphClient {
    async fn send_text(
        &self,
        to: &ConversationKey,
        text: &str,
        quick_replies: &[QuickReplyButton],
        metadata: &str,
    ) -> Result<String, GraphError> {
        let mut message = json!({ "text": text, "metadata": metadata });
        if !quick_replies.is_empty() {
            message["quick_replies"] = quick_replies
                .iter()
                .map(|q| json!({"content_type": "text", "title": q.title, "payload": q.payload}))
                .collect();
        }
        let body = json!({
            "recipient": { "id": to.user_id },
            "messaging_type": "RESPONSE",
            "message": message,
        });
        let v = self.post(&to.page_id, "messages", &body).await?;
        Ok(v.get("message_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string())
    }

    async fn pass_thread_control(
        &self,
        to: &ConversationKey,
        target_app_id: &str,
        metadata: &str,
    ) -> Result<(), GraphError> {
        let body = json!({
            "recipient": { "id": to.user_id },
            "target_app_id": target_app_id,
            "metadata": metadata,
        });
        self.post(&to.page_id, "pass_thread_control", &body)
            .await
            .map(|_| ())
    }

    async fn profile_name(&self, who: &ConversationKey) -> Result<Option<String>, GraphError> {
        let token = self
            .page_tokens
            .get(&who.page_id)
            .ok_or_else(|| GraphError::NoToken(who.page_id.clone()))?;
        // Messenger's user profile has first/last name; Instagram's has name and username.
        let fields = match who.channel {
            crate::conversation::Channel::Messenger => "first_name,last_name",
            crate::conversation::Channel::Instagram => "name,username",
        };
        let resp = self
            .http
            .get(format!("{}/{}", self.base, who.user_id))
            .query(&[("fields", fields)])
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(|e| GraphError::Transport(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        let v: Value = resp.json().await.unwrap_or_default();
        if !(200..300).contains(&status) {
            return Err(GraphError::from_response(status, &v));
        }
        let get = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
        };
        let name = match (
            get("first_name"),
            get("last_name"),
            get("name"),
            get("username"),
        ) {
            (Some(f), Some(l), _, _) => Some(format!("{f} {l}")),
            (Some(f), None, _, _) => Some(f.to_string()),
            (_, _, Some(n), Some(u)) => Some(format!("{n} (@{u})")),
            (_, _, Some(n), None) => Some(n.to_string()),
            (_, _, None, Some(u)) => Some(format!("@{u}")),
            _ => None,
        };
        Ok(name)
    }

    async fn take_thread_control(
        &self,
        to: &ConversationKey,
        metadata: &str,
    ) -> Result<(), GraphError> {
        let body = json!({ "recipient": { "id": to.user_id }, "metadata": metadata });
        self.post(&to.page_id, "take_thread_control", &body)
            .await
            .map(|_| ())
    }
}
