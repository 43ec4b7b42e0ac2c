//! The customer's channel: Meta's Send API and Conversation Routing (thread control), and how
//! their failures are classified for the caller.

use async_trait::async_trait;
use thiserror::Error;

use crate::conversation::ConversationKey;

/// A button under a bot message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuickReplyButton {
    pub title: String,
    pub payload: String,
}

/// Talks to the customer through Meta's Graph API.
#[async_trait]
pub trait Messenger: Send + Sync {
    /// Sends text; returns Meta's message id.
    async fn send_text(
        &self,
        to: &ConversationKey,
        text: &str,
        quick_replies: &[QuickReplyButton],
        metadata: &str,
    ) -> Result<String, GraphError>;
    async fn pass_thread_control(
        &self,
        to: &ConversationKey,
        target_app_id: &str,
        metadata: &str,
    ) -> Result<(), GraphError>;
    async fn take_thread_control(
        &self,
        to: &ConversationKey,
        metadata: &str,
    ) -> Result<(), GraphError>;
    /// The customer's name from the user profile, when the page token allows it.
    async fn profile_name(&self, who: &ConversationKey) -> Result<Option<String>, GraphError>;
}

/// A failed Graph call. Messages never include the page token.
#[derive(Debug, Error)]
pub enum GraphError {
    #[error("no page access token configured for page {0} (add it to META_PAGE_TOKENS)")]
    NoToken(String),
    #[error("Graph API request failed: {0}")]
    Transport(String),
    /// A send that may have reached Meta (it timed out, or the connection broke after the request
    /// went out): not known to have failed, so never sent again blindly.
    #[error("Graph API did not answer in time; the send may have gone through: {0}")]
    Unconfirmed(String),
    #[error("Graph API error {code}/{subcode:?} (HTTP {status}): {message}")]
    Api {
        status: u16,
        code: i64,
        subcode: Option<i64>,
        message: String,
    },
}

impl GraphError {
    /// Meta's `{"error": {"code", "error_subcode", "message"}}` body (message cut to 300 chars).
    pub fn from_response(status: u16, body: &serde_json::Value) -> Self {
        let err = body.get("error").cloned().unwrap_or_default();
        GraphError::Api {
            status,
            code: err
                .get("code")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(0),
            subcode: err.get("error_subcode").and_then(serde_json::Value::as_i64),
            message: err
                .get("message")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("no error message")
                .chars()
                .take(300)
                .collect(),
        }
    }

    /// Another app (a person in an inbox) owns the thread: treat the human as active.
    pub fn another_app_owns_thread(&self) -> bool {
        matches!(self, GraphError::Api { code, subcode, .. }
            if *code == 2018300 || *subcode == Some(2018300) || (*code == 100 && *subcode == Some(2534037)))
    }

    /// Worth another try after a pause: rate limits, server errors, the network.
    pub fn is_transient(&self) -> bool {
        match self {
            GraphError::Transport(_) => true,
            GraphError::Api { status, code, .. } => {
                *status >= 500 || *status == 429 || matches!(code, 1 | 2 | 4 | 17 | 32 | 613)
            }
            GraphError::NoToken(_) | GraphError::Unconfirmed(_) => false,
        }
    }

    /// The request may have been carried out although no answer came (see `Unconfirmed`).
    pub fn is_unconfirmed(&self) -> bool {
        matches!(self, GraphError::Unconfirmed(_))
    }

    /// The page token is invalid or expired (code 190): every send fails until an operator
    /// replaces it.
    pub fn token_invalid(&self) -> bool {
        matches!(
            self,
            GraphError::Api { code: 190, .. } | GraphError::NoToken(_)
        )
    }

    /// Why a send failed, in a word for logs and the handoff.
    pub fn kind(&self) -> &'static str {
        if self.token_invalid() {
            "page token invalid"
        } else if self.is_undeliverable() {
            "customer unreachable"
        } else if self.is_unconfirmed() {
            "Meta did not answer in time"
        } else if self.is_transient() {
            "Meta kept failing"
        } else {
            "refused by Meta"
        }
    }

    /// Outside the messaging window or the person cannot be reached: retrying will not help.
    pub fn is_undeliverable(&self) -> bool {
        matches!(self, GraphError::Api { code, subcode, .. }
            if *code == 551 || *code == 190 || matches!(subcode, Some(2018278) | Some(2534022) | Some(1545041)))
    }
}
