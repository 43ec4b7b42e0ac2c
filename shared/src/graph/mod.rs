//! Meta's Graph API: the Send API and Conversation Routing (thread control).

mod client;
mod error;

pub use client::GraphClient;
pub use error::GraphError;
