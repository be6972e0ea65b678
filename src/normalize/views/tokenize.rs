//! The tokeniser behind [`super::Views`]: folded characters cut into tokens, each token's
//! readings (literal, or leet read as letters with repeats squeezed), and the boundaries between
//! tokens.

use unicode_normalization::char::is_combining_mark;

use super::{AMBIGUOUS, Boundary, Gap, I_OR_L, TokenView};

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
        '2' => ('z', None),
        '0' => ('o', None),
        '5' => ('s', None),
        '7' => ('t', None),
        '9' => ('g', None),
        '8' => ('b', None),
        _ => (c, None),
    }
}

pub(super) fn tokenize(
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
                        // `2` reads `z` only beside letters: a number with a 2 is a year
                        // or a count far more often than a word.
                        && word.iter().all(|&c| c != '2' && leet(c, true).0.is_alphabetic())
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
pub(super) struct Work {
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
