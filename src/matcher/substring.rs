//! Lists declared `match = "substring"`: an Aho-Corasick automaton over the normalised text.

use aho_corasick::AhoCorasick;

use super::MatcherError;
use super::index::Posting;
use crate::normalize::{Boundary, TokenView};

/// Substring patterns and the entries each stands for.
#[derive(Debug, Default)]
pub(super) struct SubstringIndex {
    ac: Option<AhoCorasick>,
    /// The patterns, kept to write a compiled file.
    patterns: Vec<Vec<u8>>,
    postings: Vec<Vec<Posting>>,
}

impl SubstringIndex {
    /// Builds the automaton from (key, posting) pairs.
    pub fn build(mut pairs: Vec<(Vec<u8>, Posting)>) -> Result<Self, MatcherError> {
        if pairs.is_empty() {
            return Ok(Self::default());
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut postings: Vec<Vec<Posting>> = Vec::new();
        for (key, p) in pairs {
            match (patterns.last(), postings.last_mut()) {
                (Some(last), Some(ps)) if *last == key => ps.push(p),
                _ => {
                    patterns.push(key);
                    postings.push(vec![p]);
                }
            }
        }
        let ac = AhoCorasick::new(&patterns).map_err(MatcherError::Substring)?;
        Ok(SubstringIndex {
            ac: Some(ac),
            patterns,
            postings,
        })
    }

    /// Every pattern with the entries it stands for.
    pub fn pairs(&self) -> impl Iterator<Item = (&[u8], &[Posting])> {
        self.patterns
            .iter()
            .zip(&self.postings)
            .map(|(p, ps)| (p.as_slice(), ps.as_slice()))
    }

    /// Reports (posting, first token, last token) for every pattern inside the view's text.
    pub fn find(
        &self,
        view: &TokenView,
        hay: &mut String,
        marks: &mut Vec<(usize, usize)>,
        mut report: impl FnMut(Posting, usize, usize),
    ) {
        let Some(ac) = &self.ac else {
            return;
        };
        hay.clear();
        marks.clear();
        for (i, t) in view.tokens.iter().enumerate() {
            if i > 0 && t.before != Boundary::Glue {
                hay.push(' ');
            }
            let s = hay.len();
            hay.push_str(view.first(t));
            marks.push((s, hay.len()));
        }
        let Ok(iter) = ac.try_find_overlapping_iter(hay.as_str()) else {
            return;
        };
        for m in iter {
            let first = marks.iter().position(|&(_, e)| e > m.start());
            let last = marks.iter().rposition(|&(s, _)| s < m.end());
            let (Some(first), Some(last)) = (first, last) else {
                continue;
            };
            for &p in self
                .postings
                .get(m.pattern().as_usize())
                .into_iter()
                .flatten()
            {
                report(p, first, last);
            }
        }
    }
}
