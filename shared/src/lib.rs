//! Handoff: a customer assistant for Messenger and Instagram whose core feature is knowing when to
//! stop and call a human.
//!
//! The modules in the order a message flows through them (docs/architecture.md draws it). Imports
//! point down this list: an entry calls a use case, a use case the domain and the ports, an adapter
//! implements a port; nothing below imports what is above it.

// Entry: Lambda events and HTTP requests in, responses out.
pub mod entry;
pub mod live;

// Use cases: what the functions and the CLI do, on the ports.
pub mod app;
pub mod cases;
#[cfg(feature = "tools")]
pub mod cost;
pub mod report;
pub mod review;

// Domain: pure, no I/O; time is a parameter.
pub mod conversation;
pub mod encoder;
pub mod escalation;
pub mod message;
pub mod policy;
pub mod resume;
pub mod secret;
pub mod state;
pub mod webhook;
pub mod wording;

// Ports: the capabilities the use cases need, with their contracts and errors.
pub mod ports;

// Adapters and the settings that choose them.
pub mod adapters;
pub mod config;

// Runtime helpers shared by all of the above.
pub mod deadline;
pub mod metrics;
pub(crate) mod parallel;

pub use app::App;
pub use config::Config;
