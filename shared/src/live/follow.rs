//! A running function follows the current version: a pointer read at most every
//! `BOUNDARY_CHECK_SECONDS` (30 by default), never per message; when it moved, the new version's
//! compiled form is read, checked against its digest, compiled off the async threads and swapped
//! in for the next batch. A version that cannot be read or compiled is logged and skipped: the
//! function keeps answering with what it has.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use super::content::BoundaryContent;
use super::publish::read_content;
use super::version::CurrentVersion;
use crate::policy::{Knowledge, Policy};
use crate::ports::BoundaryVersions;

/// How often a running function reads the pointer, by default.
pub const DEFAULT_CHECK_EVERY: Duration = Duration::from_secs(30);

/// One compiled version.
#[derive(Clone)]
pub struct Boundary {
    pub version: u32,
    pub policy: Arc<Policy>,
    pub knowledge: Arc<Knowledge>,
}

/// Compiles a stored version into what this function needs of it.
pub type Compile =
    Arc<dyn Fn(BoundaryContent, &str) -> Result<(Policy, Knowledge), String> + Send + Sync>;

/// The compiled current version, kept fresh.
pub struct LiveBoundary {
    versions: Arc<dyn BoundaryVersions>,
    compile: Compile,
    every: Duration,
    /// The layer, compiled at start: version 1 and the fallback.
    layer: Boundary,
    loaded: RwLock<(CurrentVersion, Boundary)>,
    next_check: Mutex<Option<Instant>>,
    refreshing: tokio::sync::Mutex<()>,
}

impl LiveBoundary {
    pub fn new(
        versions: Arc<dyn BoundaryVersions>,
        layer: Boundary,
        compile: Compile,
        every: Duration,
    ) -> Self {
        Self {
            versions,
            compile,
            every,
            loaded: RwLock::new((CurrentVersion::layer(), layer.clone())),
            layer,
            next_check: Mutex::new(None),
            refreshing: tokio::sync::Mutex::new(()),
        }
    }

    /// The check interval from `BOUNDARY_CHECK_SECONDS`.
    pub fn check_every_from_env() -> Duration {
        crate::config::early::boundary_check_seconds()
            .map_or(DEFAULT_CHECK_EVERY, Duration::from_secs)
    }

    fn loaded(&self) -> Boundary {
        self.loaded.read().expect("not poisoned").1.clone()
    }

    fn due(&self) -> bool {
        self.next_check
            .lock()
            .expect("not poisoned")
            .is_none_or(|at| Instant::now() >= at)
    }

    /// The version to decide with. Reads the pointer when the last read is older than the
    /// interval; a batch that finds another one already reading uses what is loaded.
    pub async fn current(&self) -> Boundary {
        if !self.due() {
            return self.loaded();
        }
        let Ok(_guard) = self.refreshing.try_lock() else {
            return self.loaded();
        };
        if self.due() {
            if let Err(e) = self.refresh().await {
                tracing::warn!(error = %e, "the current boundary version could not be loaded; keeping the one in use");
            }
            *self.next_check.lock().expect("not poisoned") = Some(Instant::now() + self.every);
        }
        self.loaded()
    }

    /// Reads the pointer and loads the version it names if it is not the one in use.
    async fn refresh(&self) -> Result<(), String> {
        let current = self.versions.current().await.map_err(|e| e.to_string())?;
        let in_use = self.loaded.read().expect("not poisoned").0.clone();
        if current == in_use {
            return Ok(());
        }
        let boundary = if current.content == in_use.content {
            Boundary {
                version: current.version,
                ..self.loaded()
            }
        } else if current.is_layer() {
            Boundary {
                version: current.version,
                ..self.layer.clone()
            }
        } else {
            let started = Instant::now();
            let content = read_content(self.versions.as_ref(), &current.content).await?;
            let compile = self.compile.clone();
            let digest = current.content.clone();
            let (policy, knowledge) =
                tokio::task::spawn_blocking(move || compile(content, &digest))
                    .await
                    .map_err(|e| e.to_string())??;
            tracing::info!(
                version = current.version,
                ms = started.elapsed().as_millis() as u64,
                "boundary version loaded"
            );
            Boundary {
                version: current.version,
                policy: Arc::new(policy),
                knowledge: Arc::new(knowledge),
            }
        };
        *self.loaded.write().expect("not poisoned") = (current, boundary);
        Ok(())
    }
}
