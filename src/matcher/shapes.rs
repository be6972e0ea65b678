//! One table case per evasion shape the matcher must generalise to, each built from synthetic
//! terms and fabricated names, with the benign look-alike of the shape that must not match.

use std::path::PathBuf;

use super::*;

const TERMS: &[&str] = &[
    "zorvexil",
    "quandrith mossavel",
    "plenduvar",
    "mirtok",
    "ghtl",
    "lenqavor",
    "dwimbrel",
    "tavrok",
    "cop",
    "дразунель",
];
const NAMES: &[&str] = &["Ada Quillfeather", "Lena Brostavik"];

fn matcher() -> TermMatcher {
    let entries = |texts: &[&str]| -> Vec<Entry> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| Entry {
                line: i as u32 + 1,
                text: (*t).to_owned(),
            })
            .collect()
    };
    let mut terms = ListSpec::from_flag(ListKind::Terms, PathBuf::from("terms.txt"));
    terms.typos = false;
    let mut names = ListSpec::from_flag(ListKind::Victims, PathBuf::from("names.txt"));
    names.typos = false;
    let (t, n) = (entries(TERMS), entries(NAMES));
    // Leaked so the lists outlive the table (tests only).
    let specs: &'static [(ListSpec, Vec<Entry>)] = Box::leak(Box::new([(terms, t), (names, n)]));
    let lists: Vec<TextList<'static>> = specs
        .iter()
        .enumerate()
        .map(|(i, (spec, entries))| TextList {
            id: i as u32,
            spec,
            entries,
        })
        .collect();
    TermMatcher::build(&lists).unwrap()
}

/// (shape, query, expected `list:line` or `None` for a query that must not match).
type Case = (&'static str, &'static str, Option<(u32, u32)>);

const CASES: &[Case] = &[
    // Spaces partly removed, words run together, names run together.
    ("phrase joined", "quandrithmossavel pics", Some((0, 2))),
    ("name joined", "adaquillfeather photos", Some((1, 1))),
    ("name reversed joined", "quillfeatherada", Some((1, 1))),
    (
        "phrase split elsewhere",
        "quand rith mossa vel",
        Some((0, 2)),
    ),
    // Words split anywhere, by space or separators, once or twice, mixed with joins.
    ("word split by space", "watch zor vexil", Some((0, 1))),
    ("word split twice", "zo rvex il online", Some((0, 1))),
    ("word split by hyphen", "plen-duvar", Some((0, 3))),
    (
        "word split by underscore and dot",
        "plen_du.var",
        Some((0, 3)),
    ),
    ("word split by star", "plendu*var", Some((0, 3))),
    ("split and joined", "quandrithmos savel", Some((0, 2))),
    ("name split", "ada quill feather", Some((1, 1))),
    // I-shaped and other ambiguous glyphs.
    ("capital I for l", "LENQAVOR", Some((0, 6))),
    ("ascii I for l", "Ienqavor", Some((0, 6))),
    ("greek capital iota for l", "\u{399}enqavor", Some((0, 6))),
    ("cyrillic capital i for l", "\u{406}enqavor", Some((0, 6))),
    ("palochka for l", "\u{4C0}enqavor", Some((0, 6))),
    ("math capital I for l", "\u{1D408}enqavor", Some((0, 6))),
    ("math capital iota for l", "\u{1D6B0}enqavor", Some((0, 6))),
    ("bang for l", "!enqavor", Some((0, 6))),
    ("pipe for l", "|enqavor", Some((0, 6))),
    ("rn for m", "rnirtok", Some((0, 4))),
    ("vv for w", "dvvimbrel", Some((0, 7))),
    ("cl for d", "clwimbrel", Some((0, 7))),
    ("zero for o", "tavr0k", Some((0, 8))),
    // Leet digits as a whole token.
    ("leet digits as a token", "13na brostavik", Some((1, 2))),
    ("leet token spaced", "13 na brostavik", Some((1, 2))),
    // Keyboard-layout slips and transliteration.
    (
        "russian layout, entry alone",
        "смотреть ящкмучшд онлайн",
        Some((0, 1)),
    ),
    (
        "russian layout, whole query",
        "цфеср ящкмучшд",
        Some((0, 1)),
    ),
    ("greek layout", "ζορωεχιλ", Some((0, 1))),
    (
        "informal transliteration",
        "смотреть зорвексил",
        Some((0, 1)),
    ),
    ("formal transliteration", "плендувар", Some((0, 3))),
    ("greek transliteration", "πλενδουβαρ", Some((0, 3))),
    ("short cyrillic lookalike word", "сор мир", None),
    // A Cyrillic entry typed with the Latin layout active, or spelt in Latin letters.
    (
        "cyrillic entry on the latin layout",
        "lhfpeytkm pics",
        Some((0, 10)),
    ),
    (
        "cyrillic entry transliterated",
        "watch drazunel online",
        Some((0, 10)),
    ),
    (
        "cyrillic entry informally transliterated",
        "drazunel' video",
        Some((0, 10)),
    ),
    // Short entries keep their stricter rules.
    ("short entry inside a word", "slightly", None),
    ("short entry inside a spaced word", "sli ghtly", None),
    ("short entry across two words", "ligh tl", None),
    (
        "short entry spelt out inside a word",
        "s l i g h t l y",
        None,
    ),
    (
        "single letters between symbols are not joined across a space",
        "a\u{1F351}gh t\u{2661}l",
        None,
    ),
    ("ordinary words", "how to fix a bike", None),
];

#[test]
fn shape_table() {
    let m = matcher();
    let mut failures = Vec::new();
    for &(shape, query, want) in CASES {
        let v = m.check(query);
        let ok = match want {
            Some((list, line)) => v.matches.iter().any(|x| x.list == list && x.line == line),
            None => v.is_allow(),
        };
        if !ok {
            failures.push(format!("{shape}: {query:?} gave {:?}", v.matches));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
