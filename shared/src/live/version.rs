//! The versions of the boundary: a numbered, append-only history and one pointer to the current
//! version. Version 1 is the layer deployed with the stack (the files at `POLICY_FILE` and
//! `KNOWLEDGE_FILE`): it is never stored, and rolling back to it hands the functions back to it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The layer's version number.
pub const LAYER_VERSION: u32 = 1;

/// One published version, as `handoff boundary history` lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionRecord {
    pub version: u32,
    /// The digest of its content (the blob's name); several versions may share one (a rollback).
    pub content: String,
    pub size: u64,
    /// Who published it: a name, or `review` with the reviewer's name.
    pub by: String,
    pub at: DateTime<Utc>,
    /// What changed, in a line.
    pub change: String,
    /// The version it was built on.
    pub base: u32,
}

/// What the functions use now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentVersion {
    pub version: u32,
    /// Empty for the layer.
    pub content: String,
}

impl CurrentVersion {
    pub fn layer() -> Self {
        Self {
            version: LAYER_VERSION,
            content: String::new(),
        }
    }
    /// A rollback to the layer is a version of its own, with no content.
    pub fn is_layer(&self) -> bool {
        self.content.is_empty()
    }
}

/// Result of making a new version current.
#[derive(Clone, Debug, PartialEq)]
pub enum Publication {
    Published(VersionRecord),
    /// Another version became current since `base` was read: read again and re-apply.
    CurrentMoved,
}

/// The first characters of a digest, for people.
pub fn short(digest: &str) -> &str {
    &digest[..digest.len().min(12)]
}
