//! Text normalisation shared by list entries and queries: one deterministic pipeline so that both
//! sides meet in the same space.
//!
//! Pipeline: remove invisible characters → NFKC-style compatibility decomposition → case fold →
//! strip diacritics → fold confusables (Cyrillic, Greek, Armenian, Cherokee, small capitals; a
//! table generated from UTS #39 by `tools/gen_confusables.py`) to Latin prototypes ([`fold`]) →
//! tokenise into two views ([`views`]). Case is folded first so a word and its capitals meet; a
//! capital whose own lookalike differs from its lower case's (Greek `Ν` is `N`, `ν` is `v`) makes
//! its token read both ways.
//! - the **literal** view: runs of letters and digits;
//! - the **skeleton** view: leet symbols inside words read as letters, digits in words read as
//!   letters (ambiguous ones both ways: `1` and `|` as `i` or `l`), repeated letters squeezed;
//!   a `|` or `!` at a word's edge is read both as punctuation and as a letter.
//!
//! Characters of scripts written without spaces (Han, kana, Thai, Lao, Khmer, Myanmar) each form
//! their own token glued to their neighbours, so matching across them is substring matching.

mod confusables;
pub mod fold;
pub mod script;
mod styles;
pub mod views;

pub use views::{Boundary, Gap, Token, TokenView, Views};

/// The canonical literal form of `text`: literal tokens joined by one space (glued tokens without).
///
/// Idempotent: `canonical(&canonical(x)) == canonical(x)`.
pub fn canonical(text: &str) -> String {
    let mut v = Views::default();
    v.normalize(text);
    v.literal.render(false)
}

/// The canonical skeleton form of `text`: skeleton tokens (first reading of each) joined by one
/// space. Idempotent like [`canonical`].
pub fn skeleton(text: &str) -> String {
    let mut v = Views::default();
    v.normalize(text);
    v.skeleton.render(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_and_skeleton_table() {
        let cases = [
            (
                "plain",
                "Zorvexil Quandrith",
                "zorvexil quandrith",
                "zorvexil quandrith",
            ),
            ("dotted", "V.E.L.V.E.T", "v e l v e t", "v e l v e t"),
            ("leet", "Z0rv3x1l", "z0rv3x1l", "zorvexil"),
            ("cjk", "世界 abc", "世界 abc", "世界 abc"),
            ("empty", " ..!! ", "", ""),
        ];
        for (name, input, lit, skel) in cases {
            assert_eq!(canonical(input), lit, "{name}");
            assert_eq!(skeleton(input), skel, "{name}");
        }
    }
}
