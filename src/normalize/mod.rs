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
//!   Whether a number beside a word reads as letters is decided only from what the skeleton's
//!   rendering keeps (each token's rendered length, glue, no gap kinds across white space), so
//!   [`canonical`] and [`skeleton`] are idempotent.
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

    /// Inputs on which a second pass once read differently from the first: the first pass's
    /// rendering lost the context (gap kinds, repeated letters) that decided whether a number
    /// next to a word read as letters.
    #[test]
    fn normalisation_is_idempotent_table() {
        let cases = [
            (
                "single letter between a space and a colon",
                "0\u{1FDD}\u{1D2C0}:\u{1128A}",
            ),
            ("squeezed repeat before a number", "mm 52222222"),
            ("rendered single letter", "m 52222222"),
            ("letters spelt out before a number", "b b 32"),
            ("letters then a number across a mixed gap", "b\u{2661} b 32"),
            ("double letter before a number", "aa 00"),
            ("a number made letters links the next", "a 00 77"),
            ("punctuation link then a squeezed number", "ab-00 77"),
            ("emoji between letters and a number", "h\u{1F351}i 2024"),
            ("ones squeezed to one letter", "x-11 30"),
            ("vv squeezed by the rendering", "vv 30"),
            ("repeated numeral squeezed", "3-\u{1D2C0}\u{1D2C0} @m"),
        ];
        for (name, input) in cases {
            let c = canonical(input);
            assert_eq!(canonical(&c), c, "canonical: {name}");
            let k = skeleton(input);
            assert_eq!(skeleton(&k), k, "skeleton: {name}");
        }
    }
}
