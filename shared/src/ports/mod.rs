//! The small capabilities the use cases need, each with its own contract and error. The adapters
//! (`crate::adapters`) implement them against DynamoDB, SNS, the Graph API and the language models,
//! and import them; a port never imports an adapter.
//!
//! | port | what for | adapters |
//! | --- | --- | --- |
//! | `Conversations` | messages and the pause flag | DynamoDB, in memory |
//! | `Escalations` | handoff records, their jobs, resumes | DynamoDB, in memory |
//! | `Stats` | daily counters for the report | DynamoDB, in memory |
//! | `BoundaryVersions` | the live boundary's versions | DynamoDB |
//! | `Reviews` | the weekly reviews and their decisions | DynamoDB |
//! | `Messenger` | the customer: Send API, thread control | Graph |
//! | `Notifier` | the team: the handoff | SNS |
//! | `LanguageModel` | an answer phrased from knowledge, a summary | chat completions, Bedrock |

mod boundary_versions;
mod conversations;
mod escalations;
mod language_model;
mod messenger;
mod notifier;
mod reviews;
mod stats;
mod store;

pub use boundary_versions::BoundaryVersions;
pub use conversations::{ConversationSnapshot, Conversations, Delivery};
pub use escalations::{
    EscalationJob, EscalationOpening, Escalations, JobClaim, ResumeRecord, ResumeRequest,
};
pub use language_model::{LanguageModel, LanguageModelError};
pub use messenger::{GraphError, Messenger, QuickReplyButton};
pub use notifier::{Notifier, NotifyError};
pub use reviews::Reviews;
pub use stats::Stats;
pub use store::{Store, StoreError, Stored};
