//! Sealed lists against plain lists: 1,000,000 synthetic terms and 100,000 fabricated names,
//! compiled once as plain lists (whole tokens, no typo tolerance, as sealed lists match) and once
//! sealed with a fixed key; then typical 20–40 character queries (a third of them carrying an
//! evaded entry) checked against each, every answer asserted. Prints build time and hash counts;
//! criterion reports the per-query cost of each. Everything is synthetic: no real terms or names.
//!
//! Run: `cargo bench --bench sealed`; `-- --test` checks the answers on lists a hundred times
//! smaller.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use searchward::lists::{Entry, ListKind, ListSpec};
use searchward::matcher::{Scratch, TermMatcher, TextList};
use searchward::sealed::{KEY_BYTES, SealKey, SealedIndex, SealedList, seal};
use searchward::verdict::Verdict;

#[path = "common/synth.rs"]
mod synth;
use synth::{Rng, scale, word};

const TERMS: usize = 1_000_000;
const NAMES: usize = 100_000;
const QUERIES: usize = 300;

const BENIGN: [&str; 24] = [
    "how", "to", "make", "bread", "weather", "tomorrow", "in", "london", "best", "cheap",
    "flights", "football", "scores", "today", "recipe", "for", "pasta", "near", "me", "opening",
    "hours", "library", "train", "times",
];

/// Whether `text` without its spaces is two or three benign words run together. The plain
/// matcher reads a word split by spaces (`me train` for an entry `metrain`): that is an evasion
/// it is built to catch, so such entries would turn a benign query into a true match.
fn spelled_by_benign(text: &str) -> bool {
    let joined: String = text.split(' ').collect();
    BENIGN.iter().any(|a| {
        joined.strip_prefix(a).is_some_and(|rest| {
            BENIGN.iter().any(|b| {
                rest == *b
                    || rest
                        .strip_prefix(b)
                        .is_some_and(|rest| BENIGN.contains(&rest))
            })
        })
    })
}

fn entries(rng: &mut Rng, n: usize, names: bool) -> Vec<Entry> {
    (0..n)
        .map(|i| {
            let words = if names {
                2
            } else {
                1 + usize::from(rng.below(4) == 0)
            };
            let text = loop {
                let text = (0..words)
                    .map(|_| {
                        let n = 2 + rng.below(2);
                        word(rng, n)
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                if !spelled_by_benign(&text) {
                    break text;
                }
            };
            Entry {
                line: i as u32 + 1,
                text,
            }
        })
        .collect()
}

/// Evasions both matchers handle: case, leet, a Cyrillic homoglyph, joined words, reversed names.
fn evade(text: &str, how: usize) -> String {
    match how {
        0 => text.to_owned(),
        1 => text.to_uppercase(),
        2 => text.replace('e', "3").replace('o', "0").replace('a', "4"),
        3 => text.replace('o', "о"),
        _ => text.replace(' ', ""),
    }
}

struct Query {
    text: String,
    expect: Option<(u32, u32)>,
}

fn queries(rng: &mut Rng, terms: &[Entry], names: &[Entry]) -> Vec<Query> {
    (0..QUERIES)
        .map(|i| {
            let mut parts: Vec<String> = (0..2 + rng.below(3))
                .map(|_| BENIGN[rng.below(BENIGN.len())].to_owned())
                .collect();
            let expect = match i % 6 {
                0 => {
                    let e = &terms[rng.below(terms.len())];
                    parts.insert(rng.below(parts.len() + 1), evade(&e.text, rng.below(5)));
                    Some((0, e.line))
                }
                1 => {
                    let e = &names[rng.below(names.len())];
                    let (a, b) = e.text.split_once(' ').unwrap_or((&e.text, ""));
                    parts.insert(
                        rng.below(parts.len() + 1),
                        evade(&format!("{b} {a}"), rng.below(5)),
                    );
                    Some((1, e.line))
                }
                _ => None,
            };
            Query {
                text: parts.join(" "),
                expect,
            }
        })
        .collect()
}

fn ok(q: &Query, v: &Verdict) -> bool {
    match q.expect {
        None => v.is_allow(),
        Some((list, line)) => v.matches.iter().any(|m| m.list == list && m.line == line),
    }
}

fn sealed(c: &mut Criterion) {
    let mut rng = Rng(0x5EED_5EA1_ED00_0001);
    let terms = entries(&mut rng, TERMS / scale(), false);
    let names = entries(&mut rng, NAMES / scale(), true);
    let qs = queries(&mut rng, &terms, &names);
    let mut term_spec = ListSpec::from_flag(ListKind::Terms, PathBuf::from("terms.txt"));
    let mut name_spec = ListSpec::from_flag(ListKind::Victims, PathBuf::from("names.txt"));
    term_spec.typos = false;
    name_spec.typos = false;

    let t = Instant::now();
    let plain = TermMatcher::build(&[
        TextList {
            id: 0,
            spec: &term_spec,
            entries: &terms,
        },
        TextList {
            id: 1,
            spec: &name_spec,
            entries: &names,
        },
    ])
    .expect("synthetic lists compile");
    println!(
        "sealed bench: plain build {:.2?}, {} keys",
        t.elapsed(),
        plain.stats().keys
    );

    let key = SealKey::from_bytes(&[0x42; KEY_BYTES]);
    let t = Instant::now();
    let seal_list = |list: &[Entry], kind| {
        let lines = vec![""; list.len()];
        seal(list, &lines, kind, &key, Path::new("bench.txt")).expect("synthetic lists seal")
    };
    let (sealed_terms, sealed_names) = (
        seal_list(&terms, ListKind::Terms),
        seal_list(&names, ListKind::Victims),
    );
    let seal_time = t.elapsed();
    let t = Instant::now();
    let index = SealedIndex::build(&[
        SealedList {
            id: 0,
            spec: &term_spec,
            bytes: sealed_terms.as_bytes(),
            key: &key,
        },
        SealedList {
            id: 1,
            spec: &name_spec,
            bytes: sealed_names.as_bytes(),
            key: &key,
        },
    ])
    .expect("sealed lists load");
    println!(
        "sealed bench: sealing {seal_time:.2?} ({:.1} MiB of text), loading {:.2?}, {} hashes",
        (sealed_terms.len() + sealed_names.len()) as f64 / 1048576.0,
        t.elapsed(),
        index.hashes()
    );
    drop((sealed_terms, sealed_names));

    for q in &qs {
        let v = plain.check(&q.text);
        let texts = |v: &Verdict| {
            v.matches
                .iter()
                .map(|m| {
                    let list = if m.list == 0 { &terms } else { &names };
                    list[m.line as usize - 1].text.clone()
                })
                .collect::<Vec<_>>()
        };
        assert!(
            ok(q, &v),
            "plain: {:?} for {:?}: {:?}",
            q.expect,
            q.text,
            texts(&v)
        );
        let v = index.check(&q.text);
        assert!(
            ok(q, &v),
            "sealed: {:?} for {:?}: {:?}",
            q.expect,
            q.text,
            texts(&v)
        );
    }
    drop((terms, names));
    let avg = qs.iter().map(|q| q.text.len()).sum::<usize>() as f64 / qs.len() as f64;
    println!(
        "sealed bench: {} queries, {avg:.1} bytes on average",
        qs.len()
    );

    let mut g = c.benchmark_group("sealed");
    let mut scratch = Scratch::default();
    let mut i = 0;
    g.bench_function("plain_per_query", |b| {
        b.iter(|| {
            let q = &qs[i % qs.len()];
            i += 1;
            let v = plain.check_with(black_box(&q.text), &mut scratch);
            assert!(ok(q, &v));
        })
    });
    let mut i = 0;
    g.bench_function("sealed_per_query", |b| {
        b.iter(|| {
            let q = &qs[i % qs.len()];
            i += 1;
            let v = index.check(black_box(&q.text));
            assert!(ok(q, &v));
        })
    });
    g.finish();
}

criterion_group!(benches, sealed);
criterion_main!(benches);
