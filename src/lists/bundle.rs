//! Loading a list bundle: a directory with `manifest.toml`, an optional detached signature and
//! the list files. A bundle is accepted whole or not at all.
//!
//! Order of checks: sizes are bounded before anything is read into memory, the signature is
//! checked over the manifest bytes before the manifest is trusted, then serial and expiry, then
//! every list's checksum and entry count.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::lists::manifest::{MANIFEST_FILE, Manifest, ManifestError, Timestamp};
use crate::lists::signature::{self, SIGNATURE_FILE, SignatureError, TrustPolicy};
use crate::lists::{ListSource, ParseError, count_entries};
use crate::mempages::Pages;

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

/// Why a bundle was refused. Nothing of it is used.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// A file could not be read.
    #[error("{path}: cannot read")]
    Read {
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The manifest is malformed.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The signature is missing, malformed, untrusted or wrong.
    #[error("{path}: signature refused")]
    Signature {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: SignatureError,
    },
    /// A file lies outside the bundle directory (through a symlink).
    #[error("{path}: resolves outside the bundle directory")]
    OutsideBundle {
        /// The file.
        path: PathBuf,
    },
    /// The files add up to more than the policy allows.
    #[error("{path}: bundle exceeds {limit} bytes")]
    TooLarge {
        /// The file that crossed the limit.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// The serial is older than the last accepted one.
    #[error("serial {serial} is lower than the minimum {min} (rollback refused)")]
    Rollback {
        /// The bundle's serial.
        serial: u64,
        /// The lowest accepted serial.
        min: u64,
    },
    /// The bundle has expired.
    #[error("bundle expired at {expires}")]
    Expired {
        /// Its `expires` time.
        expires: Timestamp,
    },
    /// A list's bytes do not match its checksum.
    #[error("{path}: sha256 mismatch for list {list} (manifest {expected}, file {actual})")]
    Checksum {
        /// List name.
        list: String,
        /// The list file.
        path: PathBuf,
        /// Checksum in the manifest.
        expected: String,
        /// Checksum of the file.
        actual: String,
    },
    /// A list's entry count does not match the manifest.
    #[error("{path}: list {list} has {actual} entries, manifest says {declared}")]
    EntryCount {
        /// List name.
        list: String,
        /// The list file.
        path: PathBuf,
        /// Count in the manifest.
        declared: u64,
        /// Count in the file.
        actual: u64,
    },
    /// A list is empty and the policy does not allow that.
    #[error("{path}: list {list} has no entries")]
    Empty {
        /// List name.
        list: String,
        /// The list file.
        path: PathBuf,
    },
    /// A list file is malformed (e.g. a line that is not UTF-8).
    #[error(transparent)]
    Parse(#[from] ParseError),
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

/// Bytes still allowed for the rest of the bundle.
struct Budget {
    left: u64,
    limit: u64,
}

/// Reads `path`, which must resolve inside `root`, refusing more than `cap` bytes or more than
/// the budget has left. Reads through `take` so a growing or endless file cannot exhaust memory.
fn read_capped(
    root: &Path,
    path: &Path,
    cap: u64,
    budget: &mut Budget,
) -> Result<Vec<u8>, BundleError> {
    match read_into(root, path, cap, budget, Dest::Heap)? {
        Loaded::Heap(v) => Ok(v),
        Loaded::Pages(p) => Ok(p.as_ref().to_vec()),
    }
}

/// As [`read_capped`], into a [`Pages`] buffer (for a precompiled index, used where it lands).
fn read_capped_pages(root: &Path, path: &Path, budget: &mut Budget) -> Result<Pages, BundleError> {
    match read_into(root, path, u64::MAX, budget, Dest::Pages)? {
        Loaded::Pages(p) => Ok(p),
        Loaded::Heap(v) => Ok(Pages::new(v)),
    }
}

fn read_into(
    root: &Path,
    path: &Path,
    cap: u64,
    budget: &mut Budget,
    into: Dest,
) -> Result<Loaded, BundleError> {
    let read_err = |source| BundleError::Read {
        path: path.to_path_buf(),
        source,
    };
    // Symlinks are followed (Kubernetes mounts are symlink farms) but must stay in the bundle.
    let real = path.canonicalize().map_err(read_err)?;
    if !real.starts_with(root) {
        return Err(BundleError::OutsideBundle {
            path: path.to_path_buf(),
        });
    }
    let limit = cap.min(budget.left);
    let file = std::fs::File::open(&real).map_err(read_err)?;
    let too_large = || BundleError::TooLarge {
        path: path.to_path_buf(),
        limit: if cap < budget.left { cap } else { budget.limit },
    };
    let size = file.metadata().map_err(read_err)?.len();
    if size > limit {
        return Err(too_large());
    }
    let mut reader = file.take(limit.saturating_add(1));
    let bytes = match into {
        Dest::Heap => {
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            reader.read_to_end(&mut bytes).map_err(read_err)?;
            Loaded::Heap(bytes)
        }
        Dest::Pages => {
            let mut pages = Pages::zeroed(usize::try_from(size).map_err(|_| too_large())?);
            reader.read_exact(pages.as_mut()).map_err(read_err)?;
            // A file still growing is refused rather than read in part.
            if reader.read(&mut [0u8]).map_err(read_err)? != 0 {
                return Err(too_large());
            }
            Loaded::Pages(pages)
        }
    };
    let n = bytes.len() as u64;
    if n > limit {
        return Err(too_large());
    }
    budget.left -= n;
    Ok(bytes)
}

/// Where [`read_into`] puts a file.
enum Dest {
    Heap,
    Pages,
}

/// A file read by [`read_into`].
enum Loaded {
    Heap(Vec<u8>),
    Pages(Pages),
}

impl Loaded {
    fn len(&self) -> usize {
        match self {
            Loaded::Heap(v) => v.len(),
            Loaded::Pages(p) => p.as_ref().len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TERMS: &str = "# synthetic placeholder terms\nzorvexil\nquandrith\n\nvelmorik\n";

    /// The error and its causes, as a user sees them.
    fn chain(err: &dyn std::error::Error) -> String {
        let mut out = err.to_string();
        let mut cause = err.source();
        while let Some(c) = cause {
            out.push_str(&format!(": {c}"));
            cause = c.source();
        }
        out
    }

    fn sha(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    /// A bundle with one terms list; `edit` may change the manifest text before it is written.
    fn bundle(edit: impl Fn(String) -> String) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("terms.txt"), TERMS).unwrap();
        let manifest = format!(
            "version = \"2026.11.28\"\nserial = 5\ncreated = \"2026-11-28T22:00:00Z\"\n\
             expires = \"2030-01-01T00:00:00Z\"\n\n[[lists]]\nname = \"terms\"\n\
             file = \"terms.txt\"\nkind = \"terms\"\nentries = 3\nsha256 = \"{}\"\n",
            sha(TERMS.as_bytes())
        );
        std::fs::write(dir.path().join(MANIFEST_FILE), edit(manifest)).unwrap();
        dir
    }

    #[test]
    fn loads_and_compiles() {
        let dir = bundle(|m| m);
        let b = load_bundle(dir.path(), &TrustPolicy::default()).unwrap();
        assert_eq!(b.sources.len(), 1);
        assert_eq!(b.sources[0].version.as_deref(), Some("2026.11.28"));
        let snap = crate::snapshot::Snapshot::build(b.sources).unwrap();
        assert_eq!(snap.lists[0].entries, 3);
        assert_eq!(snap.lists[0].version, "2026.11.28");
    }

    #[test]
    fn refusals() {
        let late = humantime::parse_rfc3339("2031-01-01T00:00:00Z").unwrap();
        let tiny = TrustPolicy {
            max_total_bytes: 300,
            ..TrustPolicy::default()
        };
        let rollback = TrustPolicy {
            min_serial: Some(6),
            ..TrustPolicy::default()
        };
        let now = SystemTime::now();
        type Case<'a> = (
            &'a str,
            fn(String) -> String,
            TrustPolicy,
            SystemTime,
            &'a str,
        );
        let cases: Vec<Case<'_>> = vec![
            (
                "wrong count",
                |m| m.replace("entries = 3", "entries = 4"),
                TrustPolicy::default(),
                now,
                "has 3 entries, manifest says 4",
            ),
            (
                "rollback",
                |m| m,
                rollback,
                now,
                "serial 5 is lower than the minimum 6",
            ),
            ("expired", |m| m, TrustPolicy::default(), late, "expired"),
            ("too large", |m| m, tiny, now, "exceeds 300 bytes"),
            (
                "escape",
                |m| m.replace("\"terms.txt\"", "\"../terms.txt\""),
                TrustPolicy::default(),
                now,
                "lists[0].file",
            ),
            (
                "missing file",
                |m| m.replace("\"terms.txt\"", "\"nope.txt\""),
                TrustPolicy::default(),
                now,
                "nope.txt: cannot read",
            ),
            (
                "control character",
                |m| m.replace("version", "\u{0}version"),
                TrustPolicy::default(),
                now,
                "manifest.toml:1",
            ),
        ];
        for (name, edit, policy, now, want) in cases {
            let dir = bundle(edit);
            let err = load_bundle_at(dir.path(), &policy, now)
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{name}: {err}");
        }
    }

    #[test]
    fn flipped_bit_and_empty_list_are_refused() {
        let dir = bundle(|m| m);
        let path = dir.path().join("terms.txt");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[40] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let err = load_bundle(dir.path(), &TrustPolicy::default()).unwrap_err();
        assert!(matches!(err, BundleError::Checksum { .. }), "{err}");

        let empty = bundle(|m| {
            m.replace("entries = 3", "entries = 0")
                .replace(&sha(TERMS.as_bytes()), &sha(b"# none\n"))
        });
        std::fs::write(empty.path().join("terms.txt"), "# none\n").unwrap();
        let err = load_bundle(empty.path(), &TrustPolicy::default()).unwrap_err();
        assert!(err.to_string().contains("no entries"), "{err}");
        let lenient = TrustPolicy {
            allow_empty_lists: true,
            ..TrustPolicy::default()
        };
        assert!(load_bundle(empty.path(), &lenient).is_ok());
    }

    #[test]
    fn signatures_are_required_when_keys_are_set() {
        let dir = bundle(|m| m);
        let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let key = signature::parse_public_key(&kp.pk.to_base64()).unwrap();
        let policy = TrustPolicy {
            keys: vec![key],
            ..TrustPolicy::default()
        };
        let err = chain(&load_bundle(dir.path(), &policy).unwrap_err());
        assert!(err.contains("not signed"), "{err}");
        let manifest = std::fs::read(dir.path().join(MANIFEST_FILE)).unwrap();
        let sig = minisign::sign(None, &kp.sk, manifest.as_slice(), None, None).unwrap();
        std::fs::write(dir.path().join(SIGNATURE_FILE), sig.into_string()).unwrap();
        let b = load_bundle(dir.path(), &policy).unwrap();
        assert_eq!(b.signed_by.map(|s| s.len()), Some(16));
        // A changed manifest no longer matches its signature.
        let edited = String::from_utf8(manifest)
            .unwrap()
            .replace("serial = 5", "serial = 9");
        std::fs::write(dir.path().join(MANIFEST_FILE), edited).unwrap();
        let err = chain(&load_bundle(dir.path(), &policy).unwrap_err());
        assert!(err.contains("does not match"), "{err}");
    }
}
