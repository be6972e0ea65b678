//! Loading a list bundle: a directory with `manifest.toml`, an optional detached signature and
//! the list files. A bundle is accepted whole or not at all.
//!
//! Order of checks: sizes are bounded before anything is read into memory, the signature is
//! checked over the manifest bytes before the manifest is trusted, then serial and expiry, then
//! every list's checksum and entry count.

mod error;
mod read;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::lists::manifest::{MANIFEST_FILE, Manifest, ManifestError};
use crate::lists::signature::{self, SIGNATURE_FILE, SignatureError, TrustPolicy};
use crate::lists::{ListSource, count_entries};

pub use error::BundleError;
use read::{Budget, read_capped, read_capped_pages};

/// Largest manifest accepted; a real one is a few KiB.
const MAX_MANIFEST_BYTES: u64 = 4 << 20;
/// Largest signature file accepted; a real one is about 300 bytes.
const MAX_SIGNATURE_BYTES: u64 = 16 << 10;

/// A verified bundle, ready to compile.
#[derive(Clone, Debug)]
pub struct Bundle {
    /// The bundle directory.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Every list's content, in manifest order, with `version` set to the bundle version.
    pub sources: Vec<ListSource>,
    /// Key id (hex) of the trusted key that signed it; `None` when no keys were required.
    pub signed_by: Option<String>,
}

/// Loads and verifies the bundle in `dir` against `policy`, as of now.
///
/// # Errors
/// [`BundleError`] for the first problem; the bundle is then not used at all.
pub fn load_bundle(dir: &Path, policy: &TrustPolicy) -> Result<Bundle, BundleError> {
    load_bundle_at(dir, policy, SystemTime::now())
}

/// [`load_bundle`] with an explicit current time (for expiry).
///
/// # Errors
/// As [`load_bundle`].
pub fn load_bundle_at(
    dir: &Path,
    policy: &TrustPolicy,
    now: SystemTime,
) -> Result<Bundle, BundleError> {
    load(dir, policy, now, true)
}

/// [`load_bundle`] without reading the precompiled index the manifest may name (for
/// `searchward lists compile`, which replaces it).
///
/// # Errors
/// As [`load_bundle`].
pub fn load_bundle_lists(dir: &Path, policy: &TrustPolicy) -> Result<Bundle, BundleError> {
    load(dir, policy, SystemTime::now(), false)
}

fn load(
    dir: &Path,
    policy: &TrustPolicy,
    now: SystemTime,
    with_index: bool,
) -> Result<Bundle, BundleError> {
    let root = dir.canonicalize().map_err(|source| BundleError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut budget = Budget {
        left: policy.max_total_bytes,
        limit: policy.max_total_bytes,
    };
    let manifest_path = dir.join(MANIFEST_FILE);
    let manifest_bytes = read_capped(&root, &manifest_path, MAX_MANIFEST_BYTES, &mut budget)?;

    let signed_by = if policy.keys.is_empty() {
        None
    } else {
        let sig_path = dir.join(SIGNATURE_FILE);
        let sig_err = |source| BundleError::Signature {
            path: manifest_path.clone(),
            source,
        };
        if !sig_path.exists() {
            return Err(sig_err(SignatureError::Missing));
        }
        let sig = read_capped(&root, &sig_path, MAX_SIGNATURE_BYTES, &mut budget)?;
        let sig = String::from_utf8_lossy(&sig);
        Some(signature::verify(&manifest_bytes, &sig, &policy.keys).map_err(sig_err)?)
    };

    let text = std::str::from_utf8(&manifest_bytes).map_err(|_| ManifestError::Syntax {
        path: manifest_path.clone(),
        line: 0,
        key: None,
        message: "manifest is not valid UTF-8".into(),
    })?;
    let manifest = Manifest::parse(text, &manifest_path)?;
    if let Some(min) = policy.min_serial
        && manifest.serial < min
    {
        return Err(BundleError::Rollback {
            serial: manifest.serial,
            min,
        });
    }
    if let Some(expires) = manifest.expires
        && expires.0 <= now
    {
        return Err(BundleError::Expired { expires });
    }

    let mut sources = Vec::with_capacity(manifest.lists.len());
    for list in &manifest.lists {
        let spec = list.spec_in(dir);
        let bytes = read_capped(&root, &spec.path, u64::MAX, &mut budget)?;
        let actual = hex::encode(Sha256::digest(&bytes));
        if actual != list.sha256 {
            return Err(BundleError::Checksum {
                list: list.name.clone(),
                path: spec.path,
                expected: list.sha256.clone(),
                actual,
            });
        }
        let entries = count_entries(&bytes, &spec.path)? as u64;
        if entries != list.entries {
            return Err(BundleError::EntryCount {
                list: list.name.clone(),
                path: spec.path,
                declared: list.entries,
                actual: entries,
            });
        }
        if entries == 0 && !policy.allow_empty_lists {
            return Err(BundleError::Empty {
                list: list.name.clone(),
                path: spec.path,
            });
        }
        let mut source = ListSource::verified(spec, bytes, actual);
        source.version = Some(manifest.version.clone());
        source.stale_after = manifest.expires.as_ref().map(|t| t.0);
        sources.push(source);
    }
    if let (Some(c), true) = (&manifest.compiled, with_index) {
        let path = dir.join(&c.file);
        // Read into one buffer (huge pages when enabled): the typo table is used where it lands.
        let bytes = read_capped_pages(&root, &path, &mut budget)?;
        let actual = hex::encode(Sha256::digest(bytes.as_ref()));
        if actual != c.sha256 {
            return Err(BundleError::Checksum {
                list: "(compiled index)".into(),
                path,
                expected: c.sha256.clone(),
                actual,
            });
        }
        let shared = Arc::new(bytes);
        for s in &mut sources {
            s.compiled = Some(shared.clone());
        }
    }
    Ok(Bundle {
        dir: dir.to_path_buf(),
        manifest,
        sources,
        signed_by,
    })
}
