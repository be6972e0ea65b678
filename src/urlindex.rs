//! URL lists compiled into an index keyed by Safe Browsing expressions (issue 5). Interface stub.

use crate::lists::{Entry, ListSpec};
use crate::verdict::{ListId, Match};

/// One URL list handed to [`UrlIndex::build`].
#[derive(Clone, Copy, Debug)]
pub struct UrlList<'a> {
    /// Its id in the snapshot.
    pub id: ListId,
    /// Its declaration.
    pub spec: &'a ListSpec,
    /// Its entries.
    pub entries: &'a [Entry],
}

/// Why a URL list could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum UrlListError {
    /// An entry is not a URL or expression.
    #[error("{path}:{line}: not a URL or URL expression")]
    BadEntry {
        /// The list file.
        path: std::path::PathBuf,
        /// 1-based line.
        line: u32,
    },
}

/// Compiled URL lists.
#[derive(Debug, Default)]
pub struct UrlIndex {}

impl UrlIndex {
    /// Compiles URL lists.
    ///
    /// # Errors
    /// [`UrlListError`] for an entry that is not a URL.
    pub fn build(_lists: &[UrlList<'_>]) -> Result<Self, UrlListError> {
        Ok(Self {})
    }

    /// The listed entries matching `url` (any of its expressions).
    pub fn lookup(&self, _url: &str) -> Vec<Match> {
        Vec::new()
    }
}
