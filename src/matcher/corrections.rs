//! Typo corrections of a query's tokens, looked up in the one-edit index before the walk.

use super::typo::{MIN_PART_TYPO_LEN, MIN_TYPO_LEN};
use super::{Scratch, TermMatcher, keys, typo_code};

impl TermMatcher {
    /// Collects, per skeleton token, the listed words one edit away (for lists with `typos`).
    ///
    /// A word short of the whole-word rule, or a correction to one, counts only inside a match
    /// of the whole multi-word entry, so it is kept only beside an anchor: a word that is
    /// listed, or has a correction to a listed word of the whole-word length. Whole-word
    /// corrections are looked up first (they make anchors); whether a word is listed is looked
    /// up only when a neighbour needs it, each look-up being a miss in a large table.
    pub(super) fn collect_typos(&self, scratch: &mut Scratch) {
        scratch.typo_ranges.clear();
        scratch.typo_spans.clear();
        scratch.typo_bytes.clear();
        scratch.code_bytes.clear();
        scratch.typo_part.clear();
        if self.typos.is_empty() {
            return;
        }
        let tokens = scratch.views.skeleton.tokens.len();
        scratch.anchor.clear();
        scratch.anchor.resize(tokens, Anchor::Unknown);
        let mut raw = std::mem::take(&mut scratch.raw);
        raw.clear();
        for k in 0..tokens {
            let from = raw.spans.len() as u32;
            let short = match self.key_of(scratch, k) {
                Some(len) if len + 1 >= MIN_TYPO_LEN => {
                    self.whole_corrections(scratch, k, &mut raw);
                    false
                }
                Some(len) => len + 1 >= MIN_PART_TYPO_LEN,
                None => false,
            };
            raw.ranges.push((from, raw.spans.len() as u32, short));
        }
        for k in 0..tokens {
            let s = scratch.typo_spans.len() as u32;
            let Some(&(from, to, short)) = raw.ranges.get(k) else {
                break;
            };
            let mut beside = None;
            for i in from as usize..to as usize {
                let (Some(&span), Some(&part)) = (raw.spans.get(i), raw.part.get(i)) else {
                    break;
                };
                if !part || self.beside_anchor(scratch, k, &mut beside) {
                    scratch.typo_spans.push(span);
                    scratch.typo_part.push(part);
                }
            }
            if short && self.beside_anchor(scratch, k, &mut beside) {
                let at = scratch.typo_spans.len();
                if self.key_of(scratch, k).is_some() {
                    self.typos.corrections(
                        &scratch.key,
                        &mut scratch.code_bytes,
                        &mut scratch.typo_spans,
                    );
                }
                let added = scratch.typo_spans.len().saturating_sub(at);
                scratch.typo_part.extend(std::iter::repeat_n(true, added));
            }
            scratch
                .typo_ranges
                .push((s, scratch.typo_spans.len() as u32));
        }
        scratch.raw = raw;
        // The walk reads text: corrections go back from codes to UTF-8.
        for span in &mut scratch.typo_spans {
            let start = scratch.typo_bytes.len() as u32;
            let code = scratch
                .code_bytes
                .get(span.0 as usize..span.1 as usize)
                .unwrap_or(&[]);
            typo_code::decode(code, &mut scratch.typo_bytes);
            *span = (start, scratch.typo_bytes.len() as u32);
        }
    }

    /// Writes skeleton token `k`'s typo-index key to `scratch.key`; its length, or `None` when
    /// the token has no key.
    fn key_of(&self, scratch: &mut Scratch, k: usize) -> Option<usize> {
        let t = scratch.views.skeleton.tokens.get(k)?;
        let first = scratch.views.skeleton.first(t);
        token_key(first, &mut scratch.code, &mut scratch.key).then_some(scratch.key.len())
    }

    /// Looks up the corrections of whole-word token `k` (key in `scratch.key`) into `raw`,
    /// marking each whole word or part; a whole-word correction makes the token an anchor.
    fn whole_corrections(&self, scratch: &mut Scratch, k: usize, raw: &mut RawTypos) {
        let from = raw.spans.len();
        self.typos
            .corrections(&scratch.key, &mut scratch.code_bytes, &mut raw.spans);
        mark_parts(scratch.key.len(), &raw.spans, from, &mut raw.part);
        // A typo can make a double letter (`sttagle` for `stotagle`) that squeezing turns into
        // a second edit: the plain letters are looked up as well.
        let plain = scratch
            .views
            .skeleton
            .tokens
            .get(k)
            .and_then(|t| scratch.views.folded().get(t.start as usize..t.end as usize))
            .unwrap_or(&[]);
        if plain.len() > scratch.key.len()
            && plain.iter().all(|c| c.is_alphabetic() && !c.is_uppercase())
        {
            scratch.code.clear();
            let mut buf = [0u8; 4];
            let all = plain
                .iter()
                .all(|c| typo_code::encode(c.encode_utf8(&mut buf), &mut scratch.code));
            if all {
                let at = raw.spans.len();
                self.typos
                    .corrections(&scratch.code, &mut scratch.code_bytes, &mut raw.spans);
                mark_parts(scratch.code.len(), &raw.spans, at, &mut raw.part);
            }
        }
        if raw.part.get(from..).is_some_and(|p| p.contains(&false))
            && let Some(a) = scratch.anchor.get_mut(k)
        {
            *a = Anchor::Yes;
        }
    }

    /// Whether a neighbour of skeleton token `k` is an anchor (`beside` caches the answer).
    fn beside_anchor(&self, scratch: &mut Scratch, k: usize, beside: &mut Option<bool>) -> bool {
        if let Some(b) = *beside {
            return b;
        }
        let b = [k.checked_sub(1), k.checked_add(1)]
            .into_iter()
            .flatten()
            .any(|n| self.is_anchor(scratch, n));
        *beside = Some(b);
        b
    }

    fn is_anchor(&self, scratch: &mut Scratch, n: usize) -> bool {
        match scratch.anchor.get(n) {
            Some(Anchor::Yes) => return true,
            Some(Anchor::No) | None => return false,
            Some(Anchor::Unknown) => {}
        }
        let Some(t) = scratch.views.skeleton.tokens.get(n) else {
            return false;
        };
        let first = scratch.views.skeleton.first(t);
        let yes = token_key(first, &mut scratch.ncode, &mut scratch.nkey)
            && self.typos.holds(&scratch.nkey);
        if let Some(a) = scratch.anchor.get_mut(n) {
            *a = if yes { Anchor::Yes } else { Anchor::No };
        }
        yes
    }
}

/// Marks the corrections from `from` on, of a `query_len`-letter token, as whole words or
/// parts of a multi-word entry (corrections are in one-byte codes: their length is their
/// letters).
fn mark_parts(query_len: usize, spans: &[(u32, u32)], from: usize, part: &mut Vec<bool>) {
    for &(a, b) in spans.get(from..).unwrap_or(&[]) {
        part.push(query_len + 1 < MIN_TYPO_LEN || ((b - a) as usize) < MIN_TYPO_LEN);
    }
}

/// The typo-index key of a token's first reading: one-byte codes (Cyrillic and Greek letters
/// included), an `i`/`l` ambiguity read as `i` (reading it wrong costs the one edit), repeats
/// squeezed. False when a character has no code.
fn token_key(first: &str, code: &mut Vec<u8>, key: &mut Vec<u8>) -> bool {
    code.clear();
    key.clear();
    if !typo_code::encode(first, code) {
        return false;
    }
    for &b in code.iter() {
        let b = if b == keys::AMBIGUOUS { b'i' } else { b };
        if !keys::squeezes(true, key.last().copied(), b) {
            key.push(b);
        }
    }
    true
}

/// Whether a skeleton token anchors the corrections of its neighbours' short words: it is
/// listed, or has a whole-word correction. Looked up once, when needed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Anchor {
    #[default]
    Unknown,
    No,
    Yes,
}

/// First-pass corrections of a query: spans (of `Scratch::code_bytes`) and their part marks,
/// and per token its range of them and whether it is a short word to look up beside an anchor.
#[derive(Debug, Default)]
pub(super) struct RawTypos {
    spans: Vec<(u32, u32)>,
    part: Vec<bool>,
    ranges: Vec<(u32, u32, bool)>,
}

impl RawTypos {
    fn clear(&mut self) {
        self.spans.clear();
        self.part.clear();
        self.ranges.clear();
    }
}
