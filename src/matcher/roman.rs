//! Cyrillic and Greek entries spelt in Latin letters by ear: how an entry's Latin keys are
//! written ([`entry_words`]), and which words of a Latin query may begin one ([`RomanIndex`]).
//!
//! The keys ([`sounds::ROMAN`]) are coarse, so every Latin query would have to walk them. Their
//! words are kept apart ([`sounds::WORD_BREAK`]), so a match begins with an entry's whole first
//! word, and the index knows every first word: a walk starts only at a query word whose coarse
//! form is one. Ordinary queries hardly ever have one, and pay only for that look-up.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use fst::{IntoStreamer, Streamer};
use rustc_hash::FxHasher;

use super::index::PostingMap;
use super::sounds;
use crate::normalize::{Boundary, TokenView, Views, script};

type FxSet = HashSet<u64, BuildHasherDefault<FxHasher>>;

/// Writes into `out` the Latin reading (`how`) of `entry` word by word, each word as the
/// normaliser folds it with its inner punctuation dropped (`ь` read `'`), the words apart by
/// [`sounds::WORD_BREAK`].
pub(super) fn entry_words(
    entry: &str,
    how: script::Reading,
    views: &mut Views,
    reread: &mut String,
    out: &mut String,
) {
    out.clear();
    for word in entry.split_whitespace() {
        script::reread(word, how, reread);
        views.normalize(reread);
        if !out.is_empty() {
            out.push(char::from(sounds::WORD_BREAK));
        }
        for t in &views.skeleton.tokens {
            if let Some(r) = views.skeleton.readings(t).next() {
                out.push_str(r);
            }
        }
    }
}

/// The first words (coarse, hashed) of the index's Latin keys of Cyrillic and Greek entries.
#[derive(Debug, Default)]
pub(super) struct RomanIndex {
    firsts: FxSet,
}

fn hash(bytes: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    bytes.hash(&mut h);
    h.finish()
}

impl RomanIndex {
    /// Reads the first words of every key under [`sounds::ROMAN`] in `keys`.
    pub(super) fn from_keys(keys: &PostingMap) -> Self {
        let mut firsts = FxSet::default();
        let mut stream = keys
            .map
            .range()
            .ge([sounds::ROMAN])
            .lt([sounds::ROMAN + 1])
            .into_stream();
        while let Some((key, _)) = stream.next() {
            let word = key.get(1..).unwrap_or_default();
            let end = word
                .iter()
                .position(|&b| b == sounds::WORD_BREAK)
                .unwrap_or(word.len());
            firsts.insert(hash(word.get(..end).unwrap_or_default()));
        }
        Self { firsts }
    }

    /// Whether the index has any such key.
    pub(super) fn is_empty(&self) -> bool {
        self.firsts.is_empty()
    }

    /// Marks in `starts` (one per token of `view`) the tokens where a walk of these keys may
    /// start: those from which the coarse forms of the tokens joined by punctuation (not white
    /// space) run to an entry's first word, ending on a token's end, as the walk reads them.
    /// True when there is any.
    pub(super) fn starts(
        &self,
        view: &TokenView,
        buf: &mut Vec<u8>,
        starts: &mut Vec<bool>,
    ) -> bool {
        starts.clear();
        starts.resize(view.tokens.len(), false);
        let mut any = false;
        for (k, slot) in starts.iter_mut().enumerate() {
            buf.clear();
            let run = view.tokens.get(k..).unwrap_or_default();
            for (i, t) in run.iter().enumerate() {
                if i > 0 && t.before == Boundary::Space {
                    break;
                }
                let Some(r) = view.readings(t).next() else {
                    break;
                };
                let at = buf.len();
                sounds::coarse(r.as_bytes(), buf);
                // The walk reads a letter repeated across the gap as one, as the entry's
                // coarse key has it.
                if at > 0 && buf.get(at) == buf.get(at - 1) {
                    buf.remove(at);
                }
                if self.firsts.contains(&hash(buf)) {
                    *slot = true;
                    any = true;
                    break;
                }
            }
        }
        any
    }
}
