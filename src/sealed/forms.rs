//! The normalised forms a sealed list stores and a query is probed with: the canonical and
//! skeleton forms of a token sequence, spaced or joined, with names also reversed. Both sides
//! build them with the same functions, so the keyed hashes meet.

use crate::normalize::{Boundary, TokenView, Views};

/// Most tokens a query n-gram may span (`z o r v e x i l` spelled out); with the list's longest
/// form in bytes, this bounds the hashes per query start.
pub const MAX_JOIN: usize = 32;

/// One normalised rendering of a text: its tokens, and whether repeats are squeezed (skeleton).
#[derive(Debug, Default)]
pub struct Form {
    /// The rendering: tokens separated by single spaces.
    pub text: String,
    /// Byte ranges of the tokens in `text`.
    pub tokens: Vec<(usize, usize)>,
    /// True for the skeleton form: a join squeezes repeats across the seam.
    pub squeezed: bool,
    /// Per token: whether it may join the token before it without a space (punctuation or a
    /// single letter between, as in `zor-vexil` or `v e l`; never white space between words).
    pub joinable: Vec<bool>,
}

impl Form {
    fn of(view: &TokenView, squeezed: bool) -> Self {
        let mut form = Form::new(view.render(false), squeezed);
        // Rendered tokens are the view's tokens with glued runs merged: a run's first token
        // says how it meets the run before it.
        form.joinable = view
            .tokens
            .iter()
            .filter(|t| t.before != Boundary::Glue)
            .map(|t| t.before == Boundary::Joinable)
            .collect();
        if form.joinable.len() != form.tokens.len() {
            form.joinable = vec![false; form.tokens.len()];
        }
        form
    }

    fn new(text: String, squeezed: bool) -> Self {
        let mut tokens = Vec::new();
        let mut start = 0;
        for part in text.split(' ') {
            if !part.is_empty() {
                tokens.push((start, start + part.len()));
            }
            start += part.len() + 1;
        }
        Form {
            text,
            tokens,
            squeezed,
            joinable: Vec::new(),
        }
    }

    /// The canonical and skeleton forms of `text`; the skeleton is `None` when it renders the
    /// same as the canonical form (plain text), so callers do the work once.
    pub fn both(text: &str) -> (Form, Option<Form>) {
        let mut views = Views::default();
        views.normalize(text);
        let lit = Form::of(&views.literal, false);
        let skel = Form::of(&views.skeleton, true);
        let skel = (skel.text != lit.text || skel.joinable != lit.joinable).then_some(skel);
        (lit, skel)
    }

    fn token(&self, i: usize) -> &str {
        self.tokens
            .get(i)
            .and_then(|&(s, e)| self.text.get(s..e))
            .unwrap_or("")
    }

    /// Writes tokens `order` into `out` (cleared first), spaced or joined.
    pub fn render(&self, order: impl Iterator<Item = usize>, joined: bool, out: &mut Vec<u8>) {
        out.clear();
        for (k, i) in order.enumerate() {
            if k > 0 && !joined {
                out.push(b' ');
            }
            for &b in self.token(i).as_bytes() {
                // The skeleton squeezes repeats inside tokens; a join can make a new one.
                if joined && self.squeezed && b.is_ascii_alphabetic() && out.last() == Some(&b) {
                    continue;
                }
                out.push(b);
            }
        }
    }
}

/// Every form an entry is sealed under (sorted, de-duplicated), and its largest token count;
/// empty when the entry has no letters or digits.
pub fn entry_forms(text: &str, both_orders: bool) -> (Vec<Vec<u8>>, usize) {
    let (lit, skel) = Form::both(text);
    let mut out = Vec::new();
    let mut max_tokens = 0;
    for form in std::iter::once(&lit).chain(skel.as_ref()) {
        let n = form.tokens.len();
        if n == 0 {
            continue;
        }
        max_tokens = max_tokens.max(n);
        let mut orders: Vec<Vec<usize>> = vec![(0..n).collect()];
        if both_orders && n > 1 {
            orders.push((0..n).rev().collect());
        }
        for order in &orders {
            for joined in [false, true] {
                if joined && n < 2 {
                    continue;
                }
                let mut key = Vec::new();
                form.render(order.iter().copied(), joined, &mut key);
                out.push(key);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    (out, max_tokens)
}

/// Calls `probe` with every n-gram of `form` a sealed entry could equal: spaced n-grams of up to
/// `max_tokens` tokens and joined n-grams of up to [`MAX_JOIN`] tokens that meet only at
/// joinable gaps, none longer than `max_bytes`. Each n-gram extends the one before it, so a
/// start costs one pass.
pub fn query_grams(
    form: &Form,
    max_tokens: usize,
    max_bytes: usize,
    bufs: &mut (Vec<u8>, Vec<u8>),
    probe: &mut dyn FnMut(&[u8]),
) {
    let (spaced, joined) = bufs;
    let n = form.tokens.len();
    for first in 0..n {
        spaced.clear();
        joined.clear();
        let mut can_join = true;
        for (len, i) in (first..n.min(first + MAX_JOIN)).enumerate() {
            let tok = form.token(i).as_bytes();
            if len > 0 {
                can_join &= form.joinable.get(i).copied().unwrap_or(false);
            }
            if len < max_tokens {
                if len > 0 {
                    spaced.push(b' ');
                }
                spaced.extend_from_slice(tok);
            }
            for &b in tok {
                // The skeleton squeezes repeats inside tokens; a join can make a new one.
                if !(form.squeezed && b.is_ascii_alphabetic() && joined.last() == Some(&b)) {
                    joined.push(b);
                }
            }
            let spaced_ok = len < max_tokens && spaced.len() <= max_bytes;
            if spaced_ok {
                probe(spaced);
            }
            let joined_ok = len > 0 && can_join && joined.len() <= max_bytes;
            if joined_ok {
                probe(joined);
            } else if !spaced_ok && len > 0 {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(text: &str, both: bool) -> Vec<String> {
        entry_forms(text, both)
            .0
            .into_iter()
            .map(|k| String::from_utf8(k).unwrap())
            .collect()
    }

    #[test]
    fn entry_form_table() {
        let cases: &[(&str, &str, bool, &[&str])] = &[
            ("one word", "Zorvexil", false, &["zorvexil"]),
            ("leet", "Z0rv3x1l", false, &["z0rv3x1l", "zorvexil"]),
            (
                "phrase squeezed in the skeleton",
                "quandrith moss",
                false,
                &[
                    "quandrith mos",
                    "quandrith moss",
                    "quandrithmos",
                    "quandrithmoss",
                ],
            ),
            (
                "name in both orders",
                "Ada Marsk",
                true,
                &["ada marsk", "adamarsk", "marsk ada", "marskada"],
            ),
            ("empty", " ..!! ", false, &[]),
        ];
        for (name, text, both, want) in cases {
            assert_eq!(forms(text, *both), *want, "{name}");
        }
    }

    #[test]
    fn query_grams_cover_spaced_and_joined() {
        let (lit, _) = Form::both("a b c");
        let (words, _) = Form::both("to make it");
        let mut got: Vec<String> = Vec::new();
        query_grams(&words, 2, 64, &mut Default::default(), &mut |g| {
            got.push(String::from_utf8(g.to_vec()).unwrap())
        });
        assert_eq!(
            got,
            ["to", "to make", "make", "make it", "it"],
            "words between spaces never join"
        );
        let grams = |max_tokens, max_bytes| {
            let mut got: Vec<String> = Vec::new();
            query_grams(
                &lit,
                max_tokens,
                max_bytes,
                &mut Default::default(),
                &mut |g| got.push(String::from_utf8(g.to_vec()).unwrap()),
            );
            got
        };
        assert_eq!(
            grams(2, 64),
            ["a", "a b", "ab", "abc", "b", "b c", "bc", "c"],
            "three-token joins go past max_tokens"
        );
        assert_eq!(
            grams(3, 2),
            ["a", "ab", "b", "bc", "c"],
            "max_bytes bounds both"
        );
    }
}
