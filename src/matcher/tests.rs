//! Table cases from `testdata/detect/cases.toml`, error cases, and property tests.

use std::path::PathBuf;

use proptest::prelude::*;
use serde::Deserialize;

use super::*;

#[derive(Deserialize)]
struct Table {
    list: Vec<ListDecl>,
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct ListDecl {
    name: String,
    kind: ListKind,
    #[serde(default)]
    action: Option<Action>,
    #[serde(default, rename = "match")]
    mode: MatchMode,
    #[serde(default)]
    typos: Option<bool>,
    #[serde(default)]
    context: Option<String>,
    entries: Vec<String>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    query: String,
    matches: Vec<String>,
    action: Action,
}

fn specs(decls: &[ListDecl]) -> Vec<(ListSpec, Vec<Entry>)> {
    decls
        .iter()
        .map(|d| {
            let mut spec = ListSpec::from_flag(d.kind, PathBuf::from(format!("{}.txt", d.name)));
            spec.action = d.action.unwrap_or(Action::Block);
            spec.mode = d.mode;
            spec.typos = d.typos.unwrap_or(true);
            spec.context = d.context.clone();
            let entries = d
                .entries
                .iter()
                .enumerate()
                .map(|(i, t)| Entry {
                    line: i as u32 + 1,
                    text: t.clone(),
                })
                .collect();
            (spec, entries)
        })
        .collect()
}

fn text_lists(lists: &[(ListSpec, Vec<Entry>)]) -> Vec<TextList<'_>> {
    lists
        .iter()
        .enumerate()
        .map(|(i, (spec, entries))| TextList {
            id: i as u32,
            spec,
            entries,
        })
        .collect()
}

fn build(lists: &[(ListSpec, Vec<Entry>)]) -> Result<TermMatcher, MatcherError> {
    TermMatcher::build(&text_lists(lists))
}

fn table() -> Table {
    let raw = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/detect/cases.toml"),
    )
    .unwrap();
    toml::from_str(&raw).unwrap()
}

/// A compiled file read back answers every table case as the lists compiled directly do, and
/// is refused when anything it was made from differs or the file is damaged.
#[test]
fn compiled_file_round_trip_and_refusals() {
    let table = table();
    let lists = specs(&table.list);
    let m = build(&lists).unwrap();
    let text = text_lists(&lists);
    let names: Vec<&str> = lists.iter().map(|(s, _)| s.name.as_str()).collect();
    let sums: Vec<String> = (0..lists.len()).map(|i| format!("{i:064x}")).collect();
    let sums: Vec<&str> = sums.iter().map(String::as_str).collect();
    let bytes = m.to_compiled(&names, &sums).unwrap();
    let file = |b: &[u8]| std::sync::Arc::new(crate::mempages::Pages::new(b.to_vec()));
    let back = TermMatcher::from_compiled(&file(&bytes), &text, &sums).unwrap();
    assert_eq!(back.stats(), m.stats());
    for case in &table.case {
        assert_eq!(
            back.check(&case.query),
            m.check(&case.query),
            "{}",
            case.name
        );
    }

    let refused = |bytes: &[u8], text: &[TextList<'_>], sums: &[&str]| {
        TermMatcher::from_compiled(&file(bytes), text, sums).unwrap_err()
    };
    let mut other_sums = sums.clone();
    other_sums[0] = "ff";
    assert!(matches!(
        refused(&bytes, &text, &other_sums),
        PersistError::Mismatch(_)
    ));
    let mut changed = lists.clone();
    changed[0].0.action = Action::Monitor;
    assert!(matches!(
        refused(&bytes, &text_lists(&changed), &sums),
        PersistError::Mismatch(_)
    ));
    assert!(matches!(
        refused(&bytes, &text[1..], &sums[1..]),
        PersistError::Mismatch(_)
    ));
    assert!(matches!(
        refused(b"SWIDX", &text, &sums),
        PersistError::Magic
    ));
    for cut in [9, 20, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            TermMatcher::from_compiled(&file(&bytes[..cut]), &text, &sums).is_err(),
            "cut at {cut}"
        );
    }
    // Another normaliser (same version number): its fingerprint differs.
    let fingerprint = super::persist::normaliser_fingerprint();
    let at = bytes
        .windows(fingerprint.len())
        .position(|w| w == fingerprint.as_bytes())
        .unwrap();
    let mut other = bytes.clone();
    other[at] = if other[at] == b'0' { b'1' } else { b'0' };
    assert!(matches!(
        refused(&other, &text, &sums),
        PersistError::Normaliser
    ));
    // A flipped byte inside the FST section fails its checksum.
    let header_len = u64::from_le_bytes(bytes[8..16].try_into().unwrap()) as usize;
    let fst_at = 16 + header_len + 8;
    let mut damaged = bytes.clone();
    damaged[fst_at + 10] ^= 0x55;
    assert!(matches!(
        refused(&damaged, &text, &sums),
        PersistError::Fst(_)
    ));
}

#[test]
fn table_cases() {
    let table = table();
    let lists = specs(&table.list);
    let m = build(&lists).unwrap();
    let mut scratch = Scratch::default();
    let mut failures = Vec::new();
    for case in &table.case {
        let v = m.check_with(&case.query, &mut scratch);
        let got: Vec<String> = v
            .matches
            .iter()
            .map(|mm| format!("{}:{}", lists[mm.list as usize].0.name, mm.line))
            .collect();
        let mut want = case.matches.clone();
        want.sort_by_key(|w| {
            let (n, l) = w.split_once(':').unwrap();
            let id = lists.iter().position(|(s, _)| s.name == n).unwrap();
            (id, l.parse::<u32>().unwrap())
        });
        if got != want || v.action != case.action {
            failures.push(format!(
                "{}: got {got:?} {:?}, want {want:?} {:?}",
                case.name, v.action, case.action
            ));
        }
        assert_eq!(
            m.check(&case.query),
            v,
            "{}: check and check_with agree",
            case.name
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn empty_entry_is_an_error_with_path_and_line() {
    let mut lists = specs(&[ListDecl {
        name: "bad".into(),
        kind: ListKind::Terms,
        action: None,
        mode: MatchMode::Token,
        typos: None,
        context: None,
        entries: vec!["zorvexil".into(), "  ..!!  ".into()],
    }]);
    lists[0].1[1].line = 7;
    let err = build(&lists).unwrap_err();
    assert_eq!(err.to_string(), "bad.txt:7: entry is empty once normalised");
}

#[test]
fn unknown_context_is_an_error() {
    let lists = specs(&[ListDecl {
        name: "v".into(),
        kind: ListKind::Victims,
        action: None,
        mode: MatchMode::Token,
        typos: None,
        context: Some("missing".into()),
        entries: vec!["Ada Quillfeather".into()],
    }]);
    assert!(matches!(
        build(&lists),
        Err(MatcherError::UnknownContext { .. })
    ));
}

#[test]
fn hostile_queries_stay_bounded() {
    let lists = specs(&[ListDecl {
        name: "t".into(),
        kind: ListKind::Terms,
        action: None,
        mode: MatchMode::Token,
        typos: None,
        context: None,
        entries: vec!["a b c d".into(), "aaaaaaaab".into(), "zorvexil".into()],
    }]);
    let m = build(&lists).unwrap();
    // Correct answers here; the time they take is measured by `cargo bench --bench hostile`.
    let long = "a ".repeat(20_000) + "zorvexil";
    assert!(!m.check(&long).is_allow());
    for hostile in [
        "1|".repeat(10_000),
        format!("a{}", "|".repeat(50_000)),
        format!("a{}", "1a".repeat(30_000)),
        "a.".repeat(30_000),
    ] {
        assert!(m.check(&hostile).is_allow(), "{}", &hostile[..16]);
    }
}

// === properties ===

/// Syllable-built synthetic words, like the shipped placeholder lists.
fn word() -> impl Strategy<Value = String> {
    let syl = prop::sample::select(vec![
        "zor", "vex", "il", "quan", "drith", "vel", "mor", "ik", "bras", "to", "vane", "klim",
        "dor", "ra", "snev", "pli", "quet", "yul", "trisk", "wen", "dle", "gax", "pom", "fu",
    ]);
    prop::collection::vec(syl, 2..5).prop_map(|v| v.concat())
}

fn entry() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(word(), 1..3)
}

/// The evasion transforms an entry must survive.
#[derive(Clone, Copy, Debug)]
enum Evasion {
    Case,
    Fullwidth,
    Diacritics,
    Combining,
    Homoglyph,
    Leet,
    Dots,
    SpacedLetters,
    ZeroWidth,
    Repeats,
    Join,
}

fn evade(words: &[String], e: Evasion) -> String {
    let map = |f: &dyn Fn(char) -> String| -> String {
        words
            .iter()
            .map(|w| w.chars().map(f).collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
    };
    match e {
        Evasion::Case => map(&|c| {
            if (c as u32).is_multiple_of(2) {
                c.to_ascii_uppercase().to_string()
            } else {
                c.to_string()
            }
        }),
        Evasion::Fullwidth => map(&|c| match c {
            '!'..='~' => char::from_u32(c as u32 - '!' as u32 + 0xFF01)
                .unwrap()
                .to_string(),
            _ => c.to_string(),
        }),
        Evasion::Diacritics => map(&|c| {
            match c {
                'a' => "á",
                'e' => "ë",
                'o' => "ô",
                'u' => "ü",
                'i' => "ï",
                _ => return c.to_string(),
            }
            .to_string()
        }),
        Evasion::Combining => map(&|c| format!("{c}\u{0301}")),
        Evasion::Homoglyph => map(&|c| {
            match c {
                'a' => "а",
                'e' => "е",
                'o' => "ο",
                'p' => "р",
                'x' => "х",
                'i' => "і",
                _ => return c.to_string(),
            }
            .to_string()
        }),
        Evasion::Leet => map(&|c| {
            match c {
                'a' => "4",
                'e' => "3",
                'o' => "0",
                's' => "$",
                't' => "7",
                'i' => "1",
                'l' => "1",
                _ => return c.to_string(),
            }
            .to_string()
        }),
        Evasion::Dots => words
            .iter()
            .map(|w| w.chars().map(String::from).collect::<Vec<_>>().join("."))
            .collect::<Vec<_>>()
            .join(" "),
        Evasion::SpacedLetters => words
            .iter()
            .map(|w| w.chars().map(String::from).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join(" "),
        Evasion::ZeroWidth => map(&|c| format!("{c}\u{200b}")),
        Evasion::Repeats => map(&|c| format!("{c}{c}{c}")),
        Evasion::Join => words.concat(),
    }
}

const EVASIONS: [Evasion; 11] = [
    Evasion::Case,
    Evasion::Fullwidth,
    Evasion::Diacritics,
    Evasion::Combining,
    Evasion::Homoglyph,
    Evasion::Leet,
    Evasion::Dots,
    Evasion::SpacedLetters,
    Evasion::ZeroWidth,
    Evasion::Repeats,
    Evasion::Join,
];

fn one_list(kind: ListKind, entries: &[&str]) -> (ListSpec, Vec<Entry>) {
    let mut spec = ListSpec::from_flag(kind, PathBuf::from(format!("{}.txt", kind.as_str())));
    spec.typos = false;
    let entries = entries
        .iter()
        .enumerate()
        .map(|(i, t)| Entry {
            line: i as u32 + 1,
            text: t.to_string(),
        })
        .collect();
    (spec, entries)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn normalisation_is_idempotent(s in "\\PC{0,24}") {
        let c = crate::normalize::canonical(&s);
        prop_assert_eq!(crate::normalize::canonical(&c), c.clone());
        let k = crate::normalize::skeleton(&s);
        prop_assert_eq!(crate::normalize::skeleton(&k), k);
    }

    /// The same over a small alphabet of the characters whose reading depends on their
    /// neighbours (digits, leet symbols, capital I, single letters, mixed gaps), where random
    /// Unicode rarely lands.
    #[test]
    fn normalisation_is_idempotent_on_context_characters(
        s in "[abmvI0-9 .|!$@\\-\u{2661}\u{1D2C0}\u{4E16}]{0,16}",
    ) {
        let c = crate::normalize::canonical(&s);
        prop_assert_eq!(crate::normalize::canonical(&c), c.clone());
        let k = crate::normalize::skeleton(&s);
        prop_assert_eq!(crate::normalize::skeleton(&k), k);
    }

    #[test]
    fn entry_matches_itself_under_every_evasion(
        words in entry(),
        pair in (0..EVASIONS.len(), 0..EVASIONS.len()),
    ) {
        let text = words.join(" ");
        let m = build(&[one_list(ListKind::Terms, &[&text])]).unwrap();
        for e in EVASIONS {
            let q = evade(&words, e);
            prop_assert!(!m.check(&q).is_allow(), "{:?}: {:?}", e, q);
            let wrapped = format!("see {q} now");
            prop_assert!(!m.check(&wrapped).is_allow(), "{:?} in context: {:?}", e, wrapped);
        }
        // Two evasions stacked: the second applied to the first's output, word by word.
        let (a, b) = (EVASIONS[pair.0], EVASIONS[pair.1]);
        if matches!(a, Evasion::Case | Evasion::Homoglyph | Evasion::Leet | Evasion::Repeats) {
            let once: Vec<String> = words.iter().map(|w| evade(std::slice::from_ref(w), a)).collect();
            let q = evade(&once, b);
            prop_assert!(!m.check(&q).is_allow(), "{:?}+{:?}: {:?}", a, b, q);
        }
    }

    #[test]
    fn allow_list_always_wins(words in entry(), extra in word(), before in any::<bool>()) {
        let term = words.join(" ");
        let allow = if before { format!("{extra} {term}") } else { format!("{term} {extra}") };
        let lists = [
            one_list(ListKind::Terms, &[&term]),
            one_list(ListKind::Allow, &[&allow]),
        ];
        let m = build(&lists).unwrap();
        prop_assert!(m.check(&allow).is_allow(), "{:?}", allow);
        prop_assert!(m.check(&allow.to_uppercase()).is_allow());
        prop_assert!(!m.check(&term).is_allow());
    }
}
