//! Publishing snapshots: [`Reloader`] serialises reloads and pushes (one at a time), builds each
//! candidate off the request path, swaps it into the [`SnapshotHolder`] and drops the old one on
//! a thread of its own. On any failure the last good snapshot stays in force.

use std::sync::{Arc, Mutex};

use crate::atomic_fs::{replace_dir, sibling, write_atomically};
use crate::lists::bundle::BundleError;
use crate::metrics::Metrics;
use crate::snapshot::{LoadedList, Snapshot, SnapshotHolder};

use super::{Loader, ReloadError, Reloaded, background, loader::same_content};

/// Serialises reloads and pushes, and publishes snapshots.
#[derive(Debug)]
pub struct Reloader {
    pub(super) loader: Loader,
    holder: Arc<SnapshotHolder>,
    metrics: Arc<Metrics>,
    lock: tokio::sync::Mutex<()>,
    /// Fingerprint of the inputs at the last reload the watcher started (applied or refused).
    last_seen: Mutex<Option<u64>>,
}

impl Reloader {
    /// A reloader publishing into `holder`.
    pub fn new(loader: Loader, holder: Arc<SnapshotHolder>, metrics: Arc<Metrics>) -> Self {
        Reloader {
            loader,
            holder,
            metrics,
            lock: tokio::sync::Mutex::new(()),
            last_seen: Mutex::new(None),
        }
    }

    /// The snapshot holder.
    pub fn holder(&self) -> &Arc<SnapshotHolder> {
        &self.holder
    }

    /// The loader.
    pub fn loader(&self) -> &Loader {
        &self.loader
    }

    /// Rebuilds from disk when anything changed; on failure the last good snapshot stays.
    ///
    /// # Errors
    /// [`ReloadError`] describing the refused lists (file, line, reason; never entry text).
    pub async fn reload(self: &Arc<Self>) -> Result<Reloaded, ReloadError> {
        let _one_at_a_time = self.lock.lock().await;
        let this = self.clone();
        let result = build_off_path("reload", move || {
            let sources = this.loader.sources(None)?;
            if let Some(current) = this.holder.load()
                && same_content(&current, &sources)
            {
                return Ok(None);
            }
            this.loader.build(sources).map(Some)
        })
        .await;
        self.publish(result)
    }

    /// As [`Reloader::reload`], but only when a list file or bundle file changed identity,
    /// size or modification time since the last reload this started: watcher events that
    /// changed nothing do not re-read a large bundle, and a refused push is refused once, not
    /// once per event. (The periodic re-check and `POST /admin/reload` always reload.)
    ///
    /// # Errors
    /// As [`Reloader::reload`].
    pub async fn reload_if_changed(self: &Arc<Self>) -> Result<Reloaded, ReloadError> {
        let seen = self.loader.fingerprint();
        if self.last_seen.lock().ok().and_then(|g| *g) == Some(seen) {
            return Ok(Reloaded::Unchanged);
        }
        let result = self.reload().await;
        if let Ok(mut last) = self.last_seen.lock() {
            *last = Some(seen);
        }
        result
    }

    /// Replaces one list's content (admin push): validated as part of a whole new snapshot, then
    /// written to disk atomically (temp + fsync + rename) so it survives a restart, then swapped.
    ///
    /// # Errors
    /// [`ReloadError`] when the list is unknown, part of a bundle, invalid, or cannot be written.
    pub async fn replace(
        self: &Arc<Self>,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<LoadedList, ReloadError> {
        self.replace_with(name, move || Ok(bytes)).await
    }

    /// As [`Reloader::replace`], the content read by `content` only once this push's turn has
    /// come, so that pushes waiting for their turn hold no list in memory.
    ///
    /// # Errors
    /// As [`Reloader::replace`]; [`ReloadError::Write`] when `content` fails.
    pub async fn replace_with(
        self: &Arc<Self>,
        name: &str,
        content: impl FnOnce() -> std::io::Result<Vec<u8>> + Send + 'static,
    ) -> Result<LoadedList, ReloadError> {
        let _one_at_a_time = self.lock.lock().await;
        let spec = match self.loader.file_spec(name) {
            Some(s) => s.clone(),
            None if self
                .holder
                .load()
                .is_some_and(|s| s.list_id(name).is_some()) =>
            {
                return Err(ReloadError::List(
                    name.to_owned(),
                    "belongs to a bundle; push the bundle instead",
                ));
            }
            None => return Err(ReloadError::List(name.to_owned(), "no such list")),
        };
        let this = self.clone();
        let owned = name.to_owned();
        let result = build_off_path("push", move || {
            let bytes = content().map_err(|source| ReloadError::Write {
                path: "(pushed body)".into(),
                source,
            })?;
            let sources = this.loader.sources(Some((&owned, &bytes)))?;
            let snapshot = this.loader.build(sources)?;
            write_atomically(&spec.path, &bytes).map_err(|source| ReloadError::Write {
                path: spec.path.clone(),
                source,
            })?;
            Ok(Some(snapshot))
        })
        .await;
        self.publish(result)?;
        self.holder
            .load()
            .and_then(|s| s.list_id(name).and_then(|id| s.list(id).cloned()))
            .ok_or(ReloadError::List(
                name.to_owned(),
                "vanished after the swap",
            ))
    }

    /// Replaces the (single) configured bundle with a pushed tar archive: unpacked into a fresh
    /// directory beside it, verified whole (checksums, counts, signature, serial), compiled with
    /// the other lists, then moved into place and swapped in. Nothing changes on any failure.
    ///
    /// # Errors
    /// [`ReloadError`] when no single bundle is configured, or the archive or bundle is refused.
    pub async fn replace_bundle(
        self: &Arc<Self>,
        archive: impl std::io::Read + Send + 'static,
        max_bytes: u64,
    ) -> Result<(), ReloadError> {
        let _one_at_a_time = self.lock.lock().await;
        let [(dir, _)] = self.loader.bundles.as_slice() else {
            return Err(ReloadError::List(
                "bundle".into(),
                "exactly one [[bundles]] entry must be configured to push one",
            ));
        };
        let dir = dir.clone();
        let this = self.clone();
        let result = build_off_path("push", move || {
            let incoming = sibling(&dir, "incoming");
            std::fs::create_dir(&incoming).map_err(|source| ReloadError::Write {
                path: incoming.clone(),
                source,
            })?;
            let outcome = (|| {
                crate::lists::unpack::unpack_reader(archive, &incoming, max_bytes).map_err(
                    |e| ReloadError::Bundle {
                        dir: dir.clone(),
                        source: BundleError::Read {
                            path: incoming.clone(),
                            source: std::io::Error::other(e.to_string()),
                        },
                    },
                )?;
                let mut sources = this.loader.file_sources(None)?;
                sources.extend(this.loader.incoming_bundle(&dir, &incoming)?);
                let snapshot = this.loader.build(sources)?;
                replace_dir(&incoming, &dir).map_err(|source| ReloadError::Write {
                    path: dir.clone(),
                    source,
                })?;
                Ok(Some(snapshot))
            })();
            if outcome.is_err() {
                let _ = std::fs::remove_dir_all(&incoming);
            }
            outcome
        })
        .await;
        self.publish(result).map(|_| ())
    }

    /// Logs a warning for each list past its maximum age or expiry (names and versions only).
    pub fn warn_stale(&self) {
        if let Some(s) = self.holder.load() {
            for l in s.stale_lists(std::time::SystemTime::now()) {
                tracing::warn!(list = %l.spec.name, version = %l.version, "list is stale: past its max_age or bundle expiry");
            }
        }
    }

    /// Swaps a built snapshot in (the old one is dropped off the request path), or counts and
    /// logs the refusal.
    fn publish(
        &self,
        result: Result<Option<Snapshot>, ReloadError>,
    ) -> Result<Reloaded, ReloadError> {
        match result {
            Ok(Some(snapshot)) => {
                let lists = snapshot.lists.len();
                let old = self.holder.load();
                self.holder.store(Arc::new(snapshot));
                self.loader.applied();
                // The old snapshot may be large: free it off the request path.
                if let Some(old) = old {
                    std::thread::spawn(move || {
                        let _ = thread_priority::set_current_thread_priority(
                            thread_priority::ThreadPriority::Min,
                        );
                        drop(old)
                    });
                }
                self.metrics.reload("ok");
                tracing::info!(lists, "lists reloaded");
                Ok(Reloaded::Swapped)
            }
            Ok(None) => Ok(Reloaded::Unchanged),
            Err(e) => {
                self.metrics.reload("error");
                tracing::error!(error = %e, "list reload refused; previous lists stay in force");
                Err(e)
            }
        }
    }
}

/// Runs a build on the low-priority reload thread; a thread that could not start or panicked
/// is [`ReloadError::Task`].
async fn build_off_path(
    what: &'static str,
    f: impl FnOnce() -> Result<Option<Snapshot>, ReloadError> + Send + 'static,
) -> Result<Option<Snapshot>, ReloadError> {
    background::run(f)
        .await
        .ok_or(ReloadError::Task(what))
        .and_then(|r| r)
}
