//! Term and victim-name matching over normalised text (issue 3). Interface stub: the detection
//! core replaces the body; the proxy and snapshot code rely only on the signatures below.

use crate::lists::{Entry, ListSpec};
use crate::verdict::{ListId, Verdict};

/// One text list (terms, victims, context or allow) handed to [`TermMatcher::build`].
#[derive(Clone, Copy, Debug)]
pub struct TextList<'a> {
    /// Its id in the snapshot.
    pub id: ListId,
    /// Its declaration.
    pub spec: &'a ListSpec,
    /// Its entries.
    pub entries: &'a [Entry],
}

/// Why text lists could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum MatcherError {
    /// An entry is empty once normalised.
    #[error("{path}:{line}: entry is empty once normalised")]
    EmptyEntry {
        /// The list file.
        path: std::path::PathBuf,
        /// 1-based line.
        line: u32,
    },
}

/// Compiled text lists.
#[derive(Debug, Default)]
pub struct TermMatcher {}

impl TermMatcher {
    /// Compiles the text lists.
    ///
    /// # Errors
    /// [`MatcherError`] for an entry that cannot be compiled.
    pub fn build(_lists: &[TextList<'_>]) -> Result<Self, MatcherError> {
        Ok(Self {})
    }

    /// Checks one text against all lists.
    pub fn check(&self, _text: &str) -> Verdict {
        Verdict::allow()
    }
}
