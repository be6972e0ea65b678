//! What a reload reads: the configured list files and bundles, turned into verified
//! [`ListSource`]s by the list reader (`lists/source.rs`, `lists/bundle.rs`), with each bundle's
//! rollback floor (the highest serial applied so far) and the fingerprint and directories the
//! watcher uses.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::config::BundleConfig;
use crate::gate::Gate;
use crate::lists::bundle::{Bundle, load_bundle};
use crate::lists::signature::TrustPolicy;
use crate::lists::{ListSource, ListSpec};
use crate::snapshot::Snapshot;

use super::{ReloadError, fingerprint};

/// What to load: list files from config and flags, and bundles.
#[derive(Debug)]
pub struct Loader {
    files: Vec<ListSpec>,
    pub(super) bundles: Vec<(PathBuf, TrustPolicy)>,
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
        let mut out = self.file_sources(replace)?;
        for (dir, policy) in &self.bundles {
            out.extend(self.verify_bundle(dir, policy, &pinned_dir(dir))?.sources);
        }
        Ok(out)
    }

    /// The configured list files' current content (no bundles); `replace` substitutes pushed
    /// content by list name.
    ///
    /// # Errors
    /// [`ReloadError::Read`] for an unreadable file.
    pub(super) fn file_sources(
        &self,
        replace: Option<(&str, &[u8])>,
    ) -> Result<Vec<ListSource>, ReloadError> {
        let mut out = Vec::with_capacity(self.files.len() + 1);
        for spec in &self.files {
            out.push(match replace {
                Some((name, bytes)) if name == spec.name => {
                    ListSource::pushed(spec, bytes.to_vec())
                }
                _ => ListSource::read(spec)?,
            });
        }
        Ok(out)
    }

    /// Verifies the bundle configured at `dir` as found at `found` (same trust policy and
    /// rollback floor), with its lists' paths under `dir`, where they will live once installed.
    pub(super) fn incoming_bundle(
        &self,
        dir: &Path,
        found: &Path,
    ) -> Result<Vec<ListSource>, ReloadError> {
        let (_, policy) = self
            .bundles
            .iter()
            .find(|(d, _)| d == dir)
            .ok_or(ReloadError::List("bundle".into(), "not configured"))?;
        let bundle = self.verify_bundle(dir, policy, found)?;
        Ok(bundle
            .sources
            .into_iter()
            .map(|mut s| {
                if let Ok(rel) = s.spec.path.strip_prefix(found) {
                    s.spec.path = dir.join(rel);
                }
                s
            })
            .collect())
    }

    /// Verifies the bundle configured at `dir` with `policy`, read from `found`, refusing a serial below the
    /// highest one applied so far; remembers the serial read until it is applied.
    fn verify_bundle(
        &self,
        dir: &Path,
        policy: &TrustPolicy,
        found: &Path,
    ) -> Result<Bundle, ReloadError> {
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
        Ok(bundle)
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
    pub(super) fn applied(&self) {
        let read = self.read.lock().map(|r| r.clone()).unwrap_or_default();
        if let Ok(mut serials) = self.serials.lock() {
            for (dir, serial) in read {
                let e = serials.entry(dir).or_default();
                *e = (*e).max(serial);
            }
        }
    }

    pub(super) fn file_spec(&self, name: &str) -> Option<&ListSpec> {
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

/// True when `sources` are exactly the lists `current` was built from (same declarations, same
/// checksums).
pub(super) fn same_content(current: &Snapshot, sources: &[ListSource]) -> bool {
    current.lists.len() == sources.len()
        && current
            .lists
            .iter()
            .zip(sources)
            .all(|(l, s)| l.spec == s.spec && l.sha256 == s.sha256())
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

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
        assert_eq!(sources[0].bytes(), b"zorvexil\n");
        // The link moves on before the snapshot is applied: the serial read (1) is recorded.
        std::fs::remove_file(dir.path().join("..data")).unwrap();
        symlink("..v2", dir.path().join("..data")).unwrap();
        loader.applied();
        assert_eq!(loader.serials.lock().unwrap().get(dir.path()), Some(&1));
        assert_eq!(loader.sources(None).unwrap()[0].bytes(), b"quandrith\n");
    }
}
