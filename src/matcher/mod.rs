//! Term and victim-name matching over normalised text: text lists compiled into one FST of
//! normalised keys (plus a deletion index for typos and an Aho-Corasick automaton for substring
//! lists), and the check of a query against them.
//!
//! Rules applied after the walk: allow-list matches remove list matches whose span they cover;
//! context lists never match by themselves and gate victims lists that name them; prefix lists
//! accept keys ending inside a token; typo corrections count only for lists with `typos`.

mod corrections;
mod index;
mod keys;
mod persist;
mod prefix;
mod roman;
mod scratch;
mod sounds;
mod substring;
mod typo;
mod typo_code;
mod walk;

use std::path::PathBuf;

use crate::lists::{Entry, ListKind, ListSpec, MatchMode};
use crate::normalize::{TokenView, Views, script, seams};
use crate::verdict::{Action, ListId, Match, Verdict};

use index::{KeyArena, Posting, PostingMap};
use roman::RomanIndex;
use substring::SubstringIndex;
use typo::{MIN_PART_TYPO_LEN, MIN_TYPO_LEN, TypoIndex};
use walk::{Found, Walker};

pub use prefix::MIN_PREFIX_LETTERS;
pub use scratch::Scratch;

pub use persist::{CompiledList, PersistError};
pub use typo::within_one_edit;

/// Fewest letters a match made only of Cyrillic or Greek lookalikes must have.
const MIN_LOOKALIKE_LETTERS: usize = 6;

/// Fewest characters a match found in a re-read query (an entry typed on another layout, a
/// transliteration) spans, where the reading is a guess.
const MIN_REREAD_LETTERS: u32 = 5;
/// Fewest characters a match in a transliteration read back exactly spans: a short entry
/// written in Cyrillic or Greek letters (`Блам`) is one, an ordinary word rarely.
const MIN_TRANSLIT_LETTERS: u32 = 3;
/// Fewest letters of an entry key that is also indexed coarsely, and of a coarse match.
const MIN_COARSE_LETTERS: usize = 6;
/// Where the pass number goes in a hit's span (queries are far shorter than 2^28 characters).
const PASS_SHIFT: u32 = 28;
/// The pass of the Latin-by-ear walk ([`sounds::ROMAN`]): the last there is room for, after
/// every re-reading's.
const ROMAN_PASS: u32 = (1 << (32 - PASS_SHIFT)) - 1;

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
        path: PathBuf,
        /// 1-based line.
        line: u32,
    },
    /// A victims list names a context list that is not among the text lists.
    #[error("list {list}: context list {context:?} is not a loaded context list")]
    UnknownContext {
        /// The victims list.
        list: String,
        /// The context list it names.
        context: String,
    },
    /// The lists are too large for the index's 32-bit offsets.
    #[error("text lists are too large to index")]
    TooLarge,
    /// The FST could not be built.
    #[error("cannot build the term index")]
    Index(#[source] fst::Error),
    /// The substring automaton could not be built.
    #[error("cannot build the substring automaton")]
    Substring(#[source] aho_corasick::BuildError),
}

/// What the matcher keeps of each list's declaration.
#[derive(Clone, Debug)]
struct ListInfo {
    id: ListId,
    kind: ListKind,
    action: Action,
    mode: MatchMode,
    typos: bool,
    /// Position (in the matcher's table) of the context list a victims list requires.
    context: Option<usize>,
}

/// Compiled text lists. Immutable; cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct TermMatcher {
    lists: Vec<ListInfo>,
    keys: PostingMap,
    typos: TypoIndex,
    substring: SubstringIndex,
    prefix_lists: bool,
    /// The first words of the Latin keys of Cyrillic and Greek entries ([`sounds::ROMAN`]):
    /// where in a Latin query a walk of them may start.
    roman: RomanIndex,
}

/// A raw match with its span among the folded characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Hit {
    list: u32,
    line: u32,
    start: u32,
    end: u32,
}

/// Sizes of a compiled matcher, for capacity planning and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MatcherStats {
    /// Distinct normalised keys in the term FST.
    pub keys: usize,
    /// Bytes of the term FST and its postings.
    pub key_bytes: usize,
    /// Bytes of the typo (deletion) index.
    pub typo_bytes: usize,
}

impl TermMatcher {
    /// Compiles the text lists.
    ///
    /// # Errors
    /// [`MatcherError::EmptyEntry`] (with `path:line`) for an entry with no letters or digits,
    /// [`MatcherError::UnknownContext`] for a victims list naming a missing context list, and
    /// index errors for lists beyond 32-bit offsets.
    pub fn build(lists: &[TextList<'_>]) -> Result<Self, MatcherError> {
        let infos = list_infos(lists)?;
        let mut arena = KeyArena::default();
        let mut substring = Vec::new();
        let mut vocab = Vec::new();
        let mut held = Vec::new();
        let mut views = Views::default();
        let mut keys = Vec::new();
        let mut reread = String::new();
        let mut code = Vec::new();
        let (mut sites, mut spelt, mut cuts) = (Vec::new(), Vec::new(), Vec::new());
        let mut words = String::new();
        for (ix, l) in lists.iter().enumerate() {
            let info = &infos[ix];
            let list = u32::try_from(ix).map_err(|_| MatcherError::TooLarge)?;
            for e in l.entries {
                views.normalize(&e.text);
                keys::entry_keys(&views, info.kind == ListKind::Victims, &mut keys);
                if keys.is_empty() {
                    return Err(MatcherError::EmptyEntry {
                        path: l.spec.path.clone(),
                        line: e.line,
                    });
                }
                let posting = Posting { list, line: e.line };
                if info.mode == MatchMode::Substring {
                    substring.extend(keys.drain(..).map(|k| (k, posting)));
                    continue;
                }
                for k in &keys {
                    arena.push(k, posting)?;
                }
                // Latin entries also under their coarse keys, met by Cyrillic and Greek queries
                // transliterated back (see `sounds`).
                for k in keys
                    .iter()
                    .filter(|k| k.len() >= MIN_COARSE_LETTERS && k.is_ascii())
                {
                    code.clear();
                    code.push(sounds::COARSE);
                    sounds::coarse(k, &mut code);
                    if sounds::specific(&code) {
                        arena.push(&code, posting)?;
                    }
                }
                if info.typos {
                    // Words of 5–6 letters are indexed only from entries of several words.
                    let min = if views.skeleton.tokens.len() > 1 {
                        MIN_PART_TYPO_LEN
                    } else {
                        MIN_TYPO_LEN
                    };
                    for t in &views.skeleton.tokens {
                        for r in views.skeleton.readings(t) {
                            code.clear();
                            if !typo_code::encode(r, &mut code) {
                                continue;
                            }
                            if code.len() >= min {
                                keys::expand(&code, true, &mut vocab);
                            } else if min == MIN_PART_TYPO_LEN {
                                // Shorter words of the entry are held as they are: a correction
                                // of one of its longer words is kept beside them.
                                keys::expand(&code, true, &mut held);
                            }
                        }
                    }
                }
                // A Cyrillic or Greek entry typed with the Latin layout active, or spelt in
                // Latin letters, arrives as a Latin query: the entry is indexed under those
                // readings too, each as long as a match in a re-read query must be.
                for how in script::readings(&e.text).filter(|&h| h != script::Reading::Upside) {
                    script::reread(&e.text, how, &mut reread);
                    views.normalize(&reread);
                    keys::entry_keys(&views, info.kind == ListKind::Victims, &mut keys);
                    for k in keys
                        .iter()
                        .filter(|k| k.len() >= MIN_REREAD_LETTERS as usize)
                    {
                        arena.push(k, posting)?;
                    }
                    if how == script::Reading::Layout {
                        continue;
                    }
                    // Spelt by ear rather than by a scheme: the coarse keys of the reading and
                    // of its likely respellings (see `sounds`), the entry's words kept apart.
                    roman::entry_words(&e.text, how, &mut views, &mut reread, &mut words);
                    let letters = words.bytes().filter(u8::is_ascii_alphabetic).count();
                    if letters < MIN_COARSE_LETTERS || !words.is_ascii() {
                        continue;
                    }
                    spelt.clear();
                    cuts.clear();
                    let table = sounds::ROMAN_RESPELL;
                    sounds::spellings(table, words.as_bytes(), &mut sites, &mut spelt, &mut cuts);
                    for &(a, b) in &cuts {
                        code.clear();
                        code.push(sounds::ROMAN);
                        code.extend_from_slice(spelt.get(a..b).unwrap_or_default());
                        if sounds::specific(&code) {
                            arena.push(&code, posting)?;
                        }
                    }
                }
            }
        }
        let keys = arena.build()?;
        Ok(TermMatcher {
            prefix_lists: infos.iter().any(|i| i.mode == MatchMode::Prefix),
            roman: RomanIndex::from_keys(&keys),
            lists: infos,
            keys,
            typos: TypoIndex::build(vocab, held)?,
            substring: SubstringIndex::build(substring)?,
        })
    }

    /// Sizes of the compiled index.
    pub fn stats(&self) -> MatcherStats {
        MatcherStats {
            keys: self.keys.map.len(),
            key_bytes: self.keys.heap_bytes(),
            typo_bytes: self.typos.heap_bytes(),
        }
    }

    /// Checks one text against all lists.
    pub fn check(&self, text: &str) -> Verdict {
        self.check_with(text, &mut Scratch::default())
    }

    /// Checks one text against all lists, reusing `scratch`'s buffers.
    pub fn check_with(&self, text: &str, scratch: &mut Scratch) -> Verdict {
        scratch.hits.clear();
        self.scan(text, scratch, 0, 0, None, true);
        // A Cyrillic or Greek entry spelt in Latin letters by ear: the query's coarse keys
        // against the entries' Latin ones, on the views the first scan left, from the words
        // that may begin one.
        if !self.roman.is_empty()
            && text.bytes().any(|b| b.is_ascii_alphabetic())
            && self.roman.starts(
                &scratch.views.skeleton,
                &mut scratch.spelt,
                &mut scratch.roman_starts,
            )
        {
            let min = MIN_COARSE_LETTERS as u32;
            self.scan_views(scratch, ROMAN_PASS, min, Some(sounds::ROMAN), false);
        }
        // Cyrillic or Greek letters may be a Latin entry typed with another keyboard layout
        // active, or transliterated; turned letters, text written upside down: the query is
        // read again each of those ways.
        let mut reread = std::mem::take(&mut scratch.reread);
        let mut passes = 0;
        for (pass, how) in (1..).zip(script::readings(text)) {
            passes = pass;
            script::reread(text, how, &mut reread);
            // A word typed on the wrong layout, or written upside down, is read back key by
            // key, so a short entry may be one (no ordinary word of the corpora re-reads into
            // one); a transliteration back is a guess, and a short one a chance.
            // A transliteration read back exactly is a short entry's only likeness, but no glyph
            // of it stood for another: letter pairs are not read as one letter there.
            let (min, glyphs) = match how {
                script::Reading::Layout | script::Reading::Upside => (0, true),
                script::Reading::Formal | script::Reading::Informal => {
                    (MIN_TRANSLIT_LETTERS, false)
                }
            };
            self.scan(&reread, scratch, pass, min, None, glyphs);
            if matches!(how, script::Reading::Formal | script::Reading::Informal) {
                // Read back by a guess at the scheme: the coarse keys forgive the guess, and each
                // word is tried under the spellings it may stand for (see `sounds`).
                let min = MIN_COARSE_LETTERS as u32;
                self.scan(&reread, scratch, pass, min, Some(sounds::COARSE), false);
            }
        }
        // An entry run into a neighbouring word where the writing shows the seam (a capital, a
        // change of script, a number after it) is read apart from it, whatever its length.
        if seams::split(text, &mut reread) {
            self.scan(&reread, scratch, passes + 1, MIN_REREAD_LETTERS, None, true);
        }
        scratch.reread = reread;
        self.verdict(&mut scratch.hits)
    }

    /// Normalises `text` and appends its hits; those of a re-reading (`pass` > 0) are moved
    /// apart so that no allow-list match of one reading covers a match of another, and must
    /// span at least `min_letters` not to be chance in a re-read ordinary word.
    fn scan(
        &self,
        text: &str,
        scratch: &mut Scratch,
        pass: u32,
        min_letters: u32,
        key_prefix: Option<u8>,
        glyphs: bool,
    ) {
        scratch.views.normalize(text);
        self.scan_views(scratch, pass, min_letters, key_prefix, glyphs);
    }

    /// [`TermMatcher::scan`] on the views already in `scratch`.
    fn scan_views(
        &self,
        scratch: &mut Scratch,
        pass: u32,
        min_letters: u32,
        key_prefix: Option<u8>,
        glyphs: bool,
    ) {
        let from = scratch.hits.len();
        // Coarse keys are matched as they are: no typo corrections, no substring lists.
        let coarse = key_prefix.is_some();
        if coarse {
            scratch.typo_ranges.clear();
        } else {
            self.collect_typos(scratch);
        }
        let Scratch {
            views,
            typo_ranges,
            typo_spans,
            typo_part,
            typo_bytes,
            hits,
            hay,
            marks,
            respelt,
            spelt,
            spelt_cuts,
            spelt_sites,
            roman_starts,
            ..
        } = scratch;
        if key_prefix == Some(sounds::ROMAN) {
            // A Latin query against the entries' Latin keys: they hold the respellings, so
            // each word is walked in its first reading's coarse form only.
            respelt.respelt_from(&views.skeleton, spelt, spelt_cuts, |word, out, cuts| {
                if cuts.is_empty() {
                    let from = out.len();
                    sounds::coarse(word, out);
                    cuts.push((from, out.len()));
                }
            });
        } else if coarse {
            respelt.respelt_from(&views.skeleton, spelt, spelt_cuts, |word, out, cuts| {
                sounds::spellings(sounds::RESPELL, word, spelt_sites, out, cuts);
            });
        }
        // A plain query reads the same in both views; the skeleton walk then finds everything
        // the literal walk would (entries are indexed under both), so it runs alone. The coarse
        // walk reads the respelt skeleton only.
        let both = !same_readings(&views.literal, &views.skeleton);
        let typos = self.lists.iter().any(|i| i.typos);
        let pair = [(&views.literal, false), (&views.skeleton, true)];
        let respelt = [(&*respelt, true)];
        let walks: &[(&TokenView, bool)] = match (coarse, both) {
            (true, _) => &respelt,
            (false, true) => &pair,
            (false, false) => pair.get(1..).unwrap_or(&[]),
        };
        for &(view, skeleton) in walks {
            let mut report = |f: Found| {
                if let Some(h) = self.accept(f, view) {
                    hits.push(h);
                }
            };
            Walker {
                fst: self.keys.map.as_fst(),
                map: &self.keys,
                view,
                skeleton,
                prefix_lists: self.prefix_lists,
                typo_ranges,
                typo_spans,
                typo_part,
                typo_bytes,
                budget: 0,
                edits: skeleton && !coarse && typos,
                glyph_pairs: glyphs,
                key_prefix,
                starts: if key_prefix == Some(sounds::ROMAN) {
                    roman_starts
                } else {
                    &[]
                },
                depth: 0,
                first: 0,
            }
            .run(&mut report);
            if coarse {
                continue;
            }
            self.substring.find(view, hay, marks, |p, first, last| {
                let span = span(view, first, last);
                if let Some((start, end)) = span {
                    hits.push(Hit {
                        list: p.list,
                        line: p.line,
                        start,
                        end,
                    });
                }
            });
        }
        // A short entry reached only by reading a word of another script as Latin lookalikes
        // (an all-Cyrillic `хаос`) is that script's own word far more often than a disguise.
        let mut i = 0;
        hits.retain(|h| {
            i += 1;
            // Hits of earlier passes are kept as they are.
            i <= from
                || !(views.short_lookalike(h.start, h.end, MIN_LOOKALIKE_LETTERS)
                    || h.end - h.start < min_letters)
        });
        for h in hits.get_mut(from..).unwrap_or(&mut []) {
            h.start |= pass << PASS_SHIFT;
            h.end |= pass << PASS_SHIFT;
        }
    }

    fn accept(&self, f: Found, view: &TokenView) -> Option<Hit> {
        let info = self.lists.get(f.posting.list as usize)?;
        if f.fuzzy && !info.typos {
            return None;
        }
        if !f.at_token_end && info.mode != MatchMode::Prefix && !f.run_in {
            return None;
        }
        let (start, end) = span(view, f.first, f.last)?;
        Some(Hit {
            list: f.posting.list,
            line: f.posting.line,
            start,
            end,
        })
    }

    fn verdict(&self, hits: &mut Vec<Hit>) -> Verdict {
        let mut verdict = Verdict::allow();
        if hits.is_empty() {
            return verdict;
        }
        hits.sort_unstable();
        hits.dedup();
        let kind = |h: &Hit| self.lists.get(h.list as usize).map(|i| i.kind);
        for h in hits.iter() {
            let Some(info) = self.lists.get(h.list as usize) else {
                continue;
            };
            if !matches!(info.kind, ListKind::Terms | ListKind::Victims) {
                continue;
            }
            let allowed = hits
                .iter()
                .any(|a| kind(a) == Some(ListKind::Allow) && a.start <= h.start && h.end <= a.end);
            if allowed {
                continue;
            }
            if let Some(ctx) = info.context
                && !hits.iter().any(|c| c.list as usize == ctx)
            {
                continue;
            }
            verdict.push(
                Match {
                    list: info.id,
                    line: h.line,
                },
                info.action,
            );
        }
        verdict.finish();
        verdict
    }
}

/// What the matcher keeps of each list's declaration, with context lists resolved.
fn list_infos(lists: &[TextList<'_>]) -> Result<Vec<ListInfo>, MatcherError> {
    let mut infos = Vec::with_capacity(lists.len());
    for l in lists {
        let context = match &l.spec.context {
            None => None,
            Some(name) => Some(
                lists
                    .iter()
                    .position(|c| &c.spec.name == name && c.spec.kind == ListKind::Context)
                    .ok_or_else(|| MatcherError::UnknownContext {
                        list: l.spec.name.clone(),
                        context: name.clone(),
                    })?,
            ),
        };
        infos.push(ListInfo {
            id: l.id,
            kind: l.spec.kind,
            action: l.spec.action,
            mode: l.spec.mode,
            typos: l.spec.typos,
            context,
        });
    }
    Ok(infos)
}

/// True when two views have the same tokens with the same readings.
fn same_readings(a: &TokenView, b: &TokenView) -> bool {
    a.tokens.len() == b.tokens.len()
        && a.tokens.iter().zip(&b.tokens).all(|(x, y)| {
            x.start == y.start
                && x.end == y.end
                && x.before == y.before
                && a.readings(x).eq(b.readings(y))
        })
}

/// The span, among the folded characters, from token `first` to token `last`.
fn span(view: &TokenView, first: usize, last: usize) -> Option<(u32, u32)> {
    Some((view.tokens.get(first)?.start, view.tokens.get(last)?.end))
}

#[cfg(test)]
mod shapes;
#[cfg(test)]
mod tests;
