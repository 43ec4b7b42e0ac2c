//! Notifications to the team through SNS.

mod sns;

pub use sns::SnsNotifier;

use thiserror::Error;

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
