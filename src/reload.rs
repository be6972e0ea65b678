//! Loading and reloading lists: read every configured list file and bundle, build a whole new
//! [`Snapshot`] off the request path, pass the false-positive gate, and swap it in; on any
//! failure keep serving the last good snapshot. A `notify` watcher on the lists' directories
//! (robust to in-place writes, temp-and-rename, delete-and-recreate and Kubernetes' `..data`
//! symlink swap) and a periodic re-check trigger reloads; the admin API pushes content.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use notify::{RecursiveMode, Watcher as _};
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, watch};

use crate::config::BundleConfig;
use crate::gate::{Gate, GateError};
use crate::lists::ListSpec;
use crate::lists::bundle::{BundleError, load_bundle};
use crate::lists::signature::TrustPolicy;
use crate::metrics::Metrics;
use crate::snapshot::{ListSource, LoadError, LoadedList, Snapshot, SnapshotHolder};

mod background;
mod fingerprint;

/// Why lists could not be (re)loaded. The previous snapshot stays in force.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// A list file could not be read.
    #[error("{path}: cannot read list")]
    Read {
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A bundle was refused.
    #[error("bundle {dir}: {source}")]
    Bundle {
        /// The bundle directory.
        dir: PathBuf,
        /// Why.
        #[source]
        source: BundleError,
    },
    /// A list did not parse or compile.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The new lists flag too much benign traffic.
    #[error(transparent)]
    Gate(#[from] GateError),
    /// No list has this name, or it cannot be replaced on its own.
    #[error("list {0:?}: {1}")]
    List(String, &'static str),
    /// Writing a pushed list to disk failed.
    #[error("{path}: cannot write list")]
    Write {
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The watcher could not be started.
    #[error("watching list files: {0}")]
    Watch(String),
}

/// What to load: list files from config and flags, and bundles.
#[derive(Debug)]
pub struct Loader {
    files: Vec<ListSpec>,
    bundles: Vec<(PathBuf, TrustPolicy)>,
    gate: Option<Gate>,
    /// Highest serial applied per bundle: a later bundle may not roll back below it.
    serials: Mutex<HashMap<PathBuf, u64>>,
    /// Serials of the bundles last read by [`Loader::sources`], applied once their snapshot is
    /// in force (re-reading the manifest then could see a newer, unapplied version).
    read: Mutex<HashMap<PathBuf, u64>>,
}

impl Loader {
    /// A loader for these lists and bundles, with an optional false-positive gate.
    pub fn new(files: Vec<ListSpec>, bundles: &[BundleConfig], gate: Option<Gate>) -> Self {
        let bundles = bundles
            .iter()
            .map(|b| (b.dir.clone(), b.policy()))
            .collect();
        Loader {
            files,
            bundles,
            gate,
            serials: Mutex::default(),
            read: Mutex::default(),
        }
    }

    /// True when nothing at all is declared.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.bundles.is_empty()
    }

    /// A fingerprint of every input's identity, size and modification time (see
    /// `reload/fingerprint.rs`).
    pub fn fingerprint(&self) -> u64 {
        let files: Vec<PathBuf> = self.files.iter().map(|s| s.path.clone()).collect();
        let dirs: Vec<PathBuf> = self.bundles.iter().map(|(d, _)| d.clone()).collect();
        fingerprint::of(&files, &dirs)
    }

    /// The directories to watch: each list file's directory and each bundle directory.
    pub fn watch_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self
            .files
            .iter()
            .map(|s| {
                s.path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."))
                    .to_path_buf()
            })
            .chain(self.bundles.iter().map(|(d, _)| d.clone()))
            .chain(
                self.bundles
                    .iter()
                    .filter_map(|(d, _)| d.parent().map(Path::to_path_buf)),
            )
            .collect();
        dirs.sort();
        dirs.dedup();
        dirs
    }

    /// Reads every list's current content; `replace` substitutes pushed content by list name.
    ///
    /// # Errors
    /// [`ReloadError`] for an unreadable file or a refused bundle.
    pub fn sources(&self, replace: Option<(&str, &[u8])>) -> Result<Vec<ListSource>, ReloadError> {
        let mut out = Vec::new();
        for spec in &self.files {
            let bytes = match replace {
                Some((name, bytes)) if name == spec.name => bytes.to_vec(),
                _ => std::fs::read(&spec.path).map_err(|source| ReloadError::Read {
                    path: spec.path.clone(),
                    source,
                })?,
            };
            let stale_after = match replace {
                Some((name, _)) if name == spec.name => {
                    spec.stale_after(std::time::SystemTime::now())
                }
                _ => std::fs::metadata(&spec.path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|m| spec.stale_after(m)),
            };
            out.push(ListSource {
                spec: spec.clone(),
                bytes,
                version: None,
                stale_after,
                compiled: None,
            });
        }
        for (dir, policy) in &self.bundles {
            let mut policy = policy.clone();
            let floor = self.serials.lock().ok().and_then(|m| m.get(dir).copied());
            policy.min_serial = policy.min_serial.max(floor);
            let bundle =
                load_bundle(&pinned_dir(dir), &policy).map_err(|source| ReloadError::Bundle {
                    dir: dir.clone(),
                    source,
                })?;
            if let Ok(mut read) = self.read.lock() {
                read.insert(dir.clone(), bundle.manifest.serial);
            }
            out.extend(bundle.sources);
        }
        Ok(out)
    }

    /// The configured list files' current content (no bundles).
    ///
    /// # Errors
    /// [`ReloadError::Read`] for an unreadable file.
    fn sources_except_bundles(&self) -> Result<Vec<ListSource>, ReloadError> {
        let files = Loader {
            files: self.files.clone(),
            bundles: Vec::new(),
            gate: None,
            serials: Mutex::default(),
            read: Mutex::default(),
        };
        files.sources(None)
    }

    /// Verifies the bundle configured at `dir` as found at `found` (same trust policy and
    /// rollback floor).
    fn load_one_bundle(&self, dir: &Path, found: &Path) -> Result<Vec<ListSource>, ReloadError> {
        let (_, policy) = self
            .bundles
            .iter()
            .find(|(d, _)| d == dir)
            .ok_or(ReloadError::List("bundle".into(), "not configured"))?;
        let mut policy = policy.clone();
        let floor = self.serials.lock().ok().and_then(|m| m.get(dir).copied());
        policy.min_serial = policy.min_serial.max(floor);
        let bundle = load_bundle(found, &policy).map_err(|source| ReloadError::Bundle {
            dir: dir.to_path_buf(),
            source,
        })?;
        if let Ok(mut read) = self.read.lock() {
            read.insert(dir.to_path_buf(), bundle.manifest.serial);
        }
        Ok(bundle
            .sources
            .into_iter()
            .map(|mut s| {
                // The lists will live at the configured directory once installed.
                if let Ok(rel) = s.spec.path.strip_prefix(found) {
                    s.spec.path = dir.join(rel);
                }
                s
            })
            .collect())
    }

    /// Builds and gates a snapshot from `sources`.
    ///
    /// # Errors
    /// [`ReloadError::Load`] or [`ReloadError::Gate`].
    pub fn build(&self, sources: Vec<ListSource>) -> Result<Snapshot, ReloadError> {
        let snapshot = Snapshot::build(sources)?;
        if let Some(gate) = &self.gate {
            gate.check(&snapshot)?;
        }
        Ok(snapshot)
    }

    /// Remembers the serials of the bundles now in force.
    fn applied(&self) {
        let read = self.read.lock().map(|r| r.clone()).unwrap_or_default();
        if let Ok(mut serials) = self.serials.lock() {
            for (dir, serial) in read {
                let e = serials.entry(dir).or_default();
                *e = (*e).max(serial);
            }
        }
    }

    fn file_spec(&self, name: &str) -> Option<&ListSpec> {
        self.files.iter().find(|s| s.name == name)
    }
}

/// The directory a bundle's manifest resolves to now, when that is a subdirectory (Kubernetes'
/// `..data` link to an immutable version directory): reading every file from it means a swap
/// mid-read cannot pair one version's manifest with the next one's lists, which was refused as
/// a checksum mismatch although both versions were good. Otherwise `dir` itself.
fn pinned_dir(dir: &Path) -> PathBuf {
    let manifest = dir.join(crate::lists::manifest::MANIFEST_FILE);
    match (dir.canonicalize(), manifest.canonicalize()) {
        (Ok(root), Ok(real)) => match real.parent() {
            Some(p) if p != root && p.starts_with(&root) => p.to_path_buf(),
            _ => dir.to_path_buf(),
        },
        _ => dir.to_path_buf(),
    }
}

fn same_content(current: &Snapshot, sources: &[ListSource]) -> bool {
    current.lists.len() == sources.len()
        && current
            .lists
            .iter()
            .zip(sources)
            .all(|(l, s)| l.spec == s.spec && l.sha256 == hex::encode(Sha256::digest(&s.bytes)))
}

/// Result of a reload attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reloaded {
    /// A new snapshot is in force.
    Swapped,
    /// The lists on disk are what is already in force.
    Unchanged,
}

/// Serialises reloads and pushes, and publishes snapshots.
#[derive(Debug)]
pub struct Reloader {
    loader: Loader,
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
        let result = background::run(move || -> Result<Option<Snapshot>, ReloadError> {
            let sources = this.loader.sources(None)?;
            if let Some(current) = this.holder.load()
                && same_content(&current, &sources)
            {
                return Ok(None);
            }
            this.loader.build(sources).map(Some)
        })
        .await
        .ok_or_else(|| ReloadError::Watch("reload task failed".into()))
        .and_then(|r| r);
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
        let result = background::run(move || -> Result<Option<Snapshot>, ReloadError> {
            let sources = this.loader.sources(Some((&owned, &bytes)))?;
            let snapshot = this.loader.build(sources)?;
            write_atomically(&spec.path, &bytes)?;
            Ok(Some(snapshot))
        })
        .await
        .ok_or_else(|| ReloadError::Watch("push task failed".into()))
        .and_then(|r| r);
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
        archive: Vec<u8>,
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
        let result = background::run(move || -> Result<Option<Snapshot>, ReloadError> {
            let incoming = sibling(&dir, "incoming");
            std::fs::create_dir(&incoming).map_err(|source| ReloadError::Write {
                path: incoming.clone(),
                source,
            })?;
            let outcome = (|| {
                crate::lists::unpack::unpack(&archive, &incoming, max_bytes).map_err(|e| {
                    ReloadError::Bundle {
                        dir: dir.clone(),
                        source: BundleError::Read {
                            path: incoming.clone(),
                            source: std::io::Error::other(e.to_string()),
                        },
                    }
                })?;
                let mut sources = this.loader.sources_except_bundles()?;
                sources.extend(this.loader.load_one_bundle(&dir, &incoming)?);
                let snapshot = this.loader.build(sources)?;
                install_dir(&incoming, &dir)?;
                Ok(Some(snapshot))
            })();
            if outcome.is_err() {
                let _ = std::fs::remove_dir_all(&incoming);
            }
            outcome
        })
        .await
        .ok_or_else(|| ReloadError::Watch("push task failed".into()))
        .and_then(|r| r);
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

    /// Watches the lists' directories and re-checks every `recheck`; reloads after `debounce` of
    /// quiet. Runs until `shutdown` changes.
    ///
    /// # Errors
    /// [`ReloadError::Watch`] when the watcher cannot be created.
    pub fn spawn_watcher(
        self: &Arc<Self>,
        debounce: Duration,
        recheck: Duration,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<tokio::task::JoinHandle<()>, ReloadError> {
        let (tx, mut rx) = mpsc::unbounded_channel::<()>();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if event.is_ok() {
                    let _ = tx.send(());
                }
            })
            .map_err(|e| ReloadError::Watch(e.to_string()))?;
        for dir in self.loader.watch_dirs() {
            // A directory that does not exist yet is covered by the periodic re-check.
            if let Err(e) = watcher.watch(&dir, RecursiveMode::NonRecursive) {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot watch list directory; relying on periodic re-check");
            }
        }
        let this = self.clone();
        let dirs = self.loader.watch_dirs();
        Ok(tokio::spawn(async move {
            let mut watcher = watcher;
            let mut tick = tokio::time::interval(recheck);
            tick.tick().await;
            loop {
                let event = tokio::select! {
                    _ = shutdown.changed() => return,
                    _ = tick.tick() => false,
                    got = rx.recv() => {
                        if got.is_none() { return; }
                        // Debounce: wait for a quiet period so a file being written is read whole.
                        loop {
                            match tokio::time::timeout(debounce, rx.recv()).await {
                                Ok(Some(())) => continue,
                                Ok(None) => return,
                                Err(_) => break,
                            }
                        }
                        true
                    }
                };
                // The periodic re-check reads everything: it is the backstop for lost events
                // and for changes a fingerprint could miss.
                let _ = if event {
                    this.reload_if_changed().await
                } else {
                    this.reload().await
                };
                this.warn_stale();
                // Directories replaced by rename (bundle pushes, symlink swaps) lose their watch:
                // add them again; re-adding a live watch is harmless.
                for dir in &dirs {
                    let _ = watcher.watch(dir, RecursiveMode::NonRecursive);
                }
            }
        }))
    }
}

/// A fresh sibling path of `dir`: `.{name}.{what}-{pid}-{nanos}`.
fn sibling(dir: &Path, what: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    dir.parent()
        .unwrap_or(Path::new("."))
        .join(format!(".{name}.{what}-{}-{nanos}", std::process::id()))
}

/// Moves the verified `incoming` directory to `dir`. When `dir` is a symlink (Kubernetes style)
/// the link is retargeted atomically; otherwise the old directory is renamed away first.
fn install_dir(incoming: &Path, dir: &Path) -> Result<(), ReloadError> {
    let err = |source| ReloadError::Write {
        path: dir.to_path_buf(),
        source,
    };
    let is_link = std::fs::symlink_metadata(dir)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    if is_link {
        let tmp_link = sibling(dir, "link");
        std::os::unix::fs::symlink(incoming, &tmp_link).map_err(err)?;
        std::fs::rename(&tmp_link, dir).map_err(err)?;
    } else {
        let old = sibling(dir, "previous");
        let had_old = dir.exists();
        if had_old {
            std::fs::rename(dir, &old).map_err(err)?;
        }
        if let Err(e) = std::fs::rename(incoming, dir) {
            if had_old {
                let _ = std::fs::rename(&old, dir);
            }
            return Err(err(e));
        }
        if had_old {
            let _ = std::fs::remove_dir_all(&old);
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` via a temp file in the same directory, fsync, rename, fsync dir.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ReloadError> {
    let err = |source| ReloadError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.searchward-tmp"));
    let mut f = std::fs::File::create(&tmp).map_err(err)?;
    f.write_all(bytes).map_err(err)?;
    f.sync_all().map_err(err)?;
    drop(f);
    // Replace what the path points at when it is a symlink (Kubernetes-style mounts are
    // read-only anyway; a writable symlinked file keeps its link).
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    std::fs::rename(&tmp, &target).map_err(err)?;
    if let Ok(d) = std::fs::File::open(target.parent().unwrap_or(dir)) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::lists::ListKind;

    fn spec(dir: &Path, name: &str) -> ListSpec {
        ListSpec {
            name: name.into(),
            ..ListSpec::from_flag(ListKind::Terms, dir.join(format!("{name}.txt")))
        }
    }

    #[tokio::test]
    async fn bad_content_keeps_the_last_good_and_counts_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.txt"), "zorvexil\n").unwrap();
        let holder = Arc::new(SnapshotHolder::new());
        let metrics = Arc::new(Metrics::new(["r"]));
        let r = Arc::new(Reloader::new(
            Loader::new(vec![spec(dir.path(), "t")], &[], None),
            holder.clone(),
            metrics.clone(),
        ));
        assert_eq!(r.reload().await.unwrap(), Reloaded::Swapped);
        assert_eq!(r.reload().await.unwrap(), Reloaded::Unchanged);
        std::fs::write(dir.path().join("t.txt"), b"ok\n\xff\n").unwrap();
        let err = r.reload().await.unwrap_err();
        assert!(err.to_string().contains("t.txt:2"), "{err}");
        assert_eq!(holder.load().unwrap().lists[0].entries, 1);
        assert!(
            metrics
                .render()
                .contains("searchward_list_reloads_total{result=\"error\"} 1")
        );
    }

    /// A Kubernetes-style farm: every read of one reload comes from the version `..data` named
    /// when the reload began, and the serial recorded is the one read, not what is on disk later.
    #[test]
    fn bundle_reads_are_pinned_to_one_version_directory() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let version = |name: &str, term: &str, serial: u64| {
            let v = dir.path().join(name);
            std::fs::create_dir(&v).unwrap();
            let body = format!("{term}\n");
            std::fs::write(v.join("terms.txt"), &body).unwrap();
            std::fs::write(
                v.join("manifest.toml"),
                format!(
                    "version = \"{name}\"\nserial = {serial}\ncreated = \"2026-11-28T22:00:00Z\"\n\n\
                     [[lists]]\nname = \"terms\"\nfile = \"terms.txt\"\nkind = \"terms\"\n\
                     entries = 1\nsha256 = \"{}\"\n",
                    hex::encode(Sha256::digest(body.as_bytes()))
                ),
            )
            .unwrap();
        };
        version("..v1", "zorvexil", 1);
        version("..v2", "quandrith", 2);
        symlink("..v1", dir.path().join("..data")).unwrap();
        for f in ["manifest.toml", "terms.txt"] {
            symlink(format!("..data/{f}"), dir.path().join(f)).unwrap();
        }
        let bundles = [BundleConfig {
            dir: dir.path().to_path_buf(),
            public_keys: Vec::new(),
            min_serial: None,
        }];
        let loader = Loader::new(Vec::new(), &bundles, None);
        let sources = loader.sources(None).unwrap();
        let v1 = dir.path().join("..v1").canonicalize().unwrap();
        assert!(
            sources[0].spec.path.starts_with(&v1),
            "{:?}",
            sources[0].spec.path
        );
        assert_eq!(sources[0].bytes, b"zorvexil\n");
        // The link moves on before the snapshot is applied: the serial read (1) is recorded.
        std::fs::remove_file(dir.path().join("..data")).unwrap();
        symlink("..v2", dir.path().join("..data")).unwrap();
        loader.applied();
        assert_eq!(loader.serials.lock().unwrap().get(dir.path()), Some(&1));
        assert_eq!(loader.sources(None).unwrap()[0].bytes, b"quandrith\n");
    }

    #[tokio::test]
    async fn push_writes_atomically_and_swaps() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.txt"), "zorvexil\n").unwrap();
        let holder = Arc::new(SnapshotHolder::new());
        let r = Arc::new(Reloader::new(
            Loader::new(vec![spec(dir.path(), "t")], &[], None),
            holder.clone(),
            Arc::new(Metrics::new(["r"])),
        ));
        r.reload().await.unwrap();
        let l = r
            .replace("t", b"zorvexil\nquandrith\n".to_vec())
            .await
            .unwrap();
        assert_eq!(l.entries, 2);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("t.txt")).unwrap(),
            "zorvexil\nquandrith\n"
        );
        assert!(r.replace("t", b"\xff".to_vec()).await.is_err());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("t.txt")).unwrap(),
            "zorvexil\nquandrith\n"
        );
        assert!(matches!(
            r.replace("nope", Vec::new()).await,
            Err(ReloadError::List(..))
        ));
    }
}

#[cfg(test)]
mod gate_tests {
    use super::*;
    use crate::lists::ListKind;

    #[tokio::test]
    async fn a_list_over_the_false_positive_budget_is_refused_like_a_broken_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        std::fs::write(&path, "zorvexil\n").unwrap();
        let spec = ListSpec {
            name: "t".into(),
            ..ListSpec::from_flag(ListKind::Terms, path.clone())
        };
        let benign = (0..200).map(|i| format!("weather in town {i}")).collect();
        let gate = Gate::new(benign, vec![], 0.001);
        let holder = Arc::new(SnapshotHolder::new());
        let metrics = Arc::new(Metrics::new(["r"]));
        let r = Arc::new(Reloader::new(
            Loader::new(vec![spec], &[], Some(gate)),
            holder.clone(),
            metrics.clone(),
        ));
        r.reload().await.unwrap();
        std::fs::write(&path, "zorvexil\nweather\n").unwrap();
        let err = r.reload().await.unwrap_err();
        assert!(
            err.to_string().contains("200 of 200 benign queries"),
            "{err}"
        );
        assert_eq!(holder.load().unwrap().lists[0].entries, 1);
    }
}
