//! Hash lists: compiling exact digests (MD5, SHA-1, SHA-256) and PDQ perceptual hashes into one
//! [`HashIndex`], and looking a digest up in it.
//!
//! Exact digests live in sorted arrays of fixed-size byte arrays (`exact.rs`); PDQ hashes in a
//! multi-index structure matched by Hamming distance (`pdq.rs`). Matches name the list and the line
//! of the entry, never the digest.

mod exact;
mod pdq;

use std::path::PathBuf;

use crate::lists::{Entry, HashAlgorithm, ListSpec};
use crate::verdict::{ListId, Match};

use exact::ExactSet;
use pdq::PdqIndex;

pub use pdq::{DEFAULT_MAX_DISTANCE, PdqHash, hamming};

/// One hash list handed to [`HashIndex::build`].
#[derive(Clone, Copy, Debug)]
pub struct HashList<'a> {
    /// Its id in the snapshot.
    pub id: ListId,
    /// Its declaration (algorithm, max distance).
    pub spec: &'a ListSpec,
    /// Its entries.
    pub entries: &'a [Entry],
}

/// Why a hash list could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum HashListError {
    /// An entry is not a hex digest of the declared algorithm.
    #[error("{path}:{line}: not a {algorithm} hex digest")]
    BadDigest {
        /// The list file.
        path: PathBuf,
        /// 1-based line.
        line: u32,
        /// Declared algorithm name.
        algorithm: &'static str,
    },
    /// The list declares no algorithm.
    #[error("{path}: hash list declares no algorithm")]
    NoAlgorithm {
        /// The list file.
        path: PathBuf,
    },
    /// A PDQ list declares a distance above 128 (more than half the bits: matches everything).
    #[error("{path}: max_distance {max_distance} is above 128")]
    BadDistance {
        /// The list file.
        path: PathBuf,
        /// The declared distance.
        max_distance: u32,
    },
}

/// Compiled hash lists: one exact set per digest algorithm and one PDQ index.
///
/// `Debug` shows counts only, so printing a snapshot never dumps listed digests.
#[derive(Default)]
pub struct HashIndex {
    md5: ExactSet<16>,
    sha1: ExactSet<20>,
    sha256: ExactSet<32>,
    pdq: PdqIndex,
}

impl HashIndex {
    /// Compiles hash lists.
    ///
    /// Entries are hex digests, case-insensitive, surrounding white space ignored. A digest listed
    /// twice (in one list or several) yields one [`Match`] per listing.
    ///
    /// # Errors
    /// [`HashListError::BadDigest`] (with `path:line`) for an entry of the wrong length or with
    /// non-hex characters; [`HashListError::NoAlgorithm`] for a list without an algorithm.
    pub fn build(lists: &[HashList<'_>]) -> Result<Self, HashListError> {
        let mut md5 = Vec::new();
        let mut sha1 = Vec::new();
        let mut sha256 = Vec::new();
        let mut pdq = Vec::new();
        for list in lists {
            let Some(algorithm) = list.spec.algorithm else {
                return Err(HashListError::NoAlgorithm {
                    path: list.spec.path.clone(),
                });
            };
            match algorithm {
                HashAlgorithm::Md5 => collect(list, algorithm, &mut md5)?,
                HashAlgorithm::Sha1 => collect(list, algorithm, &mut sha1)?,
                HashAlgorithm::Sha256 => collect(list, algorithm, &mut sha256)?,
                HashAlgorithm::Pdq => {
                    let max_distance = list.spec.max_distance.unwrap_or(DEFAULT_MAX_DISTANCE);
                    let Ok(distance) = u8::try_from(max_distance) else {
                        return Err(bad_distance(list, max_distance));
                    };
                    if max_distance > 128 {
                        return Err(bad_distance(list, max_distance));
                    }
                    let mut hashes = Vec::with_capacity(list.entries.len());
                    collect(list, algorithm, &mut hashes)?;
                    pdq.extend(
                        hashes
                            .into_iter()
                            .map(|(h, m)| (PdqHash::from_bytes(h), m, distance)),
                    );
                }
            }
        }
        Ok(HashIndex {
            md5: ExactSet::new(md5),
            sha1: ExactSet::new(sha1),
            sha256: ExactSet::new(sha256),
            pdq: PdqIndex::new(pdq),
        })
    }

    /// The listed entries matching a hex digest of `algorithm`, sorted by (list, line).
    ///
    /// PDQ digests match every entry within its list's `max_distance` bits. A malformed digest
    /// (wrong length, non-hex) matches nothing.
    pub fn lookup(&self, algorithm: HashAlgorithm, hex: &str) -> Vec<Match> {
        let hex = hex.trim();
        match algorithm {
            HashAlgorithm::Md5 => parse_hex(hex).map_or_else(Vec::new, |d| self.md5.lookup(&d)),
            HashAlgorithm::Sha1 => parse_hex(hex).map_or_else(Vec::new, |d| self.sha1.lookup(&d)),
            HashAlgorithm::Sha256 => {
                parse_hex(hex).map_or_else(Vec::new, |d| self.sha256.lookup(&d))
            }
            HashAlgorithm::Pdq => {
                parse_hex(hex).map_or_else(Vec::new, |d| self.pdq.lookup(PdqHash::from_bytes(d)))
            }
        }
    }

    /// Number of listed digests of `algorithm` (duplicates counted).
    pub fn len(&self, algorithm: HashAlgorithm) -> usize {
        match algorithm {
            HashAlgorithm::Md5 => self.md5.len(),
            HashAlgorithm::Sha1 => self.sha1.len(),
            HashAlgorithm::Sha256 => self.sha256.len(),
            HashAlgorithm::Pdq => self.pdq.len(),
        }
    }

    /// Bytes of heap memory held by the compiled lists (for metrics and capacity planning).
    pub fn heap_bytes(&self) -> usize {
        self.md5.heap_bytes()
            + self.sha1.heap_bytes()
            + self.sha256.heap_bytes()
            + self.pdq.heap_bytes()
    }

    /// True when no digest of any algorithm is listed.
    pub fn is_empty(&self) -> bool {
        self.md5.len() + self.sha1.len() + self.sha256.len() + self.pdq.len() == 0
    }
}

impl std::fmt::Debug for HashIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashIndex")
            .field("md5", &self.md5.len())
            .field("sha1", &self.sha1.len())
            .field("sha256", &self.sha256.len())
            .field("pdq", &self.pdq.len())
            .finish()
    }
}

fn bad_distance(list: &HashList<'_>, max_distance: u32) -> HashListError {
    HashListError::BadDistance {
        path: list.spec.path.clone(),
        max_distance,
    }
}

fn collect<const N: usize>(
    list: &HashList<'_>,
    algorithm: HashAlgorithm,
    out: &mut Vec<([u8; N], Match)>,
) -> Result<(), HashListError> {
    out.reserve(list.entries.len());
    for entry in list.entries {
        let digest = parse_hex::<N>(entry.text.trim()).ok_or_else(|| HashListError::BadDigest {
            path: list.spec.path.clone(),
            line: entry.line,
            algorithm: algorithm.as_str(),
        })?;
        out.push((
            digest,
            Match {
                list: list.id,
                line: entry.line,
            },
        ));
    }
    Ok(())
}

/// Decodes exactly `2 * N` hex digits (either case) into `N` bytes.
pub(crate) fn parse_hex<const N: usize>(hex: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    hex::decode_to_slice(hex, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests;
