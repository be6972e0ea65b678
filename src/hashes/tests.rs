//! Unit tests of hash list compilation and lookup: named cases plus a property test of the PDQ
//! multi-index against a naive linear scan.

use std::path::PathBuf;

use proptest::prelude::*;

use super::pdq::PdqIndex;
use super::*;
use crate::lists::{ListKind, parse_reader};

fn spec(name: &str, algorithm: HashAlgorithm, max_distance: Option<u32>) -> ListSpec {
    ListSpec {
        algorithm: Some(algorithm),
        max_distance,
        ..ListSpec::from_flag(ListKind::Hashes, PathBuf::from(format!("{name}.txt")))
    }
}

fn entries(text: &str) -> Vec<Entry> {
    parse_reader(text.as_bytes(), std::path::Path::new("t.txt")).unwrap()
}

fn m(list: ListId, line: u32) -> Match {
    Match { list, line }
}

/// A hash whose words are derived from `seed` (splitmix64), for readable fixtures.
fn pdq(seed: u64) -> PdqHash {
    let mut s = seed;
    let mut next = || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    PdqHash([next(), next(), next(), next()])
}

fn flip(h: PdqHash, bits: impl IntoIterator<Item = usize>) -> PdqHash {
    let mut w = h.0;
    for b in bits {
        w[b / 64] ^= 1 << (b % 64);
    }
    PdqHash(w)
}

const MD5_A: &str = "0cc175b9c0f1b6a831c399e269772661";
const MD5_B: &str = "92eb5ffee6ae2fec3ad71c777531578f";

#[test]
fn exact_lookups() {
    let a = entries(&format!(
        "# synthetic\n{MD5_A}\n  {}  \n",
        MD5_B.to_uppercase()
    ));
    let b = entries(&format!("{MD5_A}\n"));
    let sha = entries(&format!("{}\n", "ab".repeat(20)));
    let (sa, sb, ss) = (
        spec("a", HashAlgorithm::Md5, None),
        spec("b", HashAlgorithm::Md5, None),
        spec("s", HashAlgorithm::Sha1, None),
    );
    let index = HashIndex::build(&[
        HashList {
            id: 0,
            spec: &sa,
            entries: &a,
        },
        HashList {
            id: 1,
            spec: &sb,
            entries: &b,
        },
        HashList {
            id: 2,
            spec: &ss,
            entries: &sha,
        },
    ])
    .unwrap();
    let cases: &[(&str, HashAlgorithm, String, Vec<Match>)] = &[
        (
            "listed twice",
            HashAlgorithm::Md5,
            MD5_A.into(),
            vec![m(0, 2), m(1, 1)],
        ),
        (
            "upper-case query",
            HashAlgorithm::Md5,
            MD5_A.to_uppercase(),
            vec![m(0, 2), m(1, 1)],
        ),
        (
            "upper-case entry",
            HashAlgorithm::Md5,
            MD5_B.into(),
            vec![m(0, 3)],
        ),
        (
            "padded query",
            HashAlgorithm::Md5,
            format!(" {MD5_B}\n"),
            vec![m(0, 3)],
        ),
        ("miss", HashAlgorithm::Md5, "0".repeat(32), vec![]),
        ("wrong algorithm", HashAlgorithm::Sha1, MD5_A.into(), vec![]),
        ("sha1", HashAlgorithm::Sha1, "AB".repeat(20), vec![m(2, 1)]),
        (
            "sha256 empty",
            HashAlgorithm::Sha256,
            "ab".repeat(32),
            vec![],
        ),
        ("short", HashAlgorithm::Md5, MD5_A[..31].into(), vec![]),
        ("long", HashAlgorithm::Md5, format!("{MD5_A}0"), vec![]),
        (
            "non-hex",
            HashAlgorithm::Md5,
            format!("{}g", &MD5_A[..31]),
            vec![],
        ),
        ("empty", HashAlgorithm::Md5, String::new(), vec![]),
        (
            "multi-byte",
            HashAlgorithm::Md5,
            format!("{}é", &MD5_A[..30]),
            vec![],
        ),
        ("pdq malformed", HashAlgorithm::Pdq, "zz".repeat(32), vec![]),
    ];
    for (name, alg, query, want) in cases {
        assert_eq!(&index.lookup(*alg, query), want, "case {name}");
    }
    assert_eq!(index.len(HashAlgorithm::Md5), 3);
    assert!(!index.is_empty());
    assert_eq!(
        format!("{index:?}"),
        "HashIndex { md5: 3, sha1: 1, sha256: 0, pdq: 0 }",
        "Debug never shows digests"
    );
}

#[test]
fn bad_digests_name_path_and_line() {
    let cases: &[(&str, HashAlgorithm, &str, &str)] = &[
        (
            "short md5",
            HashAlgorithm::Md5,
            "# c\nabc\n",
            "x.txt:2: not a md5 hex digest",
        ),
        (
            "sha1 given md5",
            HashAlgorithm::Sha1,
            MD5_A,
            "x.txt:1: not a sha1 hex digest",
        ),
        (
            "non-hex pdq",
            HashAlgorithm::Pdq,
            &"xy".repeat(32),
            "x.txt:1: not a pdq hex digest",
        ),
    ];
    for (name, alg, text, want) in cases {
        let s = spec("x", *alg, None);
        let e = entries(text);
        let err = HashIndex::build(&[HashList {
            id: 0,
            spec: &s,
            entries: &e,
        }])
        .unwrap_err();
        assert_eq!(err.to_string(), *want, "case {name}");
    }
    let mut s = spec("x", HashAlgorithm::Md5, None);
    s.algorithm = None;
    assert!(
        HashIndex::build(&[HashList {
            id: 0,
            spec: &s,
            entries: &[]
        }])
        .is_err()
    );
    let s = spec("x", HashAlgorithm::Pdq, Some(129));
    assert!(
        HashIndex::build(&[HashList {
            id: 0,
            spec: &s,
            entries: &[]
        }])
        .is_err()
    );
}

/// Distance boundaries, with both the scan (few entries) and the multi-index (many) paths.
#[test]
fn pdq_distance_boundaries() {
    for filler in [0usize, 5000] {
        let base = pdq(1);
        let text: String = std::iter::once(base)
            .chain((100..100 + filler as u64).map(pdq))
            .map(|h| h.to_hex() + "\n")
            .collect();
        let narrow_text = format!("{}\n", base.to_hex().to_uppercase());
        let (wide, narrow) = (entries(&text), entries(&narrow_text));
        let (sw, sn) = (
            spec("wide", HashAlgorithm::Pdq, None),
            spec("narrow", HashAlgorithm::Pdq, Some(10)),
        );
        let index = HashIndex::build(&[
            HashList {
                id: 0,
                spec: &sw,
                entries: &wide,
            },
            HashList {
                id: 1,
                spec: &sn,
                entries: &narrow,
            },
        ])
        .unwrap();
        assert_eq!(index.pdq.is_multi_index(), filler > 0);
        let cases: &[(&str, PdqHash, Vec<Match>)] = &[
            ("exact", base, vec![m(0, 1), m(1, 1)]),
            (
                "10 bits",
                flip(base, (0..10).map(|i| i * 25)),
                vec![m(0, 1), m(1, 1)],
            ),
            (
                "11 bits",
                flip(base, (0..11).map(|i| i * 23)),
                vec![m(0, 1)],
            ),
            (
                "31 bits, one per chunk",
                flip(base, (0..31).map(|i| i * 8)),
                vec![m(0, 1)],
            ),
            ("31 bits, packed", flip(base, 0..31), vec![m(0, 1)]),
            ("32 bits", flip(base, (0..32).map(|i| i * 8)), vec![]),
            ("unrelated", pdq(2), vec![]),
        ];
        for (name, query, want) in cases {
            let got = index.lookup(HashAlgorithm::Pdq, &query.to_hex());
            assert_eq!(&got, want, "case {name} (filler {filler})");
        }
    }
}

fn naive(entries: &[(PdqHash, Match, u8)], q: PdqHash) -> Vec<Match> {
    let mut out: Vec<Match> = entries
        .iter()
        .filter(|(h, _, d)| hamming(*h, q) <= u32::from(*d))
        .map(|e| e.1)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

proptest! {
    #[test]
    fn pdq_multi_index_agrees_with_linear_scan(
        seeds in proptest::collection::vec(any::<u64>(), 1..40),
        distances in proptest::collection::vec(0u8..=40, 1..4),
        pick in any::<prop::sample::Index>(),
        flips in proptest::collection::vec(0usize..256, 0..45),
        random in any::<[u64; 4]>(),
    ) {
        let entries: Vec<(PdqHash, Match, u8)> = seeds
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let list = (i % distances.len()) as u32;
                (pdq(*s), m(list, i as u32 + 1), distances[list as usize])
            })
            .collect();
        let multi = PdqIndex::with_scan_limit(entries.clone(), 0);
        prop_assert!(multi.is_multi_index() || entries.iter().any(|e| e.2 >= 48));
        let near = flip(entries[pick.index(entries.len())].0, flips);
        for q in [near, PdqHash(random)] {
            prop_assert_eq!(multi.lookup(q), naive(&entries, q));
        }
    }
}

/// Sets big enough for the prefix table find every listed digest and no unlisted one.
#[test]
fn exact_prefix_table_finds_everything() {
    let hex = |i: u64| {
        let h = pdq(i);
        format!("{:016x}{:016x}", h.0[0], h.0[1])
    };
    let text: String = (0..6000).map(|i| hex(i) + "\n").collect();
    let e = entries(&text);
    let s = spec("big", HashAlgorithm::Md5, None);
    let index = HashIndex::build(&[HashList {
        id: 3,
        spec: &s,
        entries: &e,
    }])
    .unwrap();
    assert!(!index.md5.starts.is_empty());
    for i in 0..6000 {
        assert_eq!(
            index.lookup(HashAlgorithm::Md5, &hex(i)),
            vec![m(3, i as u32 + 1)]
        );
    }
    for i in 6000..7000 {
        assert!(index.lookup(HashAlgorithm::Md5, &hex(i)).is_empty());
    }
}

#[derive(serde::Deserialize)]
struct DemoCases {
    case: Vec<DemoCase>,
}

#[derive(serde::Deserialize)]
struct DemoCase {
    name: String,
    algorithm: HashAlgorithm,
    query: String,
    lines: Vec<u32>,
}

/// The synthetic demo lists compile, and the shared cases in testdata/hashes/ hold against them.
#[test]
fn demo_lists_match_shared_cases() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let specs: Vec<ListSpec> = [
        ("hashes-md5", HashAlgorithm::Md5),
        ("hashes-pdq", HashAlgorithm::Pdq),
    ]
    .into_iter()
    .map(|(name, alg)| ListSpec {
        path: root.join("lists").join(format!("{name}.txt")),
        ..spec(name, alg, None)
    })
    .collect();
    let snap = crate::snapshot::Snapshot::load(&specs).unwrap();
    let text = std::fs::read_to_string(root.join("testdata/hashes/demo-lookups.toml")).unwrap();
    let cases: DemoCases = toml::from_str(&text).unwrap();
    assert!(cases.case.len() >= 9);
    for c in cases.case {
        let list = match c.algorithm {
            HashAlgorithm::Md5 => 0,
            _ => 1,
        };
        let want: Vec<Match> = c.lines.iter().map(|&line| m(list, line)).collect();
        assert_eq!(
            snap.hashes.lookup(c.algorithm, &c.query),
            want,
            "case {}",
            c.name
        );
    }
}
