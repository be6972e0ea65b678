//! Why a bundle was refused.

use std::path::PathBuf;

use crate::lists::ParseError;
use crate::lists::manifest::{ManifestError, Timestamp};
use crate::lists::signature::SignatureError;

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
