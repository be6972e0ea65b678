//! URL canonicalisation and URL-list lookup over 1,000,000 synthetic entries: time per URL
//! (canonicalise + look up, target ≤ 2 µs), load time and resident memory of the index.
//!
//! Run: `cargo bench --bench url`. Every iteration checks its answer (listed or not).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use searchward::lists::{Entry, ListKind, ListSpec};
use searchward::url::canonicalize;
use searchward::urlindex::{UrlIndex, UrlList};

const ENTRIES: usize = 1_000_000;
const PROBES: usize = 20_000;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SYLLABLES: &[&str] = &[
    "zor", "vex", "il", "quan", "drith", "vel", "mor", "ik", "tob", "marsk", "ada", "quill",
];
const TLDS: &[&str] = &["example", "invalid", "example.com", "example.net"];

fn word(rng: &mut Rng) -> String {
    (0..3)
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize])
        .collect()
}

/// Entry `i`: a whole host, a directory or a page on a host unique to `i`.
fn entry(i: usize, rng: &mut Rng) -> String {
    let host = format!(
        "{}-{i}.{}",
        word(rng),
        TLDS[rng.below(TLDS.len() as u64) as usize]
    );
    match i % 10 {
        0..=3 => format!("{host}/"),
        4..=6 => format!("https://{host}/{}/{}/", word(rng), word(rng)),
        _ => format!("{host}/{}/{}.html", word(rng), word(rng)),
    }
}

/// What a probe URL is, relative to the entry it is made from.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A page covered by the entry (on a subdomain of its host).
    Listed,
    /// The same path on a look-alike host that is not listed.
    OtherHost,
    /// A listed host (entry is a directory or page), another path: scans that host's records.
    OtherPath,
}

fn probe(entry: &str, kind: Kind, rng: &mut Rng) -> String {
    let c = canonicalize(entry).expect("synthetic entries are URLs");
    let host = match kind {
        Kind::OtherHost => format!("www.{}x", c.host()),
        _ => format!("www.{}", c.host()),
    };
    let path = c.path();
    let path = if kind == Kind::OtherPath {
        format!("/{}/{}.html", word(rng), word(rng))
    } else if path.ends_with('/') {
        format!("{path}{}/{}.html", word(rng), word(rng))
    } else {
        path.to_owned()
    };
    format!(
        "HTTPS://{host}:443{path}?utm_source={}#top",
        rng.below(1000)
    )
}

fn vm_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time of this thread in ns (`/proc/thread-self/schedstat`), so figures taken on a busy
/// machine are not inflated by waiting for a core.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// Runs `f` over `probes` `rounds` times; returns (CPU ns, wall ns) per call.
fn per_call(probes: &[(String, bool)], rounds: usize, mut f: impl FnMut(&str, bool)) -> (f64, f64) {
    let (cpu, wall) = (thread_cpu_ns(), Instant::now());
    for _ in 0..rounds {
        for (url, listed) in probes {
            f(black_box(url), *listed);
        }
    }
    let n = (rounds * probes.len()) as f64;
    (
        thread_cpu_ns().saturating_sub(cpu) as f64 / n,
        wall.elapsed().as_nanos() as f64 / n,
    )
}

fn bench(c: &mut Criterion) {
    let mut rng = Rng(0x5eed_2026);
    let texts: Vec<String> = (0..ENTRIES).map(|i| entry(i, &mut rng)).collect();
    let entries: Vec<Entry> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Entry {
            line: i as u32 + 1,
            text: t.clone(),
        })
        .collect();
    let spec = ListSpec::from_flag(ListKind::Urls, PathBuf::from("bench-urls.txt"));
    let lists = [UrlList {
        id: 0,
        spec: &spec,
        entries: &entries,
    }];

    let rss_before = vm_rss_kib();
    let start = Instant::now();
    let index = UrlIndex::build(&lists).expect("synthetic list builds");
    let load = start.elapsed();
    let rss_after = vm_rss_kib();
    assert_eq!(index.len(), ENTRIES);
    println!(
        "url index: {ENTRIES} entries loaded in {load:.2?}; VmRSS {rss_after} KiB \
         (+{} KiB for the index)",
        rss_after.saturating_sub(rss_before)
    );

    // Half listed, a quarter on unlisted hosts, a quarter on listed hosts but other paths
    // (entries i % 10 >= 4 are directories or pages, so another path is not covered).
    let mut tagged: Vec<(String, bool, Kind)> = Vec::with_capacity(PROBES);
    for k in 0..PROBES {
        let kind = [Kind::Listed, Kind::OtherHost, Kind::Listed, Kind::OtherPath][k % 4];
        let mut i = rng.below(ENTRIES as u64) as usize;
        if kind == Kind::OtherPath && i % 10 < 4 {
            i += 4;
        }
        let i = i.min(ENTRIES - 1);
        let url = probe(&texts[i], kind, &mut rng);
        tagged.push((url, kind == Kind::Listed, kind));
    }
    let probes: Vec<(String, bool)> = tagged.iter().map(|(u, l, _)| (u.clone(), *l)).collect();
    for (url, listed) in &probes {
        assert_eq!(!index.lookup(url).is_empty(), *listed, "{url}");
    }

    let subset = |want: Kind| -> Vec<(String, bool)> {
        tagged
            .iter()
            .filter(|(_, _, k)| *k == want)
            .map(|(u, l, _)| (u.clone(), *l))
            .collect()
    };
    let sets = [
        ("listed", subset(Kind::Listed)),
        ("unlisted host", subset(Kind::OtherHost)),
        ("listed host, other path", subset(Kind::OtherPath)),
    ];
    for (name, set) in &sets {
        let (cpu, wall) = per_call(set, 10, |url, _| {
            assert!(canonicalize(url).is_ok());
        });
        println!("canonicalize ({name}): {cpu:.0} ns CPU, {wall:.0} ns wall per URL");
        let (cpu, wall) = per_call(set, 10, |url, listed| {
            assert_eq!(!index.lookup(url).is_empty(), listed);
        });
        println!("canonicalize+lookup ({name}): {cpu:.0} ns CPU, {wall:.0} ns wall per URL");
    }

    let mut group = c.benchmark_group("url");
    let mut k = 0;
    group.bench_function("canonicalize", |b| {
        b.iter(|| {
            let (url, _) = &probes[k % PROBES];
            k += 1;
            let c = canonicalize(black_box(url)).expect("probe URLs are URLs");
            assert!(c.host().starts_with("www."));
            c
        })
    });
    let mut k = 0;
    group.bench_function("canonicalize+lookup 1M", |b| {
        b.iter(|| {
            let (url, listed) = &probes[k % PROBES];
            k += 1;
            let matches = index.lookup(black_box(url));
            assert_eq!(!matches.is_empty(), *listed);
            matches
        })
    });
    group.finish();

    let mut group = c.benchmark_group("url-load");
    group.sample_size(10);
    group.bench_function("build 1M", |b| {
        b.iter(|| {
            let index = UrlIndex::build(black_box(&lists)).expect("builds");
            assert_eq!(index.len(), ENTRIES);
            index
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
