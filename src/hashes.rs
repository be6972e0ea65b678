//! Hash lists: exact digests and PDQ perceptual hashes (issue 5). Interface stub.

use crate::lists::{Entry, HashAlgorithm, ListSpec};
use crate::verdict::{ListId, Match};

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
        path: std::path::PathBuf,
        /// 1-based line.
        line: u32,
        /// Declared algorithm name.
        algorithm: &'static str,
    },
}

/// Compiled hash lists.
#[derive(Debug, Default)]
pub struct HashIndex {}

impl HashIndex {
    /// Compiles hash lists.
    ///
    /// # Errors
    /// [`HashListError`] for an entry that is not a digest.
    pub fn build(_lists: &[HashList<'_>]) -> Result<Self, HashListError> {
        Ok(Self {})
    }

    /// The listed entries matching a hex digest of `algorithm` (PDQ: within the list's distance).
    pub fn lookup(&self, _algorithm: HashAlgorithm, _hex: &str) -> Vec<Match> {
        Vec::new()
    }
}
