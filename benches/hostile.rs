//! Hostile queries: the inputs the matchers' unit tests answer correctly (20,000 repeated short
//! tokens before an entry, long runs of ambiguous glyphs, alternating digits and letters, dotted
//! runs), timed here rather than asserted in a test. Plain and sealed matchers over the same small
//! synthetic lists; every iteration checks its answer.
//!
//! Run: `cargo bench --bench hostile`; `-- --test` runs each case once.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use searchward::lists::{Entry, ListKind, ListSpec};
use searchward::matcher::{Scratch, TermMatcher, TextList};
use searchward::sealed::{KEY_BYTES, SealKey, SealedIndex, SealedList, seal};

const ENTRIES: [&str; 3] = ["a b c d", "aaaaaaaab", "zorvexil"];

fn cases() -> Vec<(&'static str, String, bool)> {
    vec![
        ("spaced_then_entry", "a ".repeat(20_000) + "zorvexil", true),
        (
            "x_spaced_then_entry",
            "x ".repeat(20_000) + "zorvexil",
            true,
        ),
        ("one_bar_runs", "1|".repeat(10_000), false),
        (
            "digit_letter_runs",
            format!("a{}", "1a".repeat(30_000)),
            false,
        ),
        ("dotted_runs", "a.".repeat(30_000), false),
    ]
}

fn hostile(c: &mut Criterion) {
    let entries: Vec<Entry> = ENTRIES
        .iter()
        .enumerate()
        .map(|(i, t)| Entry {
            line: i as u32 + 1,
            text: (*t).to_owned(),
        })
        .collect();
    let mut spec = ListSpec::from_flag(ListKind::Terms, PathBuf::from("terms.txt"));
    spec.typos = false;
    let plain = TermMatcher::build(&[TextList {
        id: 0,
        spec: &spec,
        entries: &entries,
    }])
    .expect("synthetic list compiles");
    let key = SealKey::from_bytes(&[0x42; KEY_BYTES]);
    let lines = vec![""; entries.len()];
    let sealed_text = seal(
        &entries,
        &lines,
        ListKind::Terms,
        &key,
        Path::new("bench.txt"),
    )
    .expect("synthetic list seals");
    let sealed = SealedIndex::build(&[SealedList {
        id: 0,
        spec: &spec,
        bytes: sealed_text.as_bytes(),
        key: &key,
    }])
    .expect("sealed list loads");

    let mut g = c.benchmark_group("hostile");
    g.sample_size(10);
    let mut scratch = Scratch::default();
    for (name, query, flagged) in cases() {
        g.bench_function(format!("plain_{name}"), |b| {
            b.iter(|| {
                let v = plain.check_with(black_box(&query), &mut scratch);
                assert_eq!(!v.is_allow(), flagged, "plain {name}");
            })
        });
        g.bench_function(format!("sealed_{name}"), |b| {
            b.iter(|| {
                let v = sealed.check(black_box(&query));
                assert_eq!(!v.is_allow(), flagged, "sealed {name}");
            })
        });
    }
    g.finish();
}

criterion_group!(benches, hostile);
criterion_main!(benches);
