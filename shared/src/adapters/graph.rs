//! `Messenger` over HTTP with reqwest (rustls). The page token travels in the Authorization
//! header, never in a URL, so it cannot surface in an error or a log line.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{json, Value};

use crate::conversation::ConversationKey;
use crate::ports::GraphError;
use crate::ports::{Messenger, QuickReplyButton};
use crate::secret::Secret;

/// Bounded retries for transient failures (rate limits, 5xx): 3 attempts in all.
const ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// One call's own bound; the invocation's deadline may cut it shorter (`crate::deadline`).
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// Not worth starting a call with less than this left: it would be cut mid-flight.
const MIN_CALL: Duration = Duration::from_millis(300);

fn out_of_time() -> GraphError {
    GraphError::Transport("not started: too little time left in this invocation".into())
}

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
            .timeout(CALL_TIMEOUT)
            // Kept warm between invocations of the same instance: no new TLS handshake per send.
            .pool_idle_timeout(Duration::from_secs(90))
            .build()
            .expect("reqwest client with rustls builds");
        Self {
            http,
            base: base.into().trim_end_matches('/').to_string(),
            page_tokens,
        }
    }

    /// Posts to `edge`, retrying what is transient. A request that may have been carried out
    /// (timed out after it went out) is retried only when repeating it is harmless (`repeatable`:
    /// passing a thread twice); a send is not, and comes back `Unconfirmed`.
    async fn post(
        &self,
        page_id: &str,
        edge: &str,
        body: &Value,
        repeatable: bool,
    ) -> Result<Value, GraphError> {
        let token = self
            .page_tokens
            .get(page_id)
            .ok_or_else(|| GraphError::NoToken(page_id.to_string()))?;
        let url = format!("{}/{}/{}", self.base, page_id, edge);
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            let timeout = crate::deadline::bound(CALL_TIMEOUT);
            if timeout < MIN_CALL {
                return Err(out_of_time());
            }
            let result = match self.post_once(&url, token, body, timeout).await {
                Err(Sent::Maybe(e)) if !repeatable => Err(GraphError::Unconfirmed(e)),
                Err(Sent::Maybe(e)) => Err(GraphError::Transport(e)),
                Err(Sent::No(e)) => Err(e),
                Ok(v) => Ok(v),
            };
            match result {
                Err(e)
                    if e.is_transient()
                        && attempt < ATTEMPTS
                        && crate::deadline::has_left(backoff + MIN_CALL) =>
                {
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
        timeout: Duration,
    ) -> Result<Value, Sent> {
        let resp = self
            .http
            .post(url)
            .timeout(timeout)
            .bearer_auth(token.expose())
            .json(body)
            .send()
            .await
            .map_err(|e| {
                // Refused before the request left (no connection): Meta never saw it.
                let connect = e.is_connect();
                let text = e.without_url().to_string();
                if connect {
                    Sent::No(GraphError::Transport(text))
                } else {
                    Sent::Maybe(text)
                }
            })?;
        let status = resp.status().as_u16();
        let value: Value = resp.json().await.map_err(|e| {
            let text = e.without_url().to_string();
            // A 2xx whose body never arrived whole: Meta took the request.
            if (200..300).contains(&status) {
                Sent::Maybe(text)
            } else {
                Sent::No(GraphError::Transport(text))
            }
        })?;
        if (200..300).contains(&status) && value.get("error").is_none() {
            return Ok(value);
        }
        Err(Sent::No(GraphError::from_response(status, &value)))
    }
}

/// How a call failed: Meta answered (or never saw the request), or it may have been carried out.
enum Sent {
    No(GraphError),
    Maybe(String),
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
        let v = self.post(&to.page_id, "messages", &body, false).await?;
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
        self.post(&to.page_id, "pass_thread_control", &body, true)
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
        let timeout = crate::deadline::bound(CALL_TIMEOUT);
        if timeout < MIN_CALL {
            return Err(out_of_time());
        }
        let resp = self
            .http
            .get(format!("{}/{}", self.base, who.user_id))
            .timeout(timeout)
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
        self.post(&to.page_id, "take_thread_control", &body, true)
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod deadline_tests {
    use std::time::Instant;

    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::conversation::Channel;
    use crate::deadline::{scope, RECORD_MARGIN};

    #[tokio::test]
    async fn a_slow_graph_is_cut_at_the_invocations_deadline_and_not_retried_past_it() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(500)
                    .set_delay(Duration::from_secs(30))
                    .set_body_json(json!({"error": {"code": 2, "message": "slow"}})),
            )
            .mount(&server)
            .await;
        let client = GraphClient::new(
            server.uri(),
            HashMap::from([("111".to_string(), Secret::new("token"))]),
        );
        let to = ConversationKey::new(Channel::Messenger, "111", "222");
        let deadline = Instant::now() + RECORD_MARGIN + Duration::from_secs(1);
        let sent = scope(Some(deadline), client.send_text(&to, "hi", &[], "md")).await;
        assert!(matches!(sent, Err(GraphError::Unconfirmed(_))), "{sent:?}");
        assert!(
            Instant::now() < deadline,
            "the margin to record the outcome is left"
        );
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
        // With no time left, nothing is even started.
        let late = scope(Some(Instant::now()), client.send_text(&to, "hi", &[], "md")).await;
        assert!(matches!(late, Err(GraphError::Transport(m)) if m.contains("not started")));
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_send_that_timed_out_is_never_sent_again_a_thread_pass_is() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_delay(CALL_TIMEOUT + Duration::from_secs(1))
                    .set_body_json(json!({"message_id": "m_late", "success": true})),
            )
            .mount(&server)
            .await;
        let client = GraphClient::new(
            server.uri(),
            HashMap::from([("111".to_string(), Secret::new("token"))]),
        );
        let to = ConversationKey::new(Channel::Messenger, "111", "222");
        let sent = client.send_text(&to, "hi", &[], "md").await;
        assert!(matches!(&sent, Err(e) if e.is_unconfirmed()), "{sent:?}");
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
        // Passing the thread twice is harmless: retried.
        let deadline = Instant::now() + RECORD_MARGIN + CALL_TIMEOUT + Duration::from_secs(2);
        let passed = scope(
            Some(deadline),
            client.pass_thread_control(&to, "263902037430900", "md"),
        )
        .await;
        assert!(passed.is_err());
        assert_eq!(server.received_requests().await.unwrap().len(), 3);
    }
}
