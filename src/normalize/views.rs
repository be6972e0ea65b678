//! Tokenisation of folded characters into the literal and skeleton views the matcher walks.

use super::fold::{I_OR_L, LOOKALIKE, fold_with_alts};

mod tokenize;

pub use tokenize::is_unspaced;
use tokenize::{Work, tokenize};

/// Stands in the skeleton view for a character that reads as `i` or `l` (`1`, `|`); the matcher
/// tries both readings, so no reading is lost however many of them a word has.
pub const AMBIGUOUS: char = '\u{1}';

/// How a token is separated from the token before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Boundary {
    /// White space between words: the matcher reads it as one space.
    Space,
    /// Punctuation inside a word (`zor-vexil`, `v.e.l`) or a gap next to a single letter
    /// (`v e l v e t`): the matcher reads it as one space or as nothing.
    Joinable,
    /// No gap at all (characters of scripts written without spaces): read as nothing.
    Glue,
}

/// What separates a token from the one before it, for telling runs of single letters apart
/// (`a z.o.r`: the space ends one run, the dots make another).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Gap {
    /// Nothing (the first token, or glued characters).
    #[default]
    None,
    /// One white-space character.
    Space,
    /// Two or more white-space characters (spelt-out letters often have one between letters
    /// and more between words: `🇿 🇴 🇷   🇽`).
    WideSpace,
    /// Punctuation or symbols only.
    Punct,
    /// Both.
    Mixed,
}

impl Gap {
    fn of(spaces: u32, punct: bool) -> Self {
        match (spaces, punct) {
            (0, false) => Gap::None,
            (1, false) => Gap::Space,
            (_, false) => Gap::WideSpace,
            (0, true) => Gap::Punct,
            (_, true) => Gap::Mixed,
        }
    }

    /// White space only, of any width.
    fn is_space(self) -> bool {
        matches!(self, Gap::Space | Gap::WideSpace)
    }
}

/// One token of a view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// Position of its first character among the folded characters.
    pub start: u32,
    /// Position after its last character.
    pub end: u32,
    /// Its separation from the previous token (`Space` for the first).
    pub before: Boundary,
    /// The characters between it and the previous token.
    pub gap: Gap,
    alts: u32,
    n_alts: u32,
}

/// A sequence of tokens; each token has one or more readings (the skeleton view reads ambiguous
/// leet characters several ways).
#[derive(Clone, Debug, Default)]
pub struct TokenView {
    buf: String,
    spans: Vec<(u32, u32)>,
    /// The tokens in text order.
    pub tokens: Vec<Token>,
    squeezed: bool,
}

impl TokenView {
    fn clear(&mut self) {
        self.buf.clear();
        self.spans.clear();
        self.tokens.clear();
    }

    /// The readings of `token`, the first being its canonical one.
    pub fn readings<'a>(&'a self, token: &Token) -> impl Iterator<Item = &'a str> + 'a {
        let from = token.alts as usize;
        let to = from + token.n_alts as usize;
        self.spans
            .get(from..to)
            .unwrap_or(&[])
            .iter()
            .filter_map(|&(s, e)| self.buf.get(s as usize..e as usize))
    }

    /// The canonical reading of `token`.
    pub fn first(&self, token: &Token) -> &str {
        self.readings(token).next().unwrap_or("")
    }

    /// Canonical readings joined by one space, or by nothing when `join_all` (glued tokens are
    /// always joined by nothing).
    pub fn render(&self, join_all: bool) -> String {
        let mut out = String::new();
        for (i, t) in self.tokens.iter().enumerate() {
            if i > 0 && !join_all && t.before != Boundary::Glue {
                out.push(' ');
            }
            for c in self.first(t).chars() {
                let c = if c == AMBIGUOUS { 'i' } else { c };
                // Resolving the placeholder can make a repeat: squeeze it as the matcher would.
                if !(c.is_ascii_alphabetic() && out.ends_with(c) && self.squeezed) {
                    out.push(c);
                }
            }
        }
        out
    }

    /// Makes this view `src`'s tokens, each token's readings replaced by those `respell` writes
    /// for its readings (appended to `pool`, one range in `cuts` each; at most 32 per token).
    pub fn respelt_from(
        &mut self,
        src: &TokenView,
        pool: &mut Vec<u8>,
        cuts: &mut Vec<(usize, usize)>,
        mut respell: impl FnMut(&[u8], &mut Vec<u8>, &mut Vec<(usize, usize)>),
    ) {
        self.clear();
        self.squeezed = src.squeezed;
        for t in &src.tokens {
            pool.clear();
            cuts.clear();
            for r in src.readings(t) {
                respell(r.as_bytes(), pool, cuts);
            }
            let mut refs = [""; 32];
            let mut n = 0;
            for &(a, b) in cuts.iter() {
                let reading = pool.get(a..b).and_then(|r| std::str::from_utf8(r).ok());
                if let (Some(r), Some(slot)) = (reading, refs.get_mut(n)) {
                    *slot = r;
                    n += 1;
                }
            }
            let n = n.min(refs.len());
            self.push_token(
                t.start as usize,
                t.end as usize,
                (t.before, t.gap),
                refs.get(..n).unwrap_or(&[]),
            );
        }
    }

    fn push_token(
        &mut self,
        start: usize,
        end: usize,
        (before, gap): (Boundary, Gap),
        readings: &[&str],
    ) {
        let alts = self.spans.len() as u32;
        let mut n = 0;
        for r in readings {
            let known = self.spans[alts as usize..]
                .iter()
                .any(|&(s, e)| self.buf.get(s as usize..e as usize) == Some(r));
            if known {
                continue;
            }
            let s = self.buf.len() as u32;
            self.buf.push_str(r);
            self.spans.push((s, self.buf.len() as u32));
            n += 1;
        }
        self.tokens.push(Token {
            start: start as u32,
            end: end as u32,
            before,
            gap,
            alts,
            n_alts: n,
        });
    }
}

/// The normalised views of one text; reusable so a matcher can avoid allocating per query.
#[derive(Clone, Debug, Default)]
pub struct Views {
    chars: Vec<char>,
    /// Capitals read as their own lookalike (see [`fold_with_alts`]), and `chars` with them.
    alts: Vec<(u32, char)>,
    alt_chars: Vec<char>,
    /// `alt_chars` with the [`I_OR_L`] marks of `skel_chars` (empty unless both exist).
    skel_alt_chars: Vec<char>,
    /// `chars` with capital I and its lookalikes marked [`I_OR_L`] (empty when there are none).
    skel_chars: Vec<char>,
    /// Positions (ascending) of Latin letters folded from Cyrillic or Greek lookalikes.
    lookalikes: Vec<u32>,
    work: Work,
    /// Letters and digits only.
    pub literal: TokenView,
    /// Leet read as letters, repeats squeezed.
    pub skeleton: TokenView,
}

impl Views {
    /// Normalises `text` into both views, replacing what was there.
    pub fn normalize(&mut self, text: &str) {
        self.chars.clear();
        self.literal.clear();
        self.skeleton.clear();
        self.alt_chars.clear();
        self.skel_chars.clear();
        self.skel_alt_chars.clear();
        fold_with_alts(text, &mut self.chars, &mut self.alts);
        self.lookalikes.clear();
        for &(at, c) in &self.alts {
            if c == LOOKALIKE {
                self.lookalikes.push(at);
                continue;
            }
            let (target, fill) = if c == I_OR_L {
                (&mut self.skel_chars, c)
            } else {
                (&mut self.alt_chars, c)
            };
            if target.is_empty() {
                target.extend_from_slice(&self.chars);
            }
            if let Some(slot) = target.get_mut(at as usize) {
                *slot = fill;
            }
        }
        let alt = (!self.alt_chars.is_empty()).then_some(self.alt_chars.as_slice());
        tokenize(&self.chars, alt, false, &mut self.literal, &mut self.work);
        let skel = if self.skel_chars.is_empty() {
            &self.chars
        } else {
            &self.skel_chars
        };
        // The capitals' own reading keeps the I-or-l marks: `𝛶⋃ᗞ…ꓲ…` is `y` and `i`-or-`l` at once.
        let skel_alt = match alt {
            Some(alt) if !self.skel_chars.is_empty() => {
                self.skel_alt_chars.extend(
                    alt.iter()
                        .zip(&self.skel_chars)
                        .map(|(&a, &k)| if k == I_OR_L { k } else { a }),
                );
                Some(self.skel_alt_chars.as_slice())
            }
            _ => alt,
        };
        tokenize(skel, skel_alt, true, &mut self.skeleton, &mut self.work);
    }

    /// The folded characters token positions refer to.
    pub fn folded(&self) -> &[char] {
        &self.chars
    }

    /// True when every letter of `chars[start..end]` was folded from a Cyrillic or Greek
    /// lookalike and there are fewer than `min` of them: a short word of another script that
    /// only happens to look Latin. A digit inside the span (read as a letter) is not part of
    /// such a word: the span is a disguise, not a word of that script.
    pub fn short_lookalike(&self, start: u32, end: u32, min: usize) -> bool {
        if self.lookalikes.is_empty() {
            return false;
        }
        let span = self
            .chars
            .get(start as usize..end as usize)
            .unwrap_or_default();
        if span.iter().any(char::is_ascii_digit) {
            return false;
        }
        let letters = (start..end).filter(|&p| {
            self.chars
                .get(p as usize)
                .is_some_and(|c| c.is_alphabetic())
        });
        let mut n = 0;
        for p in letters {
            if self.lookalikes.binary_search(&p).is_err() {
                return false;
            }
            n += 1;
        }
        n < min
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(text: &str, skeleton: bool) -> Vec<(Vec<String>, Boundary)> {
        let mut v = Views::default();
        v.normalize(text);
        let tv = if skeleton { &v.skeleton } else { &v.literal };
        tv.tokens
            .iter()
            .map(|t| (tv.readings(t).map(str::to_owned).collect(), t.before))
            .collect()
    }

    use Boundary::*;

    #[test]
    fn literal_view_table() {
        type Case<'a> = (&'a str, &'a str, &'a [(&'a [&'a str], Boundary)]);
        let cases: &[Case<'_>] = &[
            (
                "words",
                "Ada  Quill",
                &[(&["ada"], Space), (&["quill"], Space)],
            ),
            (
                "punctuation joins",
                "zor-vexil",
                &[(&["zor"], Space), (&["vexil"], Joinable)],
            ),
            (
                "single letters join",
                "v e l",
                &[(&["v"], Space), (&["e"], Joinable), (&["l"], Joinable)],
            ),
            (
                "han glued",
                "ab世界",
                &[(&["ab"], Space), (&["世"], Glue), (&["界"], Glue)],
            ),
            (
                "leet is punctuation here",
                "v@lvet",
                &[(&["v"], Space), (&["lvet"], Joinable)],
            ),
        ];
        for (name, text, want) in cases {
            let got = view(text, false);
            let want: Vec<(Vec<String>, Boundary)> = want
                .iter()
                .map(|(r, b)| (r.iter().map(|s| s.to_string()).collect(), *b))
                .collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn skeleton_view_table() {
        let cases: &[(&str, &str, &[&[&str]])] = &[
            ("leet", "v3lv3t", &[&["velvet"]]),
            ("symbols", "v@$t", &[&["vast"]]),
            ("ambiguous one", "ve1vet", &[&["ve\u{1}vet"]]),
            (
                "joined digits",
                "Z-0-Rx 20-0",
                &[&["z"], &["o"], &["rx"], &["20"], &["0"]],
            ),
            ("lone symbol inside", "z.$.n", &[&["z"], &["s"], &["n"]]),
            ("squeezed, vv kept for w", "velllvvvet", &[&["velvvet"]]),
            (
                "trailing bang",
                "velvet!!",
                &[&["velvet", "velvet\u{1}\u{1}"]],
            ),
            (
                "capital i both ways",
                "BIack Ιena",
                &[&["b\u{1}ack"], &["\u{1}ena"]],
            ),
            ("two leet digits", "ju 13", &[&["ju"], &["13", "\u{1}e"]]),
            ("leading pipe", "|ris", &[&["ris", "\u{1}ris"]]),
            (
                "pipe spelt out",
                "t*h*|*w",
                &[&["t"], &["h"], &["\u{1}"], &["w"]],
            ),
            ("bangs alone are punctuation", "wow !! ..!!", &[&["wow"]]),
            (
                "capital nu read both ways, the I either way in both",
                "ΖΟRΝΕΧΙL",
                &[&["zorvex\u{1}l", "zornex\u{1}l"]],
            ),
            (
                "lower-case l lookalikes stand for a capital I too",
                "KAR𝐥N ALן",
                &[&["kar\u{1}n"], &["al\u{1}"]],
            ),
            ("an ASCII l is an l", "KARlN", &[&["karln"]]),
            ("long s reads s or f", "ſeek", &[&["sek", "fek"]]),
            (
                "numbers stay numbers",
                "velvet 2024",
                &[&["velvet"], &["2024"]],
            ),
            ("lone symbols vanish", "at @ home", &[&["at"], &["home"]]),
            (
                "numbers read both ways",
                "1170",
                &[&["1170", "\u{1}\u{1}to"]],
            ),
        ];
        for (name, text, want) in cases {
            let got: Vec<Vec<String>> = view(text, true).into_iter().map(|(r, _)| r).collect();
            let want: Vec<Vec<String>> = want
                .iter()
                .map(|r| r.iter().map(|s| s.to_string()).collect())
                .collect();
            assert_eq!(got, want, "{name}");
        }
    }
}
