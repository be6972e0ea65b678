//! The query walk: from each token start, follow the FST through the token's readings and on
//! across following tokens (a space, or nothing where the tokens may join), reporting keys that
//! end on a token boundary, or inside a token for prefix lists. Cost grows with the query, not
//! with the lists.

use crate::mempages::Pages;
use fst::raw::{Fst, Node, Output, Transition};

use super::index::{Posting, PostingMap};
use super::keys::{AMBIGUOUS, squeezes};
use crate::normalize::views::is_unspaced;
use crate::normalize::{Boundary, Token, TokenView};

/// FST steps allowed from one start token: keeps hostile input (long runs of single letters that
/// may each join or not) linear in its length.
const BUDGET_PER_START: u32 = 2048;
/// Consecutive tokens a walk may cross without moving in the FST (single letters squeezed into
/// the one before, as in `z z z o o o`); bounds walks over runs of repeated letters.
const MAX_IDLE: u32 = 8;
/// Tokens one walk may cross at most (bounds recursion depth).
const MAX_DEPTH: usize = 256;
/// Nested feeds at most (tokens crossed plus `i`/`l` branches inside tokens).
const MAX_RECURSION: u32 = 512;
/// Shortest key (in bytes) that may be read across white space between words: two ordinary
/// words side by side are not taken for a short entry.
const MIN_SOFT_JOIN: u32 = 6;
/// Fewest letters of a key that may be read run into one neighbouring word (`zorvexilpics`,
/// `whoiszorvexil`): long enough that a chance meeting inside ordinary words is unlikely; a
/// shorter entry inside a longer word is the Scunthorpe error.
pub(super) const MIN_RUN_IN: u32 = 7;
/// Fewest of those letters that must lie in the word the entry is run into: the end (or start)
/// of an entry's word, not a few letters that happen to begin (or end) an ordinary one.
const MIN_RUN_IN_PART: u32 = 5;
/// Fewest letters of a match that holds a corrected short word.
const MIN_PART_MATCH: u32 = 10;
/// Letters of a key matched exactly before the walk may take one edit (a letter added, missing,
/// wrong or swapped with the next), where the exact walk fails or at a token's end: deep in the
/// FST few keys share a prefix, so the edit costs little, and a typo near the start of a word
/// is the typo index's to find.
const MIN_EDIT_PREFIX: u32 = 5;
/// Fewest letters of a key found with an edit.
const MIN_EDIT_MATCH: u32 = 8;
/// Fewest letters matched exactly after the edit: the key does not end on a guess.
const MIN_AFTER_EDIT: u32 = 2;
/// Longest token (in bytes) in which a key may start after its first character: bounds the
/// extra walks to what a word and an entry run together can be.
const MAX_RUN_IN_TOKEN: usize = 64;

/// A match found by the walk, before list rules are applied.
#[derive(Clone, Copy, Debug)]
pub(super) struct Found {
    pub posting: Posting,
    pub first: usize,
    pub last: usize,
    /// False when the key ended inside a token (prefix lists accept that; other lists only
    /// when `run_in`).
    pub at_token_end: bool,
    /// The key started or ended inside a token (run into one neighbouring word) and has at
    /// least [`MIN_RUN_IN`] letters.
    pub run_in: bool,
    /// True when a typo correction was used on the way.
    pub fuzzy: bool,
}

pub(super) struct Walker<'a> {
    pub fst: &'a Fst<Pages>,
    pub map: &'a PostingMap,
    pub view: &'a TokenView,
    pub skeleton: bool,
    pub prefix_lists: bool,
    /// Per token: range of `typo_spans` with its corrections.
    pub typo_ranges: &'a [(u32, u32)],
    /// Byte ranges of `typo_spans`, one per correction.
    pub typo_spans: &'a [(u32, u32)],
    /// Per correction: it corrects a short word of a multi-word entry.
    pub typo_part: &'a [bool],
    pub typo_bytes: &'a [u8],
    pub budget: u32,
    /// Whether a walk may take one edit of its own (see [`MIN_EDIT_PREFIX`]).
    pub edits: bool,
    /// Whether letter pairs that look like one letter (`rn`) are read as it too.
    pub glyph_pairs: bool,
    /// A first byte every key of this walk starts with (the coarse keys' [`super::sounds::COARSE`]).
    pub key_prefix: Option<u8>,
    /// Per token, whether a key may start there; empty: at every token.
    pub starts: &'a [bool],
    /// Current nesting of `feed`.
    pub depth: u32,
    pub first: usize,
}

/// Where one reading of the walk stands: the FST state and what the path so far implies.
#[derive(Clone, Copy)]
struct At<'a> {
    node: Node<'a>,
    acc: Output,
    /// The last byte fed (for squeezing repeats).
    last: Option<u8>,
    /// A typo correction was used.
    fuzzy: bool,
    /// That correction was of a short word: the key must cover other tokens too.
    part: bool,
    /// The walk took its one edit, after this many letters (see [`MIN_EDIT_PREFIX`]).
    edited: Option<u32>,
    /// Tokens crossed without moving.
    idle: u32,
    /// Key bytes consumed.
    len: u32,
    /// White space between words was read as nothing on the way.
    soft: bool,
    /// Letters (not bytes) of the key consumed.
    letters: u32,
    /// Letters consumed in the current token.
    tok_letters: u32,
    /// The walk started after the first character of its token.
    inside: bool,
}

impl<'a> Walker<'a> {
    /// Walks from every token start, reporting each key found.
    pub fn run(&mut self, report: &mut dyn FnMut(Found)) {
        let root = self.fst.root();
        let (node, acc) = match self.key_prefix {
            None => (root, Output::zero()),
            Some(b) => match root.find_input(b) {
                Some(i) => {
                    let t = root.transition(i);
                    (self.fst.node(t.addr), t.out)
                }
                None => return,
            },
        };
        for first in 0..self.view.tokens.len() {
            if !self.starts.is_empty() && !self.starts.get(first).copied().unwrap_or(false) {
                continue;
            }
            if self.joined_to_single(first) {
                // Inside a run of single letters: keys start only where the run starts.
                continue;
            }
            self.first = first;
            self.budget = BUDGET_PER_START;
            let at = At {
                node,
                acc,
                last: None,
                fuzzy: false,
                part: false,
                edited: None,
                idle: 0,
                len: 0,
                soft: false,
                letters: 0,
                tok_letters: 0,
                inside: false,
            };
            self.token(first, at, report);
            // Coarse keys are loose already: they are not also read run into other words.
            if self.key_prefix.is_none() {
                self.inside_token(first, at, report);
            }
        }
    }

    /// Walks that start inside token `k`, after its first character: an entry run into the
    /// word before it (`whoiszorvexil`). Such a key must end on a token end and be long enough
    /// (see [`MIN_RUN_IN`]).
    fn inside_token(&mut self, k: usize, at: At<'a>, report: &mut dyn FnMut(Found)) {
        let view = self.view;
        let Some(tok) = view.tokens.get(k) else {
            return;
        };
        let at = At {
            idle: 1,
            inside: true,
            ..at
        };
        for r in view.readings(tok) {
            if r.len() > MAX_RUN_IN_TOKEN {
                continue;
            }
            let n = r.chars().count();
            for (i, (o, _)) in r.char_indices().enumerate().skip(1) {
                if n - i < MIN_RUN_IN_PART as usize {
                    break;
                }
                self.budget = BUDGET_PER_START / 8;
                self.feed(k, at, r.as_bytes().get(o..).unwrap_or(&[]), report);
            }
        }
    }

    fn token(&mut self, k: usize, at: At<'a>, report: &mut dyn FnMut(Found)) {
        if k - self.first >= MAX_DEPTH || self.budget == 0 || at.idle > MAX_IDLE {
            return;
        }
        self.budget -= 1;
        let view = self.view;
        let Some(tok) = view.tokens.get(k) else {
            return;
        };
        let at = At {
            idle: at.idle + 1,
            tok_letters: 0,
            ..at
        };
        for r in view.readings(tok) {
            self.feed(k, at, r.as_bytes(), report);
        }
        if self.skeleton
            && let Some(&(s, e)) = self.typo_ranges.get(k)
        {
            let (spans, bytes) = (self.typo_spans, self.typo_bytes);
            for i in s as usize..e as usize {
                let Some(&(a, b)) = spans.get(i) else { break };
                let word = bytes.get(a as usize..b as usize).unwrap_or(&[]);
                let part = at.part || self.typo_part.get(i).copied().unwrap_or(true);
                self.feed(
                    k,
                    At {
                        fuzzy: true,
                        part,
                        ..at
                    },
                    word,
                    report,
                );
            }
        }
    }

    /// Feeds one token's bytes; the depth guard keeps hostile input (tokens full of `1`s) from
    /// recursing deep enough to threaten the stack.
    fn feed(&mut self, k: usize, at: At<'a>, bytes: &[u8], report: &mut dyn FnMut(Found)) {
        if self.depth >= MAX_RECURSION {
            return;
        }
        self.depth += 1;
        self.feed_inner(k, at, bytes, report);
        self.depth -= 1;
    }

    fn feed_inner(
        &mut self,
        k: usize,
        mut at: At<'a>,
        bytes: &[u8],
        report: &mut dyn FnMut(Found),
    ) {
        for (j, &b) in bytes.iter().enumerate() {
            if self.skeleton && b == AMBIGUOUS {
                // Both readings of `1`/`|`/`I`; the rest of the token follows each.
                for c in [b'i', b'l'] {
                    let rest = bytes.get(j + 1..).unwrap_or(&[]);
                    if squeezes(self.skeleton, at.last, c) {
                        self.feed(k, at, rest, report);
                    } else if let Some(next) = self.step(at, c) {
                        self.mid_token(next, k, !rest.is_empty(), report);
                        self.feed(k, next, rest, report);
                    }
                }
                return;
            }
            // Letter pairs that look like one letter (`rn` for `m`, `vv` for `w`, `cl` for `d`)
            // are read both ways.
            if let Some(&n) = bytes.get(j + 1).filter(|_| self.glyph_pairs)
                && let Some(one) = lookalike_pair(b, n)
                && let Some(next) = self.step(at, one)
            {
                let rest = bytes.get(j + 2..).unwrap_or(&[]);
                self.mid_token(next, k, !rest.is_empty(), report);
                self.feed(k, next, rest, report);
            }
            if squeezes(self.skeleton, at.last, b) {
                continue;
            }
            match self.step(at, b) {
                Some(next) => {
                    at = next;
                    self.mid_token(at, k, j + 1 < bytes.len(), report);
                }
                None => {
                    // Where the key and the query part is where a typo would be.
                    if self.may_edit(at) {
                        self.edit(k, at, bytes, j, report);
                    }
                    return;
                }
            }
        }
        self.token_end(k, at, report);
    }

    /// Whether the walk may take its one edit here.
    fn may_edit(&self, at: At<'a>) -> bool {
        // Where a key ends, the query going on is the next word, not a typo.
        self.edits
            && !at.fuzzy
            && at.edited.is_none()
            && at.letters >= MIN_EDIT_PREFIX
            && !at.node.is_final()
    }

    /// The walk's one edit at `bytes[j]`: that letter extra, a letter missing before it, typed
    /// wrong, or swapped with the next; each branch then goes on exactly.
    fn edit(
        &mut self,
        k: usize,
        at: At<'a>,
        bytes: &[u8],
        j: usize,
        report: &mut dyn FnMut(Found),
    ) {
        let (Some(&b), here, rest) = (
            bytes.get(j),
            bytes.get(j..).unwrap_or(&[]),
            bytes.get(j + 1..).unwrap_or(&[]),
        ) else {
            return;
        };
        if !b.is_ascii_lowercase() {
            return;
        }
        let marked = At {
            edited: Some(at.letters),
            ..at
        };
        self.feed(k, marked, rest, report);
        let node = at.node;
        for t in node.transitions() {
            if !t.inp.is_ascii_lowercase() || t.inp == b {
                continue;
            }
            let Some(next) = self.take(marked, t) else {
                return;
            };
            self.feed(k, next, here, report);
            self.feed(k, next, rest, report);
        }
        if let Some(&n) = bytes.get(j + 1)
            && n != b
            && let Some(x) = self.step(marked, n)
            && let Some(y) = self.step(x, b)
        {
            self.feed(k, y, bytes.get(j + 2..).unwrap_or(&[]), report);
        }
    }

    /// At the end of token `k`: report a key ending here, and go on into the next token, the
    /// gap read as nothing (keys hold no spaces: an entry's words may be run together or split
    /// anywhere in the query).
    fn token_end(&mut self, k: usize, at: At<'a>, report: &mut dyn FnMut(Found)) {
        if at.node.is_final() && !self.joined_to_single(k + 1) {
            // Inside a run of single letters a key ends only where the run ends.
            self.emit(at, k, true, report);
        } else if self.may_edit(at) {
            // A letter missing at the end of the token.
            let marked = At {
                edited: Some(at.letters),
                ..at
            };
            for t in at.node.transitions() {
                if !t.inp.is_ascii_lowercase() {
                    continue;
                }
                match self.take(marked, t) {
                    Some(next) => self.token_end(k, next, report),
                    None => break,
                }
            }
        }
        let Some(next) = self.view.tokens.get(k + 1) else {
            return;
        };
        if self.key_prefix == Some(super::sounds::ROMAN) {
            // Latin keys of Cyrillic and Greek entries keep their words apart: white space is
            // crossed only where the entry's words meet; punctuation either there or as nothing.
            if let Some(x) = self.step(at, super::sounds::WORD_BREAK) {
                self.token(k + 1, x, report);
            }
            if next.before == Boundary::Space {
                return;
            }
        }
        let soft = at.soft || next.before == Boundary::Space;
        self.token(k + 1, At { soft, ..at }, report);
    }

    /// True when token `k` is a single letter joined to a single letter before it: the two
    /// belong to one run (`s·l·i·g·h·t`), which is matched only as a whole, since reading a
    /// short entry out of a word spelt out is the Scunthorpe error again. A run keeps one kind
    /// of gap: in `a z.o.r` the space after `a` ends a run and the dots make the next.
    fn joined_to_single(&self, k: usize) -> bool {
        let tokens = &self.view.tokens;
        let Some(t) = tokens.get(k).filter(|_| self.joined_pair(k)) else {
            return false;
        };
        // The gap kind of each neighbouring joined pair: does it match this one?
        let side = |j: usize| {
            (j > 0 && self.joined_pair(j)).then(|| tokens.get(j).is_some_and(|u| u.gap == t.gap))
        };
        let (left, right) = (side(k.wrapping_sub(1)), side(k + 1));
        // A gap unlike its neighbours' and like none of them separates two runs.
        !(left != Some(true) && right != Some(true) && (left.is_some() || right.is_some()))
    }

    /// True when tokens `k - 1` and `k` are single letters with a joinable gap between them.
    fn joined_pair(&self, k: usize) -> bool {
        let tokens = &self.view.tokens;
        let single = |t: &Token| {
            // Characters of unspaced scripts are tokens of their own but not letters spelt out.
            let mut cs = self.view.first(t).chars();
            cs.next()
                .is_some_and(|c| !is_unspaced(c) && cs.all(|d| d == c))
        };
        match (k.checked_sub(1).and_then(|p| tokens.get(p)), tokens.get(k)) {
            (Some(prev), Some(t)) => t.before == Boundary::Joinable && single(prev) && single(t),
            _ => false,
        }
    }

    /// One byte into the FST (the caller handles squeezed repeats).
    fn step(&mut self, at: At<'a>, b: u8) -> Option<At<'a>> {
        if self.budget == 0 {
            return None;
        }
        let t = at.node.find_input(b).map(|i| at.node.transition(i))?;
        self.take(at, t)
    }

    /// Follows one transition of the FST.
    fn take(&mut self, at: At<'a>, t: Transition) -> Option<At<'a>> {
        if self.budget == 0 {
            return None;
        }
        self.budget -= 1;
        let b = t.inp;
        Some(At {
            node: self.fst.node(t.addr),
            acc: at.acc.cat(t.out),
            last: Some(b),
            idle: 0,
            len: at.len + 1,
            letters: at.letters + u32::from(b & 0xC0 != 0x80),
            tok_letters: at.tok_letters + u32::from(b & 0xC0 != 0x80),
            ..at
        })
    }

    fn mid_token(&self, at: At<'a>, k: usize, more: bool, report: &mut dyn FnMut(Found)) {
        // A key ending inside a token: for prefix lists, or run into the word after it when
        // it started on a token start and is long enough.
        let run_in = !at.inside
            && !at.fuzzy
            && at.edited.is_none()
            && self.key_prefix.is_none()
            && at.letters >= MIN_RUN_IN
            && at.tok_letters >= MIN_RUN_IN_PART;
        if (self.prefix_lists || run_in) && more && at.node.is_final() {
            self.emit(at, k, false, report);
        }
    }

    fn emit(&self, at: At<'a>, k: usize, at_token_end: bool, report: &mut dyn FnMut(Found)) {
        // Words run together across white space make a key only when it is long enough not to
        // be two ordinary words side by side.
        if at.soft && at.len < MIN_SOFT_JOIN {
            return;
        }
        if at.inside && (!at_token_end || at.fuzzy || at.letters < MIN_RUN_IN) {
            return;
        }
        // A key found with an edit is long, and ends on letters matched exactly.
        if let Some(at_edit) = at.edited
            && (at.inside
                || at.letters < MIN_EDIT_MATCH
                || at.letters - at_edit < MIN_AFTER_EDIT + 1)
        {
            return;
        }
        // A corrected short word counts only inside a longer match of several tokens.
        if at.part && (k == self.first || at.letters < MIN_PART_MATCH) {
            return;
        }
        let run_in = at.letters >= MIN_RUN_IN && (at.inside || !at_token_end);
        let out = at.acc.cat(at.node.final_output());
        for posting in self.map.postings(out) {
            report(Found {
                posting,
                first: self.first,
                last: k,
                at_token_end,
                run_in,
                fuzzy: at.fuzzy || at.edited.is_some(),
            });
        }
    }
}

/// The one letter a pair of letters can pass for.
fn lookalike_pair(a: u8, b: u8) -> Option<u8> {
    match (a, b) {
        (b'r', b'n') => Some(b'm'),
        (b'v', b'v') => Some(b'w'),
        (b'c', b'l' | AMBIGUOUS) => Some(b'd'),
        _ => None,
    }
}
