//! What every store shares: its error, the outcome of a conditional write, and the one adapter
//! that holds them all (DynamoDB keeps them in one table; the in-memory twin in one map).

use thiserror::Error;

use super::{Conversations, Escalations, Stats};

/// A storage failure. Retryable unless `Corrupt`.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("DynamoDB request failed: {0}")]
    Aws(String),
    #[error("stored item cannot be read: {0}")]
    Corrupt(String),
}

/// Whether a conditional write found its item new.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    New,
    /// Already there: a redelivery, nothing changed.
    Duplicate,
}

/// All three stores in one adapter (DynamoDB keeps them in one table; memory in one map).
pub trait Store: Conversations + Escalations + Stats {}
impl<T: Conversations + Escalations + Stats> Store for T {}
