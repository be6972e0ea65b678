//! The outcome of checking text or a document against the lists: which list entries matched
//! (by list id and line number, never by text) and the strongest action they ask for.

use serde::{Deserialize, Serialize};

/// Index of a list inside a [`crate::snapshot::Snapshot`] (its position in `Snapshot::lists`).
pub type ListId = u32;

/// What a list asks the proxy to do when one of its entries matches.
///
/// The order of the variants is their strength: when several lists match, the strongest wins.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Nothing matched (or only allow-listed entries did).
    #[default]
    Allow,
    /// Count the match (shadow mode for trialling a list); change no response.
    Monitor,
    /// Forward the request, then inject deterrence and support signposting.
    Signpost,
    /// Answer at once with an empty result and the notice; never call the upstream.
    Block,
}

impl Action {
    /// The lowercase name used in config, JSON output and metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Monitor => "monitor",
            Action::Signpost => "signpost",
            Action::Block => "block",
        }
    }
}

/// One matched list entry: the list and the 1-based line of the entry in its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Match {
    /// The list the entry belongs to.
    pub list: ListId,
    /// 1-based line number of the entry in the list's file (its entry id).
    pub line: u32,
}

/// The result of a check: every match, and the strongest action among them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// The strongest action of the matched lists; `Allow` when nothing matched.
    pub action: Action,
    /// Matches sorted by (list, line), without duplicates.
    pub matches: Vec<Match>,
}

impl Verdict {
    /// A verdict with no matches.
    pub fn allow() -> Self {
        Self::default()
    }

    /// Adds a match whose list declares `action`.
    pub fn push(&mut self, m: Match, action: Action) {
        self.action = self.action.max(action);
        self.matches.push(m);
    }

    /// Merges another verdict into this one (for requests carrying several texts).
    pub fn merge(&mut self, other: Verdict) {
        self.action = self.action.max(other.action);
        self.matches.extend(other.matches);
    }

    /// Sorts and de-duplicates the matches.
    pub fn finish(&mut self) {
        self.matches.sort_unstable();
        self.matches.dedup();
    }

    /// True when nothing matched.
    pub fn is_allow(&self) -> bool {
        self.action == Action::Allow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strongest_action_wins() {
        let mut v = Verdict::allow();
        v.push(Match { list: 1, line: 3 }, Action::Monitor);
        v.push(Match { list: 0, line: 9 }, Action::Block);
        v.push(Match { list: 2, line: 1 }, Action::Signpost);
        v.push(Match { list: 0, line: 9 }, Action::Block);
        v.finish();
        assert_eq!(v.action, Action::Block);
        assert_eq!(v.matches.len(), 3);
        assert_eq!(v.matches[0], Match { list: 0, line: 9 });
    }

    #[test]
    fn action_names_round_trip() {
        for a in [
            Action::Allow,
            Action::Monitor,
            Action::Signpost,
            Action::Block,
        ] {
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.as_str()));
            assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), a);
        }
    }
}
