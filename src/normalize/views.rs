//! Tokenisation of folded characters into the literal and skeleton views the matcher walks.

use unicode_normalization::char::is_combining_mark;

use super::fold::{I_OR_L, LOOKALIKE, fold_with_alts};

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

/// Letters, digits and the marks attached to them.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || (!c.is_ascii() && (is_combining_mark(c) || c == I_OR_L))
}

/// Characters of scripts written without spaces between words.
pub fn is_unspaced(c: char) -> bool {
    matches!(c,
        '\u{0E00}'..='\u{0EFF}'       // Thai, Lao
        | '\u{1000}'..='\u{109F}'     // Myanmar
        | '\u{1780}'..='\u{17FF}'     // Khmer
        | '\u{3040}'..='\u{30FF}'     // Hiragana, Katakana
        | '\u{31F0}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}'     // Han
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3FFFF}')
}

fn is_leet_symbol(c: char) -> bool {
    matches!(c, '@' | '$' | '!' | '|' | '+')
}

/// What a character reads as in the skeleton view: one or two letters.
fn leet(c: char, in_word: bool) -> (char, Option<char>) {
    match c {
        '@' => ('a', None),
        '$' => ('s', None),
        '!' | I_OR_L => ('i', Some('l')),
        '+' => ('t', None),
        '|' => ('i', Some('l')),
        _ if !in_word => (c, None),
        '4' => ('a', None),
        '3' => ('e', None),
        '1' => ('i', Some('l')),
        '0' => ('o', None),
        '5' => ('s', None),
        '7' => ('t', None),
        '9' => ('g', None),
        '8' => ('b', None),
        _ => (c, None),
    }
}

fn tokenize(
    chars: &[char],
    alt: Option<&[char]>,
    skeleton: bool,
    out: &mut TokenView,
    work: &mut Work,
) {
    out.squeezed = skeleton;
    let Work {
        raw,
        pool,
        cuts,
        stack,
    } = work;
    raw.clear();
    let in_token = |c: char| is_word(c) || (skeleton && is_leet_symbol(c));
    let mut i = 0;
    let mut prev: Option<(usize, usize)> = None; // (end, char count) of the previous token
    let (mut gap_space, mut gap_punct) = (false, false);
    let mut gap_spaces = 0u32;
    while let Some(&c) = chars.get(i) {
        if !in_token(c) {
            gap_space |= c.is_whitespace();
            gap_spaces += u32::from(c.is_whitespace());
            gap_punct |= !c.is_whitespace();
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        if is_unspaced(c) {
            while chars.get(i).is_some_and(|&m| is_combining_mark(m)) {
                i += 1;
            }
        } else {
            while chars
                .get(i)
                .is_some_and(|&m| in_token(m) && !is_unspaced(m))
            {
                i += 1;
            }
        }
        let (mut s, mut e) = (start, i);
        let (whole_s, whole_e) = (s, e);
        if skeleton {
            // A leading pipe or bang, or a trailing one, is punctuation more often than a letter
            // (`hello!`), but may be one (`|ris`, `k3nj!`): the token is read both ways.
            while s < e && matches!(chars[s], '|' | '!') {
                s += 1;
            }
            while e > s && matches!(chars[e - 1], '|' | '!') {
                e -= 1;
            }
            if s == e {
                // Nothing but pipes and bangs: a letter only inside a word spelt out, touching
                // a letter or digit through punctuation (`t*h*|*w`), and then only under the
                // rule for symbols below; otherwise (`..!!`, `what ?!`) punctuation.
                let touches_left = prev.is_some() && !gap_space;
                let touches_right = chars
                    .get(whole_e..)
                    .unwrap_or(&[])
                    .iter()
                    .find(|&&c| c.is_whitespace() || in_token(c))
                    .is_some_and(|&c| !c.is_whitespace());
                if !(touches_left || touches_right) {
                    gap_punct = true;
                    continue;
                }
                (s, e) = (whole_s, whole_e);
            }
            // A run of symbols alone stands for letters only where it sits in a word spelt out:
            // punctuation, not white space, beside it (`z.$.n`), or single letters on both
            // sides (`z $ n`, or one side at the end of the text); otherwise (`at @ home`) it is
            // punctuation.
            if chars[s..e].iter().all(|&c| is_leet_symbol(c)) {
                let spaced = |c: Option<&char>| c.is_none_or(|c| c.is_whitespace());
                let tight =
                    !spaced(s.checked_sub(1).and_then(|p| chars.get(p))) || !spaced(chars.get(e));
                let after = chars
                    .get(e..)
                    .unwrap_or(&[])
                    .iter()
                    .position(|c| !c.is_whitespace())
                    .map(|p| e + p);
                let single_after = after.is_none_or(|a| {
                    chars.get(a).is_some_and(|&c| in_token(c))
                        && !chars.get(a + 1).is_some_and(|&c| in_token(c))
                });
                let single_before = prev.is_none_or(|(_, n)| n == 1);
                if !(tight || (single_before && single_after)) {
                    gap_punct = true;
                    continue;
                }
            }
        }
        let count = e - s;
        let before = match prev {
            None => Boundary::Space,
            Some((pend, _)) if pend == s => Boundary::Glue,
            Some(_) if !gap_space => Boundary::Joinable,
            Some((_, pcount)) if pcount == 1 || count == 1 => Boundary::Joinable,
            Some(_) => Boundary::Space,
        };
        prev = Some((e, count));
        let gap = Gap::of(gap_spaces, gap_punct);
        (gap_space, gap_punct, gap_spaces) = (false, false, 0);
        // Leet symbols count as letters here, so `$3` reads `se` as its reading `se` does.
        let alpha = chars[s..e]
            .iter()
            .any(|&c| c.is_alphabetic() || c == I_OR_L || (skeleton && is_leet_symbol(c)));
        raw.push(RawToken {
            s,
            e,
            whole_s,
            whole_e,
            before,
            gap,
            alpha,
            len: 0,
        });
    }
    // White space joins a single letter to its neighbour only where the letters are spelt out
    // the same way throughout: `v e l v e t` is one word, but in `a🍑th m♡ai` the `m` (space on
    // one side, a symbol on the other) is not joined to `th`.
    for k in 1..raw.len() {
        let Some(&t) = raw.get(k) else { continue };
        if t.before != Boundary::Joinable || !(t.gap.is_space() || t.gap == Gap::Mixed) {
            continue;
        }
        let single = |i: usize| raw.get(i).is_some_and(|r| r.e - r.s == 1);
        let gap_after = |i: usize| raw.get(i + 1).map(|r| r.gap);
        let gap_before = |i: usize| (i > 0).then(|| raw.get(i).map(|r| r.gap)).flatten();
        let consistent = |i: usize| {
            !single(i)
                || (gap_before(i).is_none_or(|g| g == t.gap)
                    && gap_after(i).is_none_or(|g| g == t.gap))
        };
        if !(consistent(k - 1) && consistent(k))
            && let Some(r) = raw.get_mut(k)
        {
            r.before = Boundary::Space;
        }
    }
    if skeleton {
        spread_letters(chars, raw, pool, stack);
    }
    // Readings of one token, cut from one buffer: the canonical one first, then the ones with
    // edge pipes and bangs as letters, then the ones with capitals read as their own lookalike.
    for t in raw.iter() {
        pool.clear();
        cuts.clear();
        let spans = [(t.s, t.e), (t.whole_s, t.whole_e)];
        let n_spans = if skeleton && spans[1] != spans[0] {
            2
        } else {
            1
        };
        for (k, src) in [Some(chars), alt].into_iter().enumerate() {
            let Some(src) = src else { continue };
            for &(s, e) in spans.iter().take(n_spans) {
                let word = src.get(s..e).unwrap_or(&[]);
                if k > 0 && chars.get(s..e) == Some(word) {
                    continue;
                }
                let from = pool.len();
                if skeleton {
                    skeleton_reading(word, t.alpha, pool);
                    cuts.push((from, pool.len()));
                    if !t.alpha
                        && word.len() >= 2
                        && word.iter().all(|&c| leet(c, true).0.is_alphabetic())
                    {
                        // A number of two or more digits may be (part of) a word written all
                        // in leet (`1170`, `13` for `le`): it gets its letter reading too.
                        let from = pool.len();
                        skeleton_reading(word, true, pool);
                        cuts.push((from, pool.len()));
                    }
                } else {
                    pool.extend(word);
                    cuts.push((from, pool.len()));
                }
            }
        }
        let mut refs = [""; 8];
        for (slot, &(a, b)) in refs.iter_mut().zip(cuts.iter()) {
            *slot = pool.get(a..b).unwrap_or("");
        }
        out.push_token(t.s, t.e, (t.before, t.gap), &refs[..cuts.len().min(8)]);
    }
}

/// Buffers the tokeniser reuses across texts.
#[derive(Clone, Debug, Default)]
struct Work {
    raw: Vec<RawToken>,
    /// Readings of one token, cut from one buffer by `cuts`.
    pool: String,
    cuts: Vec<(usize, usize)>,
    /// Tokens whose letters still have to spread to their neighbours.
    stack: Vec<usize>,
}

/// A token found by the first pass, before its reading is made.
#[derive(Clone, Copy, Debug)]
struct RawToken {
    s: usize,
    e: usize,
    /// Bounds with the leading and trailing pipes and bangs the skeleton leaves out.
    whole_s: usize,
    whole_e: usize,
    before: Boundary,
    gap: Gap,
    /// Has a letter, or is joined to a token that has one.
    alpha: bool,
    /// Characters of its canonical skeleton reading as rendered (see [`rendered_len`]).
    len: usize,
}

/// Marks the tokens that read their digits as letters: a token with a letter, and a number
/// joined to one through glue, punctuation alone, or white space next to a token that renders
/// as one character (`z-0-r`, `v 3 l`); a number standing on its own stays a number.
///
/// The links are decided on what the rendering keeps: each token's rendered length (after
/// squeezing: `aa` renders `a`), and no gap kinds across white space (the rendering puts one
/// space in every gap, and the rule that keeps single letters between symbols apart is a
/// matching rule, not a reading one). So the rendering read again links the same tokens, and
/// `skeleton` is idempotent. A token gaining letters may render shorter and link further:
/// spread until nothing changes, each token at most once.
fn spread_letters(chars: &[char], raw: &mut [RawToken], pool: &mut String, stack: &mut Vec<usize>) {
    stack.clear();
    for (k, t) in raw.iter_mut().enumerate() {
        t.len = rendered_len(chars.get(t.s..t.e).unwrap_or(&[]), t.alpha, pool);
        if t.alpha {
            stack.push(k);
        }
    }
    while let Some(k) = stack.pop() {
        let Some(&from) = raw.get(k) else { continue };
        for n in [k.wrapping_sub(1), k + 1] {
            let Some(&to) = raw.get(n) else { continue };
            if to.alpha {
                continue;
            }
            let gap = if n > k { to.gap } else { from.gap };
            let linked = !(gap.is_space() || gap == Gap::Mixed) || from.len == 1 || to.len == 1;
            if linked && let Some(t) = raw.get_mut(n) {
                t.alpha = true;
                t.len = rendered_len(chars.get(t.s..t.e).unwrap_or(&[]), true, pool);
                stack.push(n);
            }
        }
    }
}

/// Characters of the skeleton reading of `word` (letter reading when `in_word`) once rendered:
/// `i`/`l` placeholders read `i` and repeats squeezed, as [`TokenView::render`] writes them.
fn rendered_len(word: &[char], in_word: bool, pool: &mut String) -> usize {
    pool.clear();
    skeleton_reading(word, in_word, pool);
    let mut last = None;
    let mut n = 0;
    for c in pool.chars() {
        let c = if c == AMBIGUOUS { 'i' } else { c };
        if !(c.is_ascii_alphabetic() && last == Some(c)) {
            n += 1;
        }
        last = Some(c);
    }
    n
}

/// The skeleton reading of one token: leet read as letters, repeats squeezed, `i`/`l`
/// ambiguities left as [`AMBIGUOUS`].
fn skeleton_reading(word: &[char], in_word: bool, out: &mut String) {
    let mut last = None;
    let (mut run, mut vrun) = (0, 0);
    for &c in word {
        let ch = match leet(c, in_word) {
            (_, Some(_)) => AMBIGUOUS,
            (a, None) => a,
        };
        // No word needs more than eight `i`/`l` in a row; longer runs only multiply the walk.
        run = if ch == AMBIGUOUS { run + 1 } else { 0 };
        if run > 8 {
            continue;
        }
        // `vv` stays two letters (it may stand for `w`); the walk squeezes it otherwise.
        vrun = if ch == 'v' { vrun + 1 } else { 0 };
        if last != Some(ch)
            || ch == AMBIGUOUS
            || ch.is_ascii_digit()
            || is_combining_mark(ch)
            || vrun == 2
        {
            out.push(ch);
        }
        last = Some(ch);
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
