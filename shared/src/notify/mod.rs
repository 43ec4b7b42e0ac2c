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
}
