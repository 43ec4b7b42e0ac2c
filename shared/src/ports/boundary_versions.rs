//! The boundary's versions: the append-only history and the pointer to the current one.

use async_trait::async_trait;

use super::StoreError;
use crate::live::{CurrentVersion, Publication, VersionRecord};

/// Where versions live (the table, `docs/state.md`).
#[async_trait]
pub trait BoundaryVersions: Send + Sync {
    /// The pointer: one small read, what a running function checks every half minute.
    async fn current(&self) -> Result<CurrentVersion, StoreError>;
    /// Stores a blob under its digest. Idempotent: the same content is the same blob.
    async fn put_content(&self, digest: &str, bytes: &[u8]) -> Result<(), StoreError>;
    /// A blob's bytes, unchecked (the caller checks the digest), or `None` when absent.
    async fn content(&self, digest: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Appends `record` to the history and makes it current, in one transaction conditional on
    /// the current version still being `record.base`. The blob must have been stored first.
    async fn make_current(&self, record: &VersionRecord) -> Result<Publication, StoreError>;
    /// Every version, newest first.
    async fn history(&self) -> Result<Vec<VersionRecord>, StoreError>;
}
