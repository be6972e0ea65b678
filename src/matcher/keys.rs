//! The keys an entry is indexed under: every view, reading, join and (for names) order.

use crate::normalize::{TokenView, Views};

/// Readings combined per entry at most; an entry full of ambiguous leet stays bounded.
const MAX_COMBOS: usize = 16;

/// Most `i`/`l` ambiguities expanded per key; an entry full of them keeps its all-`i` and
/// all-`l` readings only.
const MAX_AMBIGUOUS: u32 = 4;

/// The placeholder byte of [`crate::normalize::views::AMBIGUOUS`].
pub(super) const AMBIGUOUS: u8 = 1;

/// Whether the skeleton view drops byte `next` after `last`: repeated ASCII letters are squeezed,
/// also where a join or an `i`/`l` reading makes a new repeat.
pub(super) fn squeezes(skeleton: bool, last: Option<u8>, next: u8) -> bool {
    skeleton && next.is_ascii_alphabetic() && last == Some(next)
}

/// Expands the `i`/`l` placeholders of `template` and squeezes repeats, pushing each key.
pub(super) fn expand(template: &[u8], skeleton: bool, out: &mut Vec<Vec<u8>>) {
    let n = template.iter().filter(|&&b| b == AMBIGUOUS).count() as u32;
    let choices: Vec<u32> = if n <= MAX_AMBIGUOUS {
        (0..1u32 << n).collect()
    } else {
        vec![0, u32::MAX]
    };
    for bits in choices {
        let mut key = Vec::with_capacity(template.len());
        let mut k = 0u32;
        for &b in template {
            let b = if b == AMBIGUOUS {
                let pick = if (bits >> k.min(31)) & 1 == 1 {
                    b'l'
                } else {
                    b'i'
                };
                k += 1;
                pick
            } else {
                b
            };
            if !squeezes(skeleton, key.last().copied(), b) {
                key.push(b);
            }
        }
        if !key.is_empty() {
            out.push(key);
        }
    }
}

/// Appends every key of an entry to `out` (cleared first), sorted and de-duplicated.
pub(super) fn entry_keys(views: &Views, both_orders: bool, out: &mut Vec<Vec<u8>>) {
    out.clear();
    for (view, skeleton) in [(&views.literal, false), (&views.skeleton, true)] {
        let n = view.tokens.len();
        if n == 0 {
            continue;
        }
        let forward: Vec<usize> = (0..n).collect();
        view_keys(view, skeleton, &forward, out);
        if both_orders && n > 1 {
            let reversed: Vec<usize> = (0..n).rev().collect();
            view_keys(view, skeleton, &reversed, out);
        }
    }
    out.sort_unstable();
    out.dedup();
}

fn view_keys(view: &TokenView, skeleton: bool, order: &[usize], out: &mut Vec<Vec<u8>>) {
    let mut combos: Vec<Vec<&str>> = vec![Vec::new()];
    for &i in order {
        let Some(tok) = view.tokens.get(i) else {
            return;
        };
        let mut next = Vec::new();
        for c in &combos {
            for r in view.readings(tok) {
                if next.len() >= MAX_COMBOS {
                    break;
                }
                let mut c = c.clone();
                c.push(r);
                next.push(c);
            }
        }
        combos = next;
    }
    // Keys hold no spaces: the walk reads the gaps between a query's words as nothing, so an
    // entry's words may be run together or split anywhere.
    for combo in &combos {
        let mut template = Vec::with_capacity(32);
        for r in combo {
            template.extend_from_slice(r.as_bytes());
        }
        expand(&template, skeleton, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str, both: bool) -> Vec<String> {
        let mut v = Views::default();
        v.normalize(text);
        let mut out = Vec::new();
        entry_keys(&v, both, &mut out);
        out.into_iter()
            .map(|k| String::from_utf8(k).unwrap())
            .collect()
    }

    #[test]
    fn key_table() {
        let cases: &[(&str, &str, bool, &[&str])] = &[
            ("one word", "Zorvexil", false, &["zorvexil"]),
            (
                "phrase",
                "quandrith moss",
                false,
                &["quandrithmos", "quandrithmoss"],
            ),
            ("ambiguous", "v1l", false, &["v1l", "vil", "vl"]),
            (
                "name both orders, skeleton squeezed",
                "Ada Quillfeather",
                true,
                &[
                    "adaquilfeather",
                    "adaquillfeather",
                    "quilfeatherada",
                    "quillfeatherada",
                ],
            ),
            ("han", "世界", false, &["世界"]),
        ];
        for (name, text, both, want) in cases {
            assert_eq!(keys(text, *both), *want, "{name}");
        }
    }
}
