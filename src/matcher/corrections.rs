//! Typo corrections of a query's tokens, looked up in the one-edit index before the walk.

use super::typo::{MIN_PART_TYPO_LEN, MIN_TYPO_LEN};
use super::{Scratch, TermMatcher, keys, typo_code};

impl TermMatcher {
    /// Collects, per skeleton token, the listed words one edit away (for lists with `typos`).
    pub(super) fn collect_typos(&self, scratch: &mut Scratch) {
        scratch.typo_ranges.clear();
        scratch.typo_spans.clear();
        scratch.typo_bytes.clear();
        scratch.code_bytes.clear();
        scratch.typo_part.clear();
        if self.typos.is_empty() {
            return;
        }
        let view = &scratch.views.skeleton;
        for t in &view.tokens {
            let s = scratch.typo_spans.len() as u32;
            let first = view.first(t);
            // Letters are counted in one-byte codes (Cyrillic and Greek letters included).
            scratch.code.clear();
            if typo_code::encode(first, &mut scratch.code)
                && scratch.code.len() + 1 >= MIN_PART_TYPO_LEN
            {
                // An `i`/`l` ambiguity is read as `i`: reading it wrong costs the one edit.
                scratch.key.clear();
                for &b in &scratch.code {
                    let b = if b == keys::AMBIGUOUS { b'i' } else { b };
                    if !keys::squeezes(true, scratch.key.last().copied(), b) {
                        scratch.key.push(b);
                    }
                }
                let from = scratch.typo_spans.len();
                self.typos.corrections(
                    &scratch.key,
                    &mut scratch.code_bytes,
                    &mut scratch.typo_spans,
                );
                mark_parts(
                    scratch.key.len(),
                    &scratch.typo_spans[from..],
                    &mut scratch.typo_part,
                );
                // A typo can make a double letter (`sttagle` for `stotagle`) that squeezing
                // turns into a second edit: the plain letters are looked up as well.
                let plain = scratch
                    .views
                    .folded()
                    .get(t.start as usize..t.end as usize)
                    .unwrap_or(&[]);
                if plain.len() > scratch.key.len()
                    && plain.iter().all(|c| c.is_alphabetic() && !c.is_uppercase())
                {
                    scratch.key.clear();
                    let mut buf = [0u8; 4];
                    let all = plain
                        .iter()
                        .all(|c| typo_code::encode(c.encode_utf8(&mut buf), &mut scratch.key));
                    if all {
                        let from = scratch.typo_spans.len();
                        self.typos.corrections(
                            &scratch.key,
                            &mut scratch.code_bytes,
                            &mut scratch.typo_spans,
                        );
                        mark_parts(
                            scratch.key.len(),
                            &scratch.typo_spans[from..],
                            &mut scratch.typo_part,
                        );
                    }
                }
            }
            scratch
                .typo_ranges
                .push((s, scratch.typo_spans.len() as u32));
        }
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
}

/// Records, for each new correction of a `query_len`-letter token, whether it corrects a word
/// shorter than the whole-word rule allows (the query token or the listed word).
fn mark_parts(query_len: usize, spans: &[(u32, u32)], part: &mut Vec<bool>) {
    for &(a, b) in spans {
        let word_len = (b - a) as usize;
        part.push(query_len + 1 < MIN_TYPO_LEN || word_len < MIN_TYPO_LEN);
    }
}
