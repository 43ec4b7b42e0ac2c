//! The live boundary: the policy and knowledge files the functions use, versioned in the table,
//! published and rolled back without a redeploy (`handoff boundary`, the review page). The layer
//! deployed with the stack stays version 1 and the fallback. See `docs/boundary.md`.

mod change;
mod content;
mod follow;
mod publish;
mod version;

pub use change::describe_change;
pub use content::{digest, BoundaryContent, ContentError};
pub use follow::{Boundary, Compile, LiveBoundary, DEFAULT_CHECK_EVERY};
pub use publish::{
    check, current_content, prepare, publish, read_content, rollback, Checked, LayerFiles,
    PublishError,
};
pub use version::{short, CurrentVersion, Publication, VersionRecord, LAYER_VERSION};
