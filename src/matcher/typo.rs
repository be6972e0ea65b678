//! One-edit typo tolerance for long tokens by symmetric deletion: every listed token of 7+ letters
//! is indexed with its one-letter deletions at load; a query token looks up itself and its own
//! deletions, and each candidate is verified (insertion, deletion, substitution, transposition).

use fst::raw::{Node, Output};

use super::MatcherError;

/// Tokens shorter than this are never corrected: short words collide too easily.
pub const MIN_TYPO_LEN: usize = 7;
/// Query tokens longer than this are not corrected (bounds per-query work).
const MAX_TYPO_LEN: usize = 40;
const INLINE: u64 = 1 << 63;

/// Value code of a key that is a listed token itself (not one of its deletions).
const SELF: u16 = 0xFFFF;

/// The deletion index of the listed long tokens: keys are the tokens and their one-letter
/// deletions; a key's value says how to rebuild the token from it (the deleted position and
/// letter), which keeps the values few and the FST small.
#[derive(Debug, Default)]
pub(super) struct TypoIndex {
    map: fst::Map<Vec<u8>>,
    multi: Vec<u16>,
    tokens: usize,
}

impl TypoIndex {
    /// Builds the index over `tokens` (ASCII skeleton tokens of 7+ letters; any order, duplicates
    /// allowed).
    pub fn build(mut tokens: Vec<Vec<u8>>) -> Result<Self, MatcherError> {
        tokens.retain(|t| t.len() >= MIN_TYPO_LEN && t.len() <= MAX_TYPO_LEN);
        tokens.sort_unstable();
        tokens.dedup();
        let mut builder = fst::MapBuilder::memory();
        let mut multi = Vec::new();
        let mut used = [false; 256];
        for t in &tokens {
            used[usize::from(t[0])] = true;
            used[usize::from(t[1])] = true;
        }
        // One first byte at a time, so only a slice of the deletions is ever in memory.
        let mut items: Vec<Item> = Vec::new();
        let mut key = Vec::with_capacity(MAX_TYPO_LEN);
        let mut next = Vec::with_capacity(MAX_TYPO_LEN);
        for first in (0..=255u8).filter(|&b| used[usize::from(b)]) {
            items.clear();
            for (id, t) in tokens.iter().enumerate() {
                let id = u32::try_from(id).map_err(|_| MatcherError::TooLarge)?;
                if t[0] == first {
                    items.push((prefix(t, NO_DELETION), id, NO_DELETION));
                    for i in 1..t.len() {
                        if t[i] != t[i - 1] {
                            items.push((prefix(t, i as u8), id, i as u8));
                        }
                    }
                }
                if t[1] == first {
                    items.push((prefix(t, 0), id, 0));
                }
            }
            let variant = |&(_, id, pos): &Item, out: &mut Vec<u8>| {
                out.clear();
                let t = &tokens[id as usize];
                out.extend(
                    t.iter()
                        .enumerate()
                        .filter(|&(i, _)| i != usize::from(pos))
                        .map(|(_, &b)| b),
                );
            };
            // Variants of up to PREFIX bytes are wholly in their prefix: equal prefixes are
            // equal variants, and only longer ones are rebuilt to compare.
            let short = |&(_, id, pos): &Item| {
                let len = tokens[id as usize].len() - usize::from(pos != NO_DELETION);
                len <= PREFIX
            };
            let (mut ka, mut kb) = (Vec::new(), Vec::new());
            items.sort_unstable_by(|a, b| {
                a.0.cmp(&b.0).then_with(|| {
                    if short(a) && short(b) {
                        return std::cmp::Ordering::Equal;
                    }
                    variant(a, &mut ka);
                    variant(b, &mut kb);
                    ka.cmp(&kb)
                })
            });
            let mut i = 0;
            while i < items.len() {
                variant(&items[i], &mut key);
                let mut j = i + 1;
                while j < items.len() && items[j].0 == items[i].0 {
                    if !(short(&items[i]) && short(&items[j])) {
                        variant(&items[j], &mut next);
                        if next != key {
                            break;
                        }
                    }
                    j += 1;
                }
                let code = |it: &Item| {
                    if it.2 == NO_DELETION {
                        SELF
                    } else {
                        let t = &tokens[it.1 as usize];
                        (u16::from(it.2) << 8) | u16::from(t[usize::from(it.2)])
                    }
                };
                let value = if j - i == 1 {
                    INLINE | u64::from(code(&items[i]))
                } else {
                    let start = multi.len();
                    let mut group: Vec<u16> = items[i..j].iter().map(code).collect();
                    group.sort_unstable();
                    group.dedup();
                    multi.extend_from_slice(&group);
                    ((group.len() as u64) << 32) | start as u64
                };
                builder.insert(&key, value).map_err(MatcherError::Index)?;
                i = j;
            }
        }
        let map = fst::Map::new(builder.into_inner().map_err(MatcherError::Index)?)
            .map_err(MatcherError::Index)?;
        Ok(TypoIndex {
            map,
            multi,
            tokens: tokens.len(),
        })
    }

    /// True when no list asked for typo tolerance.
    pub fn is_empty(&self) -> bool {
        self.tokens == 0
    }

    /// Bytes used by the index.
    pub fn heap_bytes(&self) -> usize {
        self.map.as_fst().size() + self.multi.len() * 2
    }

    /// Appends the listed tokens one edit away from `q` (never `q` itself) to `out`, each as a
    /// byte range of `arena`.
    pub fn corrections(&self, q: &[u8], arena: &mut Vec<u8>, out: &mut Vec<(u32, u32)>) {
        if self.is_empty() || q.len() + 1 < MIN_TYPO_LEN || q.len() > MAX_TYPO_LEN {
            return;
        }
        let first = out.len();
        let fst = self.map.as_fst();
        // Walk q's own path once; deleting q[i] continues from the node reached after q[..i].
        let mut node = fst.root();
        let mut acc = Output::zero();
        for i in 0..=q.len() {
            if i < q.len() && (i == 0 || q[i] != q[i - 1]) {
                self.finish(fst, node, acc, i, q, arena, out, first);
            }
            if i == q.len() {
                if node.is_final() {
                    self.candidates(acc.cat(node.final_output()), None, q, arena, out, first);
                }
                break;
            }
            let Some(t) = node.find_input(q[i]).map(|k| node.transition(k)) else {
                break;
            };
            acc = acc.cat(t.out);
            node = fst.node(t.addr);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn finish<'f>(
        &self,
        fst: &'f fst::raw::Fst<Vec<u8>>,
        mut node: Node<'f>,
        mut acc: Output,
        deleted: usize,
        q: &[u8],
        arena: &mut Vec<u8>,
        out: &mut Vec<(u32, u32)>,
        first: usize,
    ) {
        for &b in q.get(deleted + 1..).unwrap_or(&[]) {
            let Some(t) = node.find_input(b).map(|k| node.transition(k)) else {
                return;
            };
            acc = acc.cat(t.out);
            node = fst.node(t.addr);
        }
        if node.is_final() {
            let v = acc.cat(node.final_output());
            self.candidates(v, Some(deleted), q, arena, out, first);
        }
    }

    /// Rebuilds the listed tokens behind a found key (`q`, or `q` less the byte at `deleted`),
    /// keeping those one edit from `q` and not yet found.
    fn candidates(
        &self,
        value: Output,
        deleted: Option<usize>,
        q: &[u8],
        arena: &mut Vec<u8>,
        out: &mut Vec<(u32, u32)>,
        first: usize,
    ) {
        let v = value.value();
        let codes: &[u16] = if v & INLINE != 0 {
            &[v as u16]
        } else {
            let start = (v & 0xFFFF_FFFF) as usize;
            let len = (v >> 32) as usize;
            self.multi.get(start..start + len).unwrap_or(&[])
        };
        let key = |k: usize| match deleted {
            Some(d) if k >= d => q.get(k + 1).copied(),
            _ => q.get(k).copied(),
        };
        let key_len = q.len() - usize::from(deleted.is_some());
        for &code in codes {
            let s = arena.len();
            if code == SELF {
                arena.extend((0..key_len).filter_map(key));
            } else {
                let (pos, byte) = (usize::from(code >> 8), code as u8);
                arena.extend((0..pos.min(key_len)).filter_map(key));
                arena.push(byte);
                arena.extend((pos.min(key_len)..key_len).filter_map(key));
            }
            let cand = arena.get(s..).unwrap_or(&[]);
            let known = out
                .get(first..)
                .unwrap_or(&[])
                .iter()
                .any(|&(a, b)| arena.get(a as usize..b as usize) == Some(cand));
            if cand == q || known || !within_one_edit(q, cand) {
                arena.truncate(s);
            } else {
                out.push((s as u32, arena.len() as u32));
            }
        }
    }
}

/// Marks the token itself among the deletion positions.
const NO_DELETION: u8 = u8::MAX;
/// A deletion variant while the index is built: its sort prefix, token id and deleted position.
type Item = ([u64; 2], u32, u8);

/// Bytes of a variant packed (big-endian, zero-padded) into its sort prefix.
const PREFIX: usize = 16;

/// The first [`PREFIX`] bytes of `t` less the byte at `deleted`, big-endian, for fast sorting.
fn prefix(t: &[u8], deleted: u8) -> [u64; 2] {
    let mut p = 0u128;
    let mut n = 0;
    for (i, &b) in t.iter().enumerate() {
        if i == usize::from(deleted) {
            continue;
        }
        if n == PREFIX {
            break;
        }
        p |= u128::from(b) << (8 * (PREFIX - 1 - n));
        n += 1;
    }
    // Two words rather than one u128 keep an item at 24 bytes (u128 would align it to 32).
    [(p >> 64) as u64, p as u64]
}

/// True when `a` and `b` differ by at most one insertion, deletion, substitution or
/// transposition of adjacent letters.
pub fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (sa, sb) = (&a[p..], &b[p..]);
    if la == lb {
        let substitution = sa.get(1..) == sb.get(1..);
        let transposition = sa.len() >= 2
            && sa.first() == sb.get(1)
            && sa.get(1) == sb.first()
            && sa.get(2..) == sb.get(2..);
        substitution || transposition
    } else if la > lb {
        sa.get(1..) == Some(sb)
    } else {
        sb.get(1..) == Some(sa)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit_table() {
        let cases = [
            ("same", "zorvexil", "zorvexil", true),
            ("substitution", "zorvexil", "zorvaxil", true),
            ("insertion", "zorvexil", "zorvexxil", true),
            ("deletion", "zorvexil", "zorvxil", true),
            ("transposition", "zorvexil", "zorvxeil", true),
            ("two substitutions", "zorvexil", "zarvexol", false),
            ("delete and insert", "zorvexil", "orvexilz", false),
            ("two apart", "zorvexil", "zorvexilab", false),
        ];
        for (name, a, b, want) in cases {
            assert_eq!(within_one_edit(a.as_bytes(), b.as_bytes()), want, "{name}");
            assert_eq!(
                within_one_edit(b.as_bytes(), a.as_bytes()),
                want,
                "{name} reversed"
            );
        }
    }

    #[test]
    fn corrections_find_each_edit_kind() {
        let idx = TypoIndex::build(vec![
            b"zorvexil".to_vec(),
            b"quandrith".to_vec(),
            b"zorvexin".to_vec(),
        ])
        .unwrap();
        let cases = [
            ("substitution", "zorvaxil", &["zorvexil"][..]),
            ("insertion", "zorvexxil", &["zorvexil"]),
            ("deletion", "zorvxil", &["zorvexil"]),
            ("transposition", "zorvxeil", &["zorvexil"]),
            ("transposition 2", "quandirth", &["quandrith"]),
            ("deletion at start", "uandrith", &["quandrith"]),
            ("two candidates", "zorvexim", &["zorvexil", "zorvexin"]),
            ("exact is not a correction", "zorvexil", &["zorvexin"]),
            ("two edits", "zarvexol", &[]),
            ("unrelated", "unrelated", &[]),
        ];
        for (name, q, want) in cases {
            let (mut arena, mut out) = (Vec::new(), Vec::new());
            idx.corrections(q.as_bytes(), &mut arena, &mut out);
            let mut got: Vec<&str> = out
                .iter()
                .map(|&(a, b)| std::str::from_utf8(&arena[a as usize..b as usize]).unwrap())
                .collect();
            got.sort();
            assert_eq!(got, want, "{name}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// The index finds exactly the listed tokens one edit from the query, also for tokens
        /// longer than the sort prefix and tokens sharing long prefixes.
        #[test]
        fn corrections_match_brute_force(
            tokens in proptest::collection::vec("(zorvexilquandrith){0,1}[abc]{5,14}", 1..24),
            pick in 0usize..24,
            edit in "[abc]{0,2}",
        ) {
            let list: Vec<Vec<u8>> = tokens.iter().map(|t| t.as_bytes().to_vec()).collect();
            let idx = TypoIndex::build(list.clone()).unwrap();
            let base = &list[pick % list.len()];
            let mut q = base.clone();
            let at = edit.len() % (q.len() + 1);
            match edit.len() {
                0 => { q.remove(at.min(q.len() - 1)); }
                1 => q.insert(at, edit.as_bytes()[0]),
                _ => if let Some(c) = q.get_mut(at) { *c = edit.as_bytes()[1]; },
            }
            let (mut arena, mut out) = (Vec::new(), Vec::new());
            idx.corrections(&q, &mut arena, &mut out);
            let mut got: Vec<&[u8]> =
                out.iter().map(|&(a, b)| &arena[a as usize..b as usize]).collect();
            got.sort_unstable();
            let mut want: Vec<&[u8]> = list
                .iter()
                .filter(|t| (MIN_TYPO_LEN..=MAX_TYPO_LEN).contains(&t.len()))
                .filter(|t| t.as_slice() != q.as_slice() && within_one_edit(t, &q))
                .map(Vec::as_slice)
                .collect();
            want.sort_unstable();
            want.dedup();
            if q.len() + 1 < MIN_TYPO_LEN || q.len() > MAX_TYPO_LEN {
                want.clear();
            }
            proptest::prop_assert_eq!(got, want);
        }
    }
}
