//! The query walk: from each token start, follow the FST through the token's readings and on
//! across following tokens (a space, or nothing where the tokens may join), reporting keys that
//! end on a token boundary, or inside a token for prefix lists. Cost grows with the query, not
//! with the lists.

use crate::mempages::Pages;
use fst::raw::{Fst, Node, Output};

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

/// A match found by the walk, before list rules are applied.
#[derive(Clone, Copy, Debug)]
pub(super) struct Found {
    pub posting: Posting,
    pub first: usize,
    pub last: usize,
    /// False when the key ended inside a token (only prefix lists accept that).
    pub at_token_end: bool,
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
    /// Byte ranges of `typo_bytes`, one per correction.
    pub typo_spans: &'a [(u32, u32)],
    pub typo_bytes: &'a [u8],
    pub budget: u32,
    /// Current nesting of `feed`.
    pub depth: u32,
    pub first: usize,
}

impl<'a> Walker<'a> {
    /// Walks from every token start, reporting each key found.
    pub fn run(&mut self, report: &mut dyn FnMut(Found)) {
        for first in 0..self.view.tokens.len() {
            if self.joined_to_single(first) {
                // Inside a run of single letters: keys start only where the run starts.
                continue;
            }
            self.first = first;
            self.budget = BUDGET_PER_START;
            let root = self.fst.root();
            self.token(first, root, Output::zero(), false, None, 0, report);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn token(
        &mut self,
        k: usize,
        node: Node<'a>,
        acc: Output,
        fuzzy: bool,
        last: Option<u8>,
        idle: u32,
        report: &mut dyn FnMut(Found),
    ) {
        if k - self.first >= MAX_DEPTH || self.budget == 0 || idle > MAX_IDLE {
            return;
        }
        self.budget -= 1;
        let view = self.view;
        let Some(tok) = view.tokens.get(k) else {
            return;
        };
        for r in view.readings(tok) {
            self.feed(k, node, acc, r.as_bytes(), last, fuzzy, idle + 1, report);
        }
        if self.skeleton
            && let Some(&(s, e)) = self.typo_ranges.get(k)
        {
            let (spans, bytes) = (self.typo_spans, self.typo_bytes);
            for &(a, b) in spans.get(s as usize..e as usize).unwrap_or(&[]) {
                let word = bytes.get(a as usize..b as usize).unwrap_or(&[]);
                self.feed(k, node, acc, word, last, true, idle + 1, report);
            }
        }
    }

    /// Feeds one token's bytes; the depth guard keeps hostile input (tokens full of `1`s) from
    /// recursing deep enough to threaten the stack.
    #[allow(clippy::too_many_arguments)]
    fn feed(
        &mut self,
        k: usize,
        node: Node<'a>,
        acc: Output,
        bytes: &[u8],
        last: Option<u8>,
        fuzzy: bool,
        idle: u32,
        report: &mut dyn FnMut(Found),
    ) {
        if self.depth >= MAX_RECURSION {
            return;
        }
        self.depth += 1;
        self.feed_inner(k, node, acc, bytes, last, fuzzy, idle, report);
        self.depth -= 1;
    }

    #[allow(clippy::too_many_arguments)]
    fn feed_inner(
        &mut self,
        k: usize,
        mut node: Node<'a>,
        mut acc: Output,
        bytes: &[u8],
        mut last: Option<u8>,
        fuzzy: bool,
        mut idle: u32,
        report: &mut dyn FnMut(Found),
    ) {
        for (j, &b) in bytes.iter().enumerate() {
            if self.skeleton && b == AMBIGUOUS {
                // Both readings of `1`/`|`; the rest of the token follows each.
                for c in [b'i', b'l'] {
                    match self.step(node, acc, last, c) {
                        Step::Moved(n, a) => {
                            self.mid_token(n, a, k, j + 1 < bytes.len(), fuzzy, report);
                            self.feed(k, n, a, &bytes[j + 1..], Some(c), fuzzy, 0, report);
                        }
                        Step::Squeezed => {
                            let rest = &bytes[j + 1..];
                            self.feed(k, node, acc, rest, last, fuzzy, idle, report)
                        }
                        Step::Dead => {}
                    }
                }
                return;
            }
            match self.step(node, acc, last, b) {
                Step::Moved(n, a) => {
                    node = n;
                    acc = a;
                    last = Some(b);
                    idle = 0;
                    self.mid_token(node, acc, k, j + 1 < bytes.len(), fuzzy, report);
                }
                Step::Squeezed => {}
                Step::Dead => return,
            }
        }
        if node.is_final() && !self.joined_to_single(k + 1) {
            // Inside a run of single letters a key ends only where the run ends.
            self.emit(acc.cat(node.final_output()), k, true, fuzzy, report);
        }
        let Some(next) = self.view.tokens.get(k + 1) else {
            return;
        };
        if next.before != Boundary::Glue
            && let Some(t) = node.find_input(b' ').map(|i| node.transition(i))
        {
            let n = self.fst.node(t.addr);
            self.token(k + 1, n, acc.cat(t.out), fuzzy, Some(b' '), 0, report);
        }
        if next.before != Boundary::Space {
            self.token(k + 1, node, acc, fuzzy, last, idle, report);
        }
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

    fn step(&mut self, node: Node<'a>, acc: Output, last: Option<u8>, b: u8) -> Step<'a> {
        if squeezes(self.skeleton, last, b) {
            return Step::Squeezed;
        }
        if self.budget == 0 {
            return Step::Dead;
        }
        self.budget -= 1;
        match node.find_input(b).map(|i| node.transition(i)) {
            Some(t) => Step::Moved(self.fst.node(t.addr), acc.cat(t.out)),
            None => Step::Dead,
        }
    }

    fn mid_token(
        &self,
        node: Node<'a>,
        acc: Output,
        k: usize,
        more: bool,
        fuzzy: bool,
        report: &mut dyn FnMut(Found),
    ) {
        if self.prefix_lists && more && node.is_final() {
            self.emit(acc.cat(node.final_output()), k, false, fuzzy, report);
        }
    }

    fn emit(
        &self,
        out: Output,
        k: usize,
        at_token_end: bool,
        fuzzy: bool,
        report: &mut dyn FnMut(Found),
    ) {
        for posting in self.map.postings(out) {
            report(Found {
                posting,
                first: self.first,
                last: k,
                at_token_end,
                fuzzy,
            });
        }
    }
}

/// The outcome of feeding one byte.
enum Step<'a> {
    Moved(Node<'a>, Output),
    /// A repeat the skeleton drops: the walk stays where it is.
    Squeezed,
    Dead,
}
