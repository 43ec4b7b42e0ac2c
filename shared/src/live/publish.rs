//! Publishing a version: both files checked as `handoff policy check` checks them, the knowledge
//! index built ahead of time, the blob stored, and only then one transaction that appends the
//! version and makes it current (if the current version is still the one the change was built
//! on). A file that does not check, or a blob not fully stored, never becomes current.

use std::sync::Arc;

use chrono::Utc;
use thiserror::Error;

use super::change::describe_change;
use super::content::BoundaryContent;
use super::version::{short, CurrentVersion, Publication, VersionRecord, LAYER_VERSION};
use crate::encoder::SentenceEncoder;
use crate::policy::{Knowledge, Policy};
use crate::ports::{BoundaryVersions, StoreError};

/// Why a version was not published.
#[derive(Debug, Error)]
pub enum PublishError {
    #[error("the policy file: {0}")]
    Policy(String),
    #[error("the knowledge file: {0}")]
    Knowledge(String),
    #[error("{0}")]
    Lengths(String),
    #[error("version {0} became current while this one was being published; nothing was changed (look at `handoff boundary history` and try again)")]
    Conflict(u32),
    #[error("there is no version {0} (see `handoff boundary history`)")]
    NoSuchVersion(u32),
    #[error("version {0} is already current")]
    AlreadyCurrent(u32),
    #[error("the layer's files: {0}")]
    Layer(String),
    #[error("a stored version cannot be read: {0}")]
    Stored(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The files deployed with the stack (version 1, and the fallback).
#[derive(Clone, Debug)]
pub struct LayerFiles {
    pub policy: String,
    pub knowledge: String,
}

impl LayerFiles {
    /// The layer as a version's content, with its `knowledge.index` when it has one.
    pub fn content(&self) -> Result<BoundaryContent, PublishError> {
        let read = |p: &str| {
            std::fs::read_to_string(p).map_err(|e| PublishError::Layer(format!("{p}: {e}")))
        };
        Ok(BoundaryContent {
            policy: read(&self.policy)?,
            knowledge: read(&self.knowledge)?,
            index: std::fs::read(crate::policy::index_path(&self.knowledge)).ok(),
        })
    }
}

/// Both files, parsed and checked.
pub struct Checked {
    pub policy: Policy,
    pub knowledge: Knowledge,
    pub warnings: Vec<String>,
}

/// The checks of `handoff policy check`.
pub fn check(policy: &str, knowledge: &str) -> Result<Checked, PublishError> {
    let p = Policy::from_toml(policy).map_err(|e| PublishError::Policy(e.to_string()))?;
    let k = Knowledge::from_toml(knowledge).map_err(|e| PublishError::Knowledge(e.to_string()))?;
    let too_long = crate::policy::limits::check_lengths(&p, &k);
    if !too_long.is_empty() {
        return Err(PublishError::Lengths(too_long.join("; ")));
    }
    let warnings = p.warnings.iter().chain(&k.warnings).cloned().collect();
    Ok(Checked {
        policy: p,
        knowledge: k,
        warnings,
    })
}

/// Checks both files and builds what the engine compiles ahead of time (the examples' vectors,
/// with `encoder`).
pub fn prepare(
    policy: String,
    knowledge: String,
    encoder: Option<Arc<SentenceEncoder>>,
) -> Result<(BoundaryContent, Checked), PublishError> {
    let mut checked = check(&policy, &knowledge)?;
    let index = encoder.and_then(|encoder| {
        checked.knowledge = std::mem::replace(&mut checked.knowledge, Knowledge::index(vec![]))
            .with_encoder(encoder, None);
        checked.knowledge.index_bytes()
    });
    Ok((
        BoundaryContent {
            policy,
            knowledge,
            index,
        },
        checked,
    ))
}

/// The current version and its content (the layer's files when the layer is current).
pub async fn current_content(
    versions: &dyn BoundaryVersions,
    layer: &LayerFiles,
) -> Result<(CurrentVersion, BoundaryContent), PublishError> {
    let current = versions.current().await?;
    let content = if current.is_layer() {
        layer.content()?
    } else {
        read_content(versions, &current.content)
            .await
            .map_err(PublishError::Stored)?
    };
    Ok((current, content))
}

async fn next_number(versions: &dyn BoundaryVersions) -> Result<u32, PublishError> {
    Ok(versions
        .history()
        .await?
        .iter()
        .map(|r| r.version)
        .max()
        .unwrap_or(LAYER_VERSION)
        + 1)
}

/// Stores `content` and makes it current, if `base` is still current. `old` is the base's
/// content, for the line that says what changed.
pub async fn publish(
    versions: &dyn BoundaryVersions,
    base: &CurrentVersion,
    old: Option<&BoundaryContent>,
    (content, checked): (&BoundaryContent, &Checked),
    by: &str,
) -> Result<VersionRecord, PublishError> {
    let old_parsed = old.and_then(|o| {
        Some((
            Policy::from_toml(&o.policy).ok()?,
            Knowledge::from_toml(&o.knowledge).ok()?,
            o.policy.as_str(),
        ))
    });
    let change = describe_change(
        old_parsed.as_ref().map(|(p, k, s)| (p, k, *s)),
        (&checked.policy, &checked.knowledge, &content.policy),
    );
    let bytes = content.to_bytes();
    let digest = super::content::digest(&bytes);
    versions.put_content(&digest, &bytes).await?;
    let record = VersionRecord {
        version: next_number(versions).await?,
        content: digest,
        size: bytes.len() as u64,
        by: by.to_string(),
        at: Utc::now(),
        change,
        base: base.version,
    };
    match versions.make_current(&record).await? {
        Publication::Published(r) => Ok(r),
        Publication::CurrentMoved => Err(PublishError::Conflict(versions.current().await?.version)),
    }
}

/// Makes version `to` current again, as a new version with its content (version 1: the layer).
pub async fn rollback(
    versions: &dyn BoundaryVersions,
    to: u32,
    by: &str,
) -> Result<VersionRecord, PublishError> {
    let current = versions.current().await?;
    let history = versions.history().await?;
    let target = if to == LAYER_VERSION {
        None
    } else {
        Some(
            history
                .iter()
                .find(|r| r.version == to)
                .ok_or(PublishError::NoSuchVersion(to))?,
        )
    };
    let content = target.map(|t| t.content.clone()).unwrap_or_default();
    if content == current.content {
        return Err(PublishError::AlreadyCurrent(current.version));
    }
    let record = VersionRecord {
        version: next_number(versions).await?,
        size: target.map_or(0, |t| t.size),
        content,
        by: by.to_string(),
        at: Utc::now(),
        change: match target {
            Some(t) => format!("rollback to version {to} ({})", t.change),
            None => "rollback to version 1 (the deployed layer)".into(),
        },
        base: current.version,
    };
    match versions.make_current(&record).await? {
        Publication::Published(r) => Ok(r),
        Publication::CurrentMoved => Err(PublishError::Conflict(versions.current().await?.version)),
    }
}

/// Reads a stored version's content, checked against its digest.
pub async fn read_content(
    versions: &dyn BoundaryVersions,
    digest: &str,
) -> Result<BoundaryContent, String> {
    let bytes = versions
        .content(digest)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the content {} is not stored", short(digest)))?;
    BoundaryContent::from_bytes(&bytes, digest).map_err(|e| e.to_string())
}
