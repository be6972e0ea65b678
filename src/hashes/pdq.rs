//! PDQ perceptual hashes (256 bits) matched by Hamming distance with multi-index hashing.
//!
//! The 256 bits are split into 16 chunks of 16 bits. By pigeonhole, a hash within distance `d` of
//! the query has at least one chunk within `floor(d / 16)` bits of the query's chunk: for the
//! default `d = 31` that is one bit, so each chunk is probed at its exact value and its 16 one-bit
//! flips (272 buckets in all) and every candidate is verified by a full popcount. Each chunk's
//! table is a CSR array (65,537 bucket starts + one entry id per hash), 4 bytes per hash per chunk.
//! Small lists, or distances of 48 and above (where probing explodes), use a linear scan.

use crate::verdict::Match;

/// The distance PDQ lists match within unless they declare `max_distance`.
pub const DEFAULT_MAX_DISTANCE: u32 = 31;

const CHUNKS: usize = 16;
const BUCKETS: usize = 1 << 16;
/// Below this many hashes a linear scan (a few microseconds) beats 4 MiB of bucket tables.
const SCAN_LIMIT: usize = 4096;
/// Largest per-chunk radius probed; above it the number of probes approaches a scan.
const MAX_RADIUS: u32 = 2;

/// A 256-bit PDQ hash, most significant word first (the order of its hex form). Aligned to 32
/// bytes so a hash never straddles two cache lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(align(32))]
pub struct PdqHash(pub [u64; 4]);

impl PdqHash {
    /// The hash of 32 bytes in the order of the hex digest.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let mut words = [0u64; 4];
        for (word, chunk) in words.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            *word = u64::from_be_bytes(b);
        }
        PdqHash(words)
    }

    /// Parses 64 hex digits (either case); `None` for anything else.
    pub fn from_hex(hex: &str) -> Option<Self> {
        super::parse_hex::<32>(hex.trim()).map(Self::from_bytes)
    }

    /// The 64 lowercase hex digits.
    pub fn to_hex(self) -> String {
        self.0.iter().map(|w| format!("{w:016x}")).collect()
    }

    /// Chunk `i` (0..16) of 16 bits, counted from the most significant end.
    fn chunk(self, i: usize) -> u16 {
        let word = self.0.get(i / 4).copied().unwrap_or(0);
        // Truncation to the low 16 bits is the point.
        (word >> (48 - 16 * (i % 4))) as u16
    }
}

/// Number of differing bits between two hashes.
pub fn hamming(a: PdqHash, b: PdqHash) -> u32 {
    a.0.iter().zip(b.0).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// One chunk's buckets: `ids[starts[v]..starts[v + 1]]` are the entries whose chunk equals `v`.
#[derive(Debug)]
struct ChunkTable {
    starts: Vec<u32>,
    ids: Vec<u32>,
}

/// Every listed PDQ hash with its posting and its list's distance.
#[derive(Debug, Default)]
pub(crate) struct PdqIndex {
    hashes: Vec<PdqHash>,
    postings: Vec<Match>,
    distances: Vec<u8>,
    /// The largest of `distances`.
    max_distance: u32,
    /// Empty: linear scan.
    tables: Vec<ChunkTable>,
    /// XOR masks probed in each chunk: every 16-bit value with at most `radius` bits set.
    masks: Vec<u16>,
}

impl PdqIndex {
    /// Indexes `(hash, posting, max distance)` triples.
    pub(crate) fn new(entries: Vec<(PdqHash, Match, u8)>) -> Self {
        Self::with_scan_limit(entries, SCAN_LIMIT)
    }

    /// As [`PdqIndex::new`], scanning linearly below `scan_limit` hashes (tests force the
    /// multi-index path on small sets with 0).
    pub(crate) fn with_scan_limit(entries: Vec<(PdqHash, Match, u8)>, scan_limit: usize) -> Self {
        let max = entries.iter().map(|e| u32::from(e.2)).max().unwrap_or(0);
        let radius = max / CHUNKS as u32;
        let mut index = PdqIndex {
            hashes: Vec::with_capacity(entries.len()),
            postings: Vec::with_capacity(entries.len()),
            distances: Vec::with_capacity(entries.len()),
            max_distance: max,
            tables: Vec::new(),
            masks: Vec::new(),
        };
        for (h, m, d) in entries {
            index.hashes.push(h);
            index.postings.push(m);
            index.distances.push(d);
        }
        let n = index.hashes.len();
        if n >= scan_limit && radius <= MAX_RADIUS && u32::try_from(n).is_ok() {
            index.masks = (0..=u16::MAX)
                .filter(|m| m.count_ones() <= radius)
                .collect();
            index.tables = index.tables();
        }
        index
    }

    /// Builds all 16 chunk tables in two passes over the hashes (count, then place), so a
    /// million hashes are read twice rather than 32 times.
    fn tables(&self) -> Vec<ChunkTable> {
        let mut starts = vec![vec![0u32; BUCKETS + 1]; CHUNKS];
        for h in &self.hashes {
            for (c, table) in starts.iter_mut().enumerate() {
                if let Some(s) = table.get_mut(usize::from(h.chunk(c)) + 1) {
                    *s += 1;
                }
            }
        }
        for table in &mut starts {
            let mut sum = 0u32;
            for s in table.iter_mut() {
                sum += *s;
                *s = sum;
            }
        }
        let mut cursors = starts.clone();
        let mut ids = vec![vec![0u32; self.hashes.len()]; CHUNKS];
        for (id, h) in (0u32..).zip(&self.hashes) {
            for (c, (cursor, ids)) in cursors.iter_mut().zip(&mut ids).enumerate() {
                if let Some(pos) = cursor.get_mut(usize::from(h.chunk(c))) {
                    if let Some(slot) = ids.get_mut(*pos as usize) {
                        *slot = id;
                    }
                    *pos += 1;
                }
            }
        }
        starts
            .into_iter()
            .zip(ids)
            .map(|(starts, ids)| ChunkTable { starts, ids })
            .collect()
    }

    /// Bytes of heap memory held by the index.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.hashes.capacity() * size_of::<PdqHash>()
            + self.postings.capacity() * size_of::<Match>()
            + self.distances.capacity()
            + self.masks.capacity() * 2
            + self
                .tables
                .iter()
                .map(|t| (t.starts.capacity() + t.ids.capacity()) * 4)
                .sum::<usize>()
    }

    /// True when lookups probe chunk tables rather than scan.
    #[cfg(test)]
    pub(crate) fn is_multi_index(&self) -> bool {
        !self.tables.is_empty()
    }

    /// Number of listed hashes.
    pub(crate) fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Every posting whose hash is within its list's distance of `query`, sorted, deduplicated.
    pub(crate) fn lookup(&self, query: PdqHash) -> Vec<Match> {
        let mut out = Vec::new();
        if self.tables.is_empty() {
            for id in 0..self.hashes.len() {
                self.verify(query, id, &mut out);
            }
        } else {
            for (c, table) in self.tables.iter().enumerate() {
                let v = query.chunk(c);
                for &mask in &self.masks {
                    let b = usize::from(v ^ mask);
                    let (Some(&lo), Some(&hi)) = (table.starts.get(b), table.starts.get(b + 1))
                    else {
                        continue;
                    };
                    let Some(ids) = table.ids.get(lo as usize..hi as usize) else {
                        continue;
                    };
                    for &id in ids {
                        self.verify(query, id as usize, &mut out);
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Only a hash within the index-wide maximum costs the further loads of its own distance
    /// and posting: nearly every candidate is rejected after touching one cache line.
    #[inline]
    fn verify(&self, query: PdqHash, id: usize, out: &mut Vec<Match>) {
        let Some(&h) = self.hashes.get(id) else {
            return;
        };
        let distance = hamming(query, h);
        if distance > self.max_distance {
            return;
        }
        if let (Some(&d), Some(&m)) = (self.distances.get(id), self.postings.get(id))
            && distance <= u32::from(d)
        {
            out.push(m);
        }
    }
}
