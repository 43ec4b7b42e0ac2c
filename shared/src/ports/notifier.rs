//! The team's channel: the handoff published to SNS (email, chat, HTTPS subscribers).

use async_trait::async_trait;
use thiserror::Error;

use crate::escalation::HandoffMessage;

/// Sends to the team (SNS).
#[async_trait]
pub trait Notifier: Send + Sync {
    async fn publish(&self, message: &HandoffMessage) -> Result<String, NotifyError>;
}

#[derive(Debug, Error)]
pub enum NotifyError {
    #[error("SNS publish failed: {0}")]
    Aws(String),
    #[error("handoff message refused before sending: {0}")]
    Invalid(String),
    /// Not begun: too little of the invocation is left to finish it, and a publish cut off
    /// midway may or may not reach the team. The redelivery or the sweep publishes it.
    #[error("publish not begun: {0}")]
    Deferred(String),
}
