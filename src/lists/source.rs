//! List input: the one reader that turns a list file, a pushed body or a verified bundle list
//! into a [`ListSource`] (its declaration, bytes and SHA-256, computed once here) for
//! [`crate::snapshot::Snapshot::build`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::lists::ListSpec;
use crate::mempages::Pages;

/// A list file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot read list")]
pub struct ReadError {
    /// The file.
    pub path: PathBuf,
    /// Cause.
    #[source]
    pub source: std::io::Error,
}

/// The raw content of one list, as read from disk, found in a verified bundle or received by
/// the admin API, with the hex SHA-256 of its bytes.
/// Its `Debug` output shows the size of the content, never the entries.
#[derive(Clone)]
pub struct ListSource {
    /// Its declaration.
    pub spec: ListSpec,
    bytes: Vec<u8>,
    sha256: String,
    /// An explicit version (from a bundle manifest); `None` derives it from the checksum.
    pub version: Option<String>,
    /// When this content goes stale (a file's mtime plus its `max_age`, or a bundle's expiry).
    pub stale_after: Option<SystemTime>,
    /// The precompiled index of the text lists of the bundle this list came from (shared by
    /// all of them), if the bundle carries one. Used only when it covers exactly the
    /// snapshot's text lists, as they are.
    pub compiled: Option<Arc<Pages>>,
}

impl ListSource {
    /// Content for `spec`, hashed now; no version, no staleness, no precompiled index.
    pub fn new(spec: ListSpec, bytes: Vec<u8>) -> Self {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        Self::verified(spec, bytes, sha256)
    }

    /// Content whose SHA-256 the caller has already computed (a bundle checks each list
    /// against its manifest, so the checksum is not computed twice).
    pub(crate) fn verified(spec: ListSpec, bytes: Vec<u8>, sha256: String) -> Self {
        ListSource {
            spec,
            bytes,
            sha256,
            version: None,
            stale_after: None,
            compiled: None,
        }
    }

    /// Reads the file `spec` declares; it goes stale `max_age` after its modification time.
    ///
    /// # Errors
    /// [`ReadError`] when the file cannot be read.
    pub fn read(spec: &ListSpec) -> Result<Self, ReadError> {
        let bytes = std::fs::read(&spec.path).map_err(|source| ReadError {
            path: spec.path.clone(),
            source,
        })?;
        let stale_after = std::fs::metadata(&spec.path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| spec.stale_after(m));
        Ok(ListSource {
            stale_after,
            ..Self::new(spec.clone(), bytes)
        })
    }

    /// Content pushed for `spec` (admin API); it goes stale `max_age` from now.
    pub fn pushed(spec: &ListSpec, bytes: Vec<u8>) -> Self {
        ListSource {
            stale_after: spec.stale_after(SystemTime::now()),
            ..Self::new(spec.clone(), bytes)
        }
    }

    /// The list's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Hex SHA-256 of [`ListSource::bytes`].
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The declaration and the bytes, consuming the source.
    pub fn into_parts(self) -> (ListSpec, Vec<u8>) {
        (self.spec, self.bytes)
    }
}

impl std::fmt::Debug for ListSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListSource")
            .field("spec", &self.spec)
            .field("bytes", &self.bytes.len())
            .field("sha256", &self.sha256)
            .field("version", &self.version)
            .field("stale_after", &self.stale_after)
            .field(
                "compiled",
                &self.compiled.as_ref().map(|c| c.as_ref().as_ref().len()),
            )
            .finish()
    }
}

/// Reads every file `specs` declare, in order.
///
/// # Errors
/// [`ReadError`] for the first file that cannot be read.
pub fn read_files(specs: &[ListSpec]) -> Result<Vec<ListSource>, ReadError> {
    specs.iter().map(ListSource::read).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lists::ListKind;

    #[test]
    fn every_reader_hashes_the_bytes_it_returns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        std::fs::write(&path, "zorvexil\n").unwrap();
        let spec = ListSpec::from_flag(ListKind::Terms, path);
        let want = hex::encode(Sha256::digest(b"zorvexil\n"));
        let read = ListSource::read(&spec).unwrap();
        let pushed = ListSource::pushed(&spec, b"zorvexil\n".to_vec());
        let built = ListSource::new(spec.clone(), b"zorvexil\n".to_vec());
        for s in [&read, &pushed, &built] {
            assert_eq!(s.sha256(), want);
            assert_eq!(s.bytes(), b"zorvexil\n");
        }
        // The entries never show in logs.
        assert!(!format!("{read:?}").contains("zorvexil"));
        let missing = ListSpec::from_flag(ListKind::Terms, dir.path().join("nope.txt"));
        let err = read_files(&[spec, missing]).unwrap_err();
        assert!(
            err.to_string().ends_with("nope.txt: cannot read list"),
            "{err}"
        );
    }
}
