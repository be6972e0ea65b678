//! One-edit typo tolerance for long tokens by symmetric deletion: every listed token of 7+ letters
//! is indexed with its one-letter deletions at load; a query token looks up itself and its own
//! deletions, and each candidate is verified (insertion, deletion, substitution, transposition).
//!
//! The deletions live in an open-addressing hash table rather than an FST: a lookup is one probe
//! into (usually) one cache line, where walking a 9M-key FST touched a cold node per letter, and
//! the table is filled in one pass instead of sorting every variant. Hashes are polynomial, so a
//! query's deletion variants are hashed in O(1) each from its prefix and suffix hashes. A slot
//! keeps 48 bits of the variant's hash and a code saying how to rebuild the listed token from the
//! variant (the deleted position and letter); a fingerprint collision can only add a candidate,
//! which must still be one edit from the query and is then looked up in the term FST like any
//! other reading, so it never creates a match that is not listed.

use super::MatcherError;
use crate::mempages::{Pages, Region};

/// Tokens shorter than this are corrected only as a word of a multi-word entry whose other
/// words are there as listed (see [`MIN_PART_TYPO_LEN`]): short words collide too easily.
pub const MIN_TYPO_LEN: usize = 7;
/// Words of a multi-word entry from this length on are indexed too; a correction to one counts
/// only inside a match of the whole entry.
pub const MIN_PART_TYPO_LEN: usize = 5;
/// Shorter words of a multi-word entry, from this length on, are held without their deletions:
/// enough to tell that a query's word is listed (see [`TypoIndex::holds`]), never a correction.
pub const MIN_HELD_LEN: usize = 2;
/// Query tokens longer than this are not corrected (bounds per-query work).
const MAX_TYPO_LEN: usize = 40;

/// Code of a key that is a listed token itself (not one of its deletions).
const SELF: u16 = 0xFFFF;
/// Code of a held short word (see [`MIN_HELD_LEN`]); deletion codes stay below `40 << 8`.
const HELD: u16 = 0xFFFE;
/// The low bits of a slot hold the code; the rest is the hash fingerprint. A code is never 0
/// (letters are not NUL), so 0 marks an empty slot.
const CODE_MASK: u64 = 0xFFFF;
/// Base of the polynomial hash (odd, so every power is invertible mod 2^64).
const BASE: u64 = 0x9E37_79B9_7F4A_7C15;
/// `BASE^k` for every exponent a token within [`MAX_TYPO_LEN`] needs.
const POW: [u64; MAX_TYPO_LEN + 2] = powers();

const fn powers() -> [u64; MAX_TYPO_LEN + 2] {
    let mut p = [1u64; MAX_TYPO_LEN + 2];
    let mut i = 1;
    while i < p.len() {
        p[i] = p[i - 1].wrapping_mul(BASE);
        i += 1;
    }
    p
}

/// The deletion index of the listed long tokens: slots of `fingerprint | code`, found by linear
/// probing from the hash's home slot until an empty slot.
#[derive(Debug)]
pub(super) struct TypoIndex {
    slots: Region,
    /// Number of slots (the table is `len * 8` bytes).
    len: usize,
    tokens: usize,
}

/// Prefix and suffix hashes of one token, from which the hash of the token and of each of its
/// one-letter deletions follows in O(1).
struct Hashes {
    /// `prefix[i]` hashes `t[..i]`.
    prefix: [u64; MAX_TYPO_LEN + 1],
    /// `suffix[i]` hashes `t[i..]` (as the tail of a string: powers count from its end).
    suffix: [u64; MAX_TYPO_LEN + 2],
    n: usize,
}

impl Hashes {
    /// `t` must be at most [`MAX_TYPO_LEN`] bytes.
    fn new(t: &[u8]) -> Self {
        let n = t.len().min(MAX_TYPO_LEN);
        let mut h = Hashes {
            prefix: [0; MAX_TYPO_LEN + 1],
            suffix: [0; MAX_TYPO_LEN + 2],
            n,
        };
        for (i, &b) in t.iter().take(n).enumerate() {
            h.prefix[i + 1] = h.prefix[i].wrapping_mul(BASE).wrapping_add(u64::from(b));
        }
        for i in (0..n).rev() {
            h.suffix[i] = u64::from(t[i])
                .wrapping_mul(POW[n - 1 - i])
                .wrapping_add(h.suffix[i + 1]);
        }
        h
    }

    /// The hash of the whole token.
    fn whole(&self) -> u64 {
        mix(self.suffix[0], self.n)
    }

    /// The hash of the token less the byte at `i`.
    fn without(&self, i: usize) -> u64 {
        let raw = self.prefix[i]
            .wrapping_mul(POW[self.n - 1 - i])
            .wrapping_add(self.suffix[i + 1]);
        mix(raw, self.n - 1)
    }
}

/// Spreads a polynomial hash (and its length) over all 64 bits (murmur3's finaliser).
fn mix(raw: u64, len: usize) -> u64 {
    let mut h = raw ^ (len as u64).wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    h ^ (h >> 33)
}

impl TypoIndex {
    /// Builds the index over `tokens` (skeleton tokens in one-byte codes, of
    /// [`MIN_PART_TYPO_LEN`] letters or more) and the `held` short words (any order, duplicates
    /// allowed; lengths outside each range are dropped).
    pub fn build(mut tokens: Vec<Vec<u8>>, mut held: Vec<Vec<u8>>) -> Result<Self, MatcherError> {
        // A word that squeezing repeats made short is held.
        held.extend(
            tokens
                .iter()
                .filter(|t| t.len() < MIN_PART_TYPO_LEN)
                .cloned(),
        );
        tokens.retain(|t| t.len() >= MIN_PART_TYPO_LEN && t.len() <= MAX_TYPO_LEN);
        tokens.sort_unstable();
        tokens.dedup();
        held.retain(|t| (MIN_HELD_LEN..MIN_PART_TYPO_LEN).contains(&t.len()));
        held.sort_unstable();
        held.dedup();
        let entries: usize = tokens
            .iter()
            .map(|t| distinct_deletions(t) + 1)
            .sum::<usize>()
            + held.len();
        // Load factor at most 0.7: a miss (the common case) then scans a few slots of one or two
        // cache lines.
        let len = (entries + entries * 3 / 7 + 8).next_multiple_of(8);
        let bytes = len.checked_mul(8).ok_or(MatcherError::TooLarge)?;
        let mut pages = Pages::zeroed(bytes);
        let slots = pages.as_mut();
        for t in &tokens {
            let h = Hashes::new(t);
            insert(slots, h.whole(), SELF);
            for i in 0..t.len() {
                if i == 0 || t[i] != t[i - 1] {
                    // Deleting any letter of a run gives the same variant: keep the first.
                    let code = (u16::try_from(i).map_err(|_| MatcherError::TooLarge)? << 8)
                        | u16::from(t[i]);
                    insert(slots, h.without(i), code);
                }
            }
        }
        for t in &held {
            insert(slots, Hashes::new(t).whole(), HELD);
        }
        Ok(TypoIndex {
            slots: Region::whole(pages),
            len,
            tokens: tokens.len(),
        })
    }

    /// A table read back from a compiled file: `slots` holds `len` little-endian slots.
    pub fn from_parts(slots: Region, len: usize, tokens: usize) -> Self {
        TypoIndex { slots, len, tokens }
    }

    /// Number of slots.
    pub fn slot_count(&self) -> usize {
        self.len
    }

    /// Number of distinct listed tokens indexed.
    pub fn token_count(&self) -> usize {
        self.tokens
    }

    /// The slots, as stored.
    pub fn slot_bytes(&self) -> &[u8] {
        self.slots.as_ref()
    }

    /// True when no list asked for typo tolerance.
    pub fn is_empty(&self) -> bool {
        self.tokens == 0
    }

    /// Bytes used by the index.
    pub fn heap_bytes(&self) -> usize {
        self.slots.as_ref().len()
    }

    fn slot(&self, i: usize) -> u64 {
        read(self.slots.as_ref(), i)
    }

    /// Calls `each` with the code of every slot whose fingerprint is `hash`'s.
    fn probe(&self, hash: u64, mut each: impl FnMut(u16)) {
        let mut i = home(hash, self.len);
        let want = hash & !CODE_MASK;
        // A full table cannot happen (load ≤ 0.6), but the loop is bounded all the same.
        for _ in 0..self.len {
            let s = self.slot(i);
            if s == 0 {
                return;
            }
            if s & !CODE_MASK == want {
                each((s & CODE_MASK) as u16);
            }
            i = if i + 1 == self.len { 0 } else { i + 1 };
        }
    }

    /// True when `q` is (by its 48-bit fingerprint) a listed token itself, or a held short
    /// word: one probe.
    pub fn holds(&self, q: &[u8]) -> bool {
        if self.is_empty() || q.len() < MIN_HELD_LEN || q.len() > MAX_TYPO_LEN {
            return false;
        }
        let mut found = false;
        self.probe(Hashes::new(q).whole(), |code| {
            found |= code == SELF || code == HELD;
        });
        found
    }

    /// Appends the listed tokens one edit away from `q` (never `q` itself) to `out`, each as a
    /// byte range of `arena`.
    pub fn corrections(&self, q: &[u8], arena: &mut Vec<u8>, out: &mut Vec<(u32, u32)>) {
        if self.is_empty() || q.len() + 1 < MIN_PART_TYPO_LEN || q.len() > MAX_TYPO_LEN {
            return;
        }
        let first = out.len();
        let h = Hashes::new(q);
        // Every key first (the token, then each distinct deletion), and the home slot of each
        // read in one tight loop: the reads are independent, so their cache misses overlap
        // instead of following one another. Most keys are absent and end at that slot or in
        // its cache line.
        let mut keys = [(0u64, None::<usize>); MAX_TYPO_LEN + 1];
        let mut n = 0;
        for (i, key) in std::iter::once((h.whole(), None))
            .chain(
                (0..q.len())
                    .filter(|&i| i == 0 || q[i] != q[i - 1])
                    .map(|i| (h.without(i), Some(i))),
            )
            .enumerate()
        {
            if let Some(k) = keys.get_mut(i) {
                *k = key;
                n = i + 1;
            }
        }
        let mut homes = [0u64; MAX_TYPO_LEN + 1];
        for (home_slot, &(hash, _)) in homes.iter_mut().zip(&keys[..n]) {
            *home_slot = self.slot(home(hash, self.len));
        }
        for (&(hash, deleted), &at_home) in keys[..n].iter().zip(&homes) {
            if at_home == 0 {
                continue;
            }
            self.probe(hash, |code| {
                candidate(code, deleted, q, arena, out, first);
            });
        }
    }
}

/// Number of distinct one-letter deletions of `t` (a run of one letter gives one).
fn distinct_deletions(t: &[u8]) -> usize {
    (0..t.len()).filter(|&i| i == 0 || t[i] != t[i - 1]).count()
}

/// The home slot of `hash` in a table of `len` slots (multiply-shift: no power-of-two size).
fn home(hash: u64, len: usize) -> usize {
    ((u128::from(hash) * len as u128) >> 64) as usize
}

/// Slot `i` of a table of little-endian u64 slots (0, empty, when out of range).
fn read(slots: &[u8], i: usize) -> u64 {
    slots
        .get(i * 8..i * 8 + 8)
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map_or(0, u64::from_le_bytes)
}

fn insert(slots: &mut [u8], hash: u64, code: u16) {
    let len = slots.len() / 8;
    let mut i = home(hash, len);
    let value = (hash & !CODE_MASK) | u64::from(code);
    for _ in 0..len {
        if read(slots, i) == 0 {
            if let Some(s) = slots.get_mut(i * 8..i * 8 + 8) {
                s.copy_from_slice(&value.to_le_bytes());
            }
            return;
        }
        i = if i + 1 == len { 0 } else { i + 1 };
    }
}

/// Rebuilds the listed token behind a found code from the key (`q`, or `q` less the byte at
/// `deleted`), keeping it when it is one edit from `q`, not `q` itself and not yet found.
fn candidate(
    code: u16,
    deleted: Option<usize>,
    q: &[u8],
    arena: &mut Vec<u8>,
    out: &mut Vec<(u32, u32)>,
    first: usize,
) {
    let key = |k: usize| match deleted {
        Some(d) if k >= d => q.get(k + 1).copied(),
        _ => q.get(k).copied(),
    };
    if code == HELD {
        return;
    }
    let key_len = q.len() - usize::from(deleted.is_some());
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
        let idx = TypoIndex::build(
            vec![
                b"zorvexil".to_vec(),
                b"quandrith".to_vec(),
                b"zorvexin".to_vec(),
            ],
            vec![b"liam".to_vec(), b"ora".to_vec()],
        )
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
            ("a held word is no correction", "liamx", &[]),
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
        for (q, want) in [
            ("zorvexil", true),
            ("liam", true),
            ("ora", true),
            ("liax", false),
            ("zorvexi", false),
            ("l", false),
        ] {
            assert_eq!(idx.holds(q.as_bytes()), want, "holds {q}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// The index finds exactly the listed tokens one edit from the query, also for tokens
        /// longer than the sort prefix and tokens sharing long prefixes.
        #[test]
        fn corrections_match_brute_force(
            tokens in proptest::collection::vec("(zorvexilquandrith){0,1}[abc]{5,14}", 1..24),
            held in proptest::collection::vec("[abc]{2,4}", 0..8),
            pick in 0usize..24,
            edit in "[abc]{0,2}",
        ) {
            let list: Vec<Vec<u8>> = tokens.iter().map(|t| t.as_bytes().to_vec()).collect();
            let short: Vec<Vec<u8>> = held.iter().map(|t| t.as_bytes().to_vec()).collect();
            let idx = TypoIndex::build(list.clone(), short).unwrap();
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
                .filter(|t| (MIN_PART_TYPO_LEN..=MAX_TYPO_LEN).contains(&t.len()))
                .filter(|t| t.as_slice() != q.as_slice() && within_one_edit(t, &q))
                .map(Vec::as_slice)
                .collect();
            want.sort_unstable();
            want.dedup();
            if q.len() + 1 < MIN_PART_TYPO_LEN || q.len() > MAX_TYPO_LEN {
                want.clear();
            }
            proptest::prop_assert_eq!(got, want);
        }
    }
}
