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

/// The deletion index of the listed long tokens.
#[derive(Debug, Default)]
pub(super) struct TypoIndex {
    vocab: Vec<u8>,
    offsets: Vec<u32>,
    map: fst::Map<Vec<u8>>,
    multi: Vec<u32>,
}

impl TypoIndex {
    /// Builds the index over `tokens` (ASCII skeleton tokens of 7+ letters; any order, duplicates
    /// allowed).
    pub fn build(mut tokens: Vec<Vec<u8>>) -> Result<Self, MatcherError> {
        tokens.sort_unstable();
        tokens.dedup();
        let mut vocab = Vec::new();
        let mut offsets = Vec::with_capacity(tokens.len() + 1);
        let mut variants: Vec<(Vec<u8>, u32)> = Vec::new();
        for (id, t) in tokens.iter().enumerate() {
            let id = u32::try_from(id).map_err(|_| MatcherError::TooLarge)?;
            offsets.push(u32::try_from(vocab.len()).map_err(|_| MatcherError::TooLarge)?);
            vocab.extend_from_slice(t);
            variants.push((t.clone(), id));
            for i in 0..t.len() {
                if i > 0 && t[i] == t[i - 1] {
                    continue;
                }
                let mut d = Vec::with_capacity(t.len() - 1);
                d.extend_from_slice(&t[..i]);
                d.extend_from_slice(&t[i + 1..]);
                variants.push((d, id));
            }
        }
        offsets.push(u32::try_from(vocab.len()).map_err(|_| MatcherError::TooLarge)?);
        drop(tokens);
        variants.sort_unstable();
        variants.dedup();
        let mut builder = fst::MapBuilder::memory();
        let mut multi = Vec::new();
        let mut i = 0;
        while i < variants.len() {
            let mut j = i + 1;
            while j < variants.len() && variants[j].0 == variants[i].0 {
                j += 1;
            }
            let value = if j - i == 1 {
                INLINE | u64::from(variants[i].1)
            } else {
                let start = multi.len() as u64;
                multi.extend(variants[i..j].iter().map(|v| v.1));
                (((j - i) as u64) << 32) | start
            };
            builder
                .insert(&variants[i].0, value)
                .map_err(MatcherError::Index)?;
            i = j;
        }
        let map = fst::Map::new(builder.into_inner().map_err(MatcherError::Index)?)
            .map_err(MatcherError::Index)?;
        Ok(TypoIndex {
            vocab,
            offsets,
            map,
            multi,
        })
    }

    /// True when no list asked for typo tolerance.
    pub fn is_empty(&self) -> bool {
        self.offsets.len() <= 1
    }

    /// Bytes used by the index.
    pub fn heap_bytes(&self) -> usize {
        self.vocab.len() + self.offsets.len() * 4 + self.map.as_fst().size() + self.multi.len() * 4
    }

    /// The listed token with id `id`.
    pub fn token(&self, id: u32) -> &[u8] {
        let i = id as usize;
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&s), Some(&e)) => self.vocab.get(s as usize..e as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Pushes the ids of listed tokens one edit away from `q` (never `q` itself) onto `out`.
    pub fn corrections(&self, q: &[u8], out: &mut Vec<u32>) {
        if self.is_empty() || q.len() + 1 < MIN_TYPO_LEN || q.len() > MAX_TYPO_LEN {
            return;
        }
        let first = out.len();
        let fst = self.map.as_fst();
        // Walk q's own path once; deleting q[i] continues from the node reached after q[..i].
        let mut node = fst.root();
        let mut out_acc = Output::zero();
        for i in 0..=q.len() {
            if i < q.len() && (i == 0 || q[i] != q[i - 1]) {
                self.finish(fst, node, out_acc, &q[i + 1..], q, out);
            }
            if i == q.len() {
                if node.is_final() {
                    self.candidates(out_acc.cat(node.final_output()), q, out);
                }
                break;
            }
            let Some(t) = node.find_input(q[i]).map(|k| node.transition(k)) else {
                break;
            };
            out_acc = out_acc.cat(t.out);
            node = fst.node(t.addr);
        }
        let tail = out.get_mut(first..).unwrap_or(&mut []);
        tail.sort_unstable();
        let mut w = first;
        for r in first..out.len() {
            if r == first || out[r] != out[w - 1] {
                out[w] = out[r];
                w += 1;
            }
        }
        out.truncate(w);
    }

    fn finish<'f>(
        &self,
        fst: &'f fst::raw::Fst<Vec<u8>>,
        mut node: Node<'f>,
        mut acc: Output,
        rest: &[u8],
        q: &[u8],
        out: &mut Vec<u32>,
    ) {
        for &b in rest {
            let Some(t) = node.find_input(b).map(|k| node.transition(k)) else {
                return;
            };
            acc = acc.cat(t.out);
            node = fst.node(t.addr);
        }
        if node.is_final() {
            self.candidates(acc.cat(node.final_output()), q, out);
        }
    }

    fn candidates(&self, value: Output, q: &[u8], out: &mut Vec<u32>) {
        let v = value.value();
        let mut check = |id: u32| {
            let t = self.token(id);
            if t != q && within_one_edit(q, t) {
                out.push(id);
            }
        };
        if v & INLINE != 0 {
            check(v as u32);
        } else {
            let start = (v & 0xFFFF_FFFF) as usize;
            let len = (v >> 32) as usize;
            for &id in self.multi.get(start..start + len).unwrap_or(&[]) {
                check(id);
            }
        }
    }
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
        let idx = TypoIndex::build(vec![b"zorvexil".to_vec(), b"quandrith".to_vec()]).unwrap();
        for q in [
            "zorvaxil",
            "zorvexxil",
            "zorvxil",
            "zorvxeil",
            "quandirth",
            "qandrith",
        ] {
            let mut out = Vec::new();
            idx.corrections(q.as_bytes(), &mut out);
            assert_eq!(out.len(), 1, "{q}");
        }
        for q in ["zorvexil", "zarvexol", "unrelated"] {
            let mut out = Vec::new();
            idx.corrections(q.as_bytes(), &mut out);
            assert!(out.is_empty(), "{q}");
        }
    }
}
