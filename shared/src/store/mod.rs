//! Storage: the single DynamoDB table (docs/state.md).

#[cfg(feature = "tools")]
mod bootstrap;
pub mod call_log;
mod dynamodb;
#[cfg(feature = "tools")]
pub mod erasure;
pub mod items;
pub mod memory;
#[cfg(feature = "tools")]
mod stream_reader;

#[cfg(feature = "tools")]
pub use bootstrap::{bootstrap, stream_arn, Bootstrapped};
pub use dynamodb::DynamoStore;
pub use memory::MemoryStore;
#[cfg(feature = "tools")]
pub use stream_reader::{StartAt, StreamReader};

use thiserror::Error;

/// A storage failure. Retryable unless `Corrupt`.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("DynamoDB request failed: {0}")]
    Aws(String),
    #[error("stored item cannot be read: {0}")]
    Corrupt(String),
}
