//! Sealed lists against the plain matcher on synthetic lists, and load errors.

use std::path::PathBuf;

use super::*;
use crate::lists::parse_reader;
use crate::matcher::{TermMatcher, TextList};

const TERMS: &str = "# synthetic terms\nzorvexil\n\nquandrith moss\nvelmorik\n";
const VICTIMS: &str = "Ada Quillfeather\n# fabricated\nTobin Marsk\n";

fn key(byte: u8) -> SealKey {
    SealKey::from_bytes(&[byte; KEY_BYTES])
}

fn spec(kind: ListKind, name: &str) -> ListSpec {
    let mut s = ListSpec::from_flag(kind, PathBuf::from(format!("{name}.txt")));
    s.typos = false;
    s
}

fn sealed_text(plain: &str, kind: ListKind, key: &SealKey) -> String {
    let entries = parse_reader(plain.as_bytes(), Path::new("p.txt")).unwrap();
    let lines: Vec<&str> = plain.lines().collect();
    seal(&entries, &lines, kind, key, Path::new("p.txt")).unwrap()
}

/// The plain matcher over both lists, and the sealed index over their sealed forms.
fn both() -> (TermMatcher, SealedIndex) {
    let k = key(7);
    let specs = [spec(ListKind::Terms, "t"), spec(ListKind::Victims, "v")];
    let plain = [TERMS, VICTIMS];
    let entries: Vec<Vec<Entry>> = plain
        .iter()
        .map(|p| parse_reader(p.as_bytes(), Path::new("p.txt")).unwrap())
        .collect();
    let text: Vec<TextList<'_>> = (0..2)
        .map(|i| TextList {
            id: i as u32,
            spec: &specs[i],
            entries: &entries[i],
        })
        .collect();
    let sealed: Vec<String> = (0..2)
        .map(|i| sealed_text(plain[i], specs[i].kind, &k))
        .collect();
    let lists: Vec<SealedList<'_>> = (0..2)
        .map(|i| SealedList {
            id: i as u32,
            spec: &specs[i],
            bytes: sealed[i].as_bytes(),
            key: &k,
        })
        .collect();
    (
        TermMatcher::build(&text).unwrap(),
        SealedIndex::build(&lists).unwrap(),
    )
}

#[test]
fn sealed_matches_like_plain_on_evasions() {
    let (plain, sealed) = both();
    type Case = (&'static str, &'static str, &'static [(u32, u32)]);
    let cases: &[Case] = &[
        ("exact", "zorvexil", &[(0, 2)]),
        ("in a query", "where is zorvexil today", &[(0, 2)]),
        ("case", "ZorVEXil", &[(0, 2)]),
        ("diacritics", "zörvéxïl", &[(0, 2)]),
        ("homoglyph", "zоrvехil", &[(0, 2)]), // Cyrillic о and е
        ("leet", "z0rv3x1l", &[(0, 2)]),
        ("squeezed", "zorrvexxil", &[(0, 2)]),
        ("spelled out", "z o r v e x i l", &[(0, 2)]),
        ("dotted", "Z.O.R.V.E.X.I.L", &[(0, 2)]),
        ("phrase", "quandrith moss pics", &[(0, 4)]),
        ("phrase joined", "quandrithmoss", &[(0, 4)]),
        ("phrase leet", "quandr1th m0ss", &[(0, 4)]),
        ("name", "ada quillfeather", &[(1, 1)]),
        ("name reversed", "Quillfeather, Ada", &[(1, 1)]),
        ("name joined", "TobinMarsk", &[(1, 3)]),
        ("name reversed joined", "marsktobin", &[(1, 3)]),
        ("two lists", "velmorik tobin marsk", &[(0, 5), (1, 3)]),
        ("hyphenated phrase", "quandrith-moss", &[(0, 4)]),
        ("but do across a hyphen", "velmo-rik", &[(0, 5)]),
        ("inside a token", "azorvexilish", &[]),
        ("half a phrase", "quandrith", &[]),
        ("half a name", "ada", &[]),
        ("clean", "weather in lisbon", &[]),
    ];
    for (name, query, want) in cases {
        let want: Vec<Match> = want
            .iter()
            .map(|&(list, line)| Match { list, line })
            .collect();
        assert_eq!(plain.check(query).matches, want, "plain: {name}");
        assert_eq!(sealed.check(query).matches, want, "sealed: {name}");
        let action = if want.is_empty() {
            Action::Allow
        } else {
            Action::Block
        };
        assert_eq!(sealed.check(query).action, action, "{name}");
    }
    // A word split by a space at an arbitrary place: plain lists read the gap as nothing (for
    // keys of 6+ bytes); a sealed run is either fully spaced or fully joined.
    assert_eq!(
        plain.check("velmo rik").matches,
        [Match { list: 0, line: 5 }]
    );
    assert!(sealed.check("velmo rik").is_allow());
    // An entry of eight letters or more run into the next word: plain lists find it, a sealed
    // list matches whole tokens only.
    assert_eq!(
        plain.check("zorvexilish").matches,
        [Match { list: 0, line: 2 }]
    );
    assert!(sealed.check("zorvexilish").is_allow());
}

#[test]
fn sealed_file_reveals_no_entry_text_and_keeps_lines() {
    let text = sealed_text(TERMS, ListKind::Terms, &key(7));
    assert_eq!(text.lines().count(), TERMS.lines().count() + 1);
    for word in ["zorvexil", "quandrith", "moss", "velmorik", "synthetic"] {
        assert!(!text.contains(word), "{word}");
    }
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with(MAGIC));
    assert_eq!(lines[1], "#");
    assert_eq!(lines[3], "");
    assert_eq!(lines[2].len(), 32, "one form for a plain word");
    assert!(lines[4].split(' ').count() >= 4, "phrase forms");
}

#[test]
fn load_errors_name_path_and_line() {
    let good = sealed_text(TERMS, ListKind::Terms, &key(7));
    let bad_line = good.replacen("\n#\n", "\n#\nnot-hex\n", 1);
    let cases: &[(&str, String, ListKind, u8, &str)] = &[
        (
            "wrong key",
            good.clone(),
            ListKind::Terms,
            8,
            "t.txt:1: sealed with key",
        ),
        (
            "wrong kind",
            good.clone(),
            ListKind::Victims,
            7,
            "t.txt:1: sealed as a terms",
        ),
        (
            "no header",
            "abc\n".into(),
            ListKind::Terms,
            7,
            "t.txt:1: not a sealed",
        ),
        (
            "bad line",
            bad_line,
            ListKind::Terms,
            7,
            "t.txt:3: expected",
        ),
    ];
    for (name, text, kind, k, want) in cases {
        let mut s = spec(*kind, "t");
        s.path = PathBuf::from("t.txt");
        let k = key(*k);
        let err = SealedIndex::build(&[SealedList {
            id: 0,
            spec: &s,
            bytes: text.as_bytes(),
            key: &k,
        }])
        .unwrap_err();
        assert!(err.to_string().starts_with(want), "{name}: {err}");
    }
}

#[test]
fn empty_entries_and_other_kinds_are_refused_when_sealing() {
    let entries = parse_reader(&b"ok\n..!!\n"[..], Path::new("p.txt")).unwrap();
    let err = seal(
        &entries,
        &["ok", "..!!"],
        ListKind::Terms,
        &key(1),
        Path::new("p.txt"),
    );
    assert_eq!(
        err.unwrap_err().to_string(),
        "p.txt:2: entry is empty once normalised"
    );
    let err = seal(&entries, &[], ListKind::Urls, &key(1), Path::new("p.txt"));
    assert!(err.is_err());
    assert!(describe(sealed_text(TERMS, ListKind::Terms, &key(1)).as_bytes()).is_some());
    assert!(describe(TERMS.as_bytes()).is_none());
}

#[test]
fn hostile_queries_stay_bounded() {
    let (_, sealed) = both();
    // Correct answers here; the time they take is measured by `cargo bench --bench hostile`.
    let long = format!("{} zorvexil", "x ".repeat(20_000));
    assert_eq!(sealed.check(&long).matches, [Match { list: 0, line: 2 }]);
    let spaced = "ab ".repeat(20_000);
    assert!(sealed.check(&spaced).is_allow());
}

mod props {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,120}") {
            let (_, sealed) = both();
            let _ = sealed.check(&text);
        }

        #[test]
        fn sealed_entries_match_in_any_case_among_other_words(
            entry in "[b-z]{3,9}( [b-z]{3,9})?",
            before in "(the |how |best )?",
            upper in any::<bool>(),
        ) {
            let k = key(3);
            let s = spec(ListKind::Terms, "p");
            let text = sealed_text(&format!("{entry}\n"), ListKind::Terms, &k);
            let index = SealedIndex::build(&[SealedList {
                id: 0,
                spec: &s,
                bytes: text.as_bytes(),
                key: &k,
            }])
            .unwrap();
            let query = format!("{before}{entry} now");
            let query = if upper { query.to_uppercase() } else { query };
            prop_assert_eq!(index.check(&query).matches, vec![Match { list: 0, line: 1 }]);
        }
    }
}
