//! The outside world behind the ports: each adapter implements a port (`crate::ports`) and imports
//! it, never the reverse. The same adapters run locally (pointed at a local endpoint by
//! `AWS_ENDPOINT_URL`, or at a stub by a base URL), in the tests and in production.
//!
//! | adapter | implements | against |
//! | --- | --- | --- |
//! | `dynamodb` | `Conversations`, `Escalations`, `Stats`, boundary versions, reviews | the one DynamoDB table (docs/state.md) |
//! | `memory` | `Conversations`, `Escalations`, `Stats` | a map: the in-memory twin for the use cases' fast tests |
//! | `sns` | `Notifier` | the team topic (email, chat, HTTPS subscribers) |
//! | `graph` | `Messenger` | Meta's Graph API: Send API, Conversation Routing |
//! | `language_model` | `LanguageModel` | a chat completions endpoint, or Amazon Bedrock |

pub mod dynamodb;
mod graph;
pub mod language_model;
pub mod memory;
mod sns;

pub use dynamodb::DynamoStore;
#[cfg(feature = "tools")]
pub use dynamodb::{bootstrap, stream_arn, Bootstrapped, StartAt, StreamReader};
pub use graph::GraphClient;
pub use memory::MemoryStore;
pub use sns::SnsNotifier;
