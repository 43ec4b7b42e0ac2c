//! Handoff: a customer assistant for Messenger and Instagram whose core feature is knowing when to
//! stop and call a human.
//!
//! Hexagonal: `entry` translates Lambda events, `app` holds the use cases, the domain modules
//! (`webhook`, `policy`, `escalation`, `resume`) are pure, and `store`, `notify` and `graph` are
//! the adapters behind the `ports`.

pub mod app;
pub mod cases;
pub mod config;
pub mod conversation;
#[cfg(feature = "tools")]
pub mod cost;
pub mod deadline;
pub mod encoder;
pub mod entry;
pub mod escalation;
pub mod graph;
pub mod live;
pub mod llm;
pub mod message;
pub mod metrics;
pub mod notify;
pub(crate) mod parallel;
pub mod policy;
pub mod ports;
pub mod report;
pub mod resume;
pub mod review;
pub mod state;
pub mod store;
pub mod webhook;
pub mod wording;

pub use app::App;
pub use config::Config;
