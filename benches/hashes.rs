//! Hash list benchmarks: 1,000,000 MD5 digests and 1,000,000 random PDQ hashes (seeded PRNG).
//! Exact lookups (hit, miss, and a `HashMap` baseline), PDQ lookups at distance 31 (hits: a
//! listed hash with up to 31 random bit flips; misses: random hashes) and a linear-scan PDQ
//! baseline. Load time and resident memory (VmRSS) are printed once before the timings.
//! Every iteration checks its answer.
//!
//! Run: `cargo bench --bench hashes` (quick check: `cargo bench --bench hashes -- --test`).

use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use searchward::hashes::{HashIndex, HashList, PdqHash, hamming};
use searchward::lists::{Entry, HashAlgorithm, ListKind, ListSpec};
use searchward::verdict::Match;

const N: usize = 1_000_000;
const QUERIES: usize = 1024;

/// splitmix64: small, seeded, good enough for synthetic digests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn vm_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn spec(name: &str, algorithm: HashAlgorithm) -> ListSpec {
    ListSpec {
        algorithm: Some(algorithm),
        ..ListSpec::from_flag(ListKind::Hashes, PathBuf::from(format!("{name}.txt")))
    }
}

fn entries(hexes: &[String]) -> Vec<Entry> {
    (1u32..)
        .zip(hexes)
        .map(|(line, text)| Entry {
            line,
            text: text.clone(),
        })
        .collect()
}

/// Builds one list into an index, printing load time, the index's heap size and VmRSS.
fn load(name: &str, algorithm: HashAlgorithm, hexes: &[String]) -> HashIndex {
    let before = vm_rss_kib();
    let e = entries(hexes);
    let s = spec(name, algorithm);
    let started = Instant::now();
    let index = HashIndex::build(&[HashList {
        id: 0,
        spec: &s,
        entries: &e,
    }])
    .expect("synthetic digests are well-formed");
    let took = started.elapsed();
    drop(e);
    eprintln!(
        "load {name}: {} entries in {:.0} ms; index heap {:.1} MiB; VmRSS {:.1} MiB before \
         the list, {:.1} MiB after (list texts dropped)",
        index.len(algorithm),
        took.as_secs_f64() * 1e3,
        index.heap_bytes() as f64 / (1024.0 * 1024.0),
        before as f64 / 1024.0,
        vm_rss_kib() as f64 / 1024.0,
    );
    index
}

fn flip(mut h: PdqHash, rng: &mut Rng, k: u64) -> PdqHash {
    // Distinct bits only: flipping a bit twice would undo it.
    let mut done = [false; 256];
    let mut flipped = 0u64;
    while flipped < k {
        let bit = rng.below(256) as usize;
        if !done[bit] {
            done[bit] = true;
            h.0[bit / 64] ^= 1 << (bit % 64);
            flipped += 1;
        }
    }
    h
}

fn bench_md5(c: &mut Criterion) {
    let mut rng = Rng(0x5EED_0001);
    let digests: Vec<[u8; 16]> = (0..N)
        .map(|_| {
            let mut d = [0u8; 16];
            d[..8].copy_from_slice(&rng.next().to_be_bytes());
            d[8..].copy_from_slice(&rng.next().to_be_bytes());
            d
        })
        .collect();
    let hexes: Vec<String> = digests.iter().map(hex::encode).collect();
    let index = load("md5", HashAlgorithm::Md5, &hexes);

    let hits: Vec<(String, Match)> = (0..QUERIES)
        .map(|_| {
            let i = rng.below(N as u64) as usize;
            let m = Match {
                list: 0,
                line: i as u32 + 1,
            };
            (hexes[i].to_uppercase(), m)
        })
        .collect();
    let misses: Vec<String> = (0..QUERIES)
        .map(|_| format!("{:016x}{:016x}", rng.next(), rng.next()))
        .collect();
    for (q, m) in &hits {
        assert_eq!(index.lookup(HashAlgorithm::Md5, q), vec![*m]);
    }

    let mut g = c.benchmark_group("md5_1m");
    let mut i = 0usize;
    g.bench_function("sorted_hit", |b| {
        b.iter(|| {
            i = (i + 1) % QUERIES;
            let (q, m) = &hits[i];
            let got = index.lookup(HashAlgorithm::Md5, black_box(q));
            assert!(got.len() == 1 && got[0] == *m);
        })
    });
    g.bench_function("sorted_miss", |b| {
        b.iter(|| {
            i = (i + 1) % QUERIES;
            assert!(
                index
                    .lookup(HashAlgorithm::Md5, black_box(&misses[i]))
                    .is_empty()
            );
        })
    });
    // Baseline: std HashMap with the same hex decoding, to justify the sorted array.
    let before = vm_rss_kib();
    let map: HashMap<[u8; 16], u32> = digests
        .iter()
        .zip(1u32..)
        .map(|(d, line)| (*d, line))
        .collect();
    eprintln!(
        "hashmap baseline: +{:.1} MiB VmRSS",
        vm_rss_kib().saturating_sub(before) as f64 / 1024.0
    );
    g.bench_function("hashmap_hit", |b| {
        b.iter(|| {
            i = (i + 1) % QUERIES;
            let (q, m) = &hits[i];
            let mut d = [0u8; 16];
            hex::decode_to_slice(black_box(q), &mut d).expect("hex");
            assert_eq!(map.get(&d).copied(), Some(m.line));
        })
    });
    g.finish();
}

fn bench_pdq(c: &mut Criterion) {
    let mut rng = Rng(0x5EED_0002);
    let hashes: Vec<PdqHash> = (0..N)
        .map(|_| PdqHash([rng.next(), rng.next(), rng.next(), rng.next()]))
        .collect();
    let hexes: Vec<String> = hashes.iter().map(|h| h.to_hex()).collect();
    let index = load("pdq", HashAlgorithm::Pdq, &hexes);

    let hits: Vec<(String, Match)> = (0..QUERIES)
        .map(|_| {
            let i = rng.below(N as u64) as usize;
            let k = rng.below(32);
            let q = flip(hashes[i], &mut rng, k);
            assert_eq!(hamming(q, hashes[i]) as u64, k);
            (
                q.to_hex(),
                Match {
                    list: 0,
                    line: i as u32 + 1,
                },
            )
        })
        .collect();
    let misses: Vec<String> = (0..QUERIES)
        .map(|_| PdqHash([rng.next(), rng.next(), rng.next(), rng.next()]).to_hex())
        .collect();
    for (q, m) in &hits {
        assert_eq!(index.lookup(HashAlgorithm::Pdq, q), vec![*m]);
    }

    let mut g = c.benchmark_group("pdq_1m_d31");
    g.measurement_time(Duration::from_secs(5));
    let mut i = 0usize;
    g.bench_function("multi_index_hit", |b| {
        b.iter(|| {
            i = (i + 1) % QUERIES;
            let (q, m) = &hits[i];
            let got = index.lookup(HashAlgorithm::Pdq, black_box(q));
            assert!(got.len() == 1 && got[0] == *m);
        })
    });
    g.bench_function("multi_index_miss", |b| {
        b.iter(|| {
            i = (i + 1) % QUERIES;
            assert!(
                index
                    .lookup(HashAlgorithm::Pdq, black_box(&misses[i]))
                    .is_empty()
            );
        })
    });
    g.sample_size(10);
    g.bench_function("linear_scan_hit", |b| {
        b.iter(|| {
            i = (i + 1) % QUERIES;
            let (q, m) = &hits[i];
            let q = PdqHash::from_hex(black_box(q)).expect("hex");
            let found = hashes.iter().position(|h| hamming(*h, q) <= 31);
            assert_eq!(found, Some(m.line as usize - 1));
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench_md5, bench_pdq
}
criterion_main!(benches);
