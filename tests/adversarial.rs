//! Detection measured on the independent adversarial corpus in `testdata/adversarial/` (made by
//! `tools/adversarial/generate.py` from Unicode/ICU data, keyboard layouts and transliteration
//! schemes, not from the normaliser's tables): recall per class, list kind and entry length, and
//! the false-positive rate per benign source, through the real `searchward check`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use crate::corpus::parse_answer;
use crate::util;

const TERMS: &str = "testdata/adversarial/lists/terms.txt";
const VICTIMS: &str = "testdata/adversarial/lists/victims.txt";
const POSITIVES: &str = "testdata/adversarial/positives.tsv";
const BENIGN: &str = "testdata/adversarial/benign.tsv";

/// Recall floor per class, in percent: what the matcher measures today, rounded down a little,
/// as docs/detection.md ("Independent adversarial corpus") states. Raise them as the matcher
/// improves; the target is 99.5 % for every class but `typos` and `transliteration` (95 %).
const FLOORS: &[(&str, f64)] = &[
    ("plain", 99.5),
    ("spaces_removed", 99.0),
    ("split_words", 99.5),
    ("ambiguous_glyphs", 99.5),
    ("leet_tokens", 99.5),
    ("confusables", 99.5),
    ("letter_styles", 99.5),
    ("layout_slip", 99.5),
    ("transliteration", 92.5),
    ("typos", 97.0),
    ("combos", 89.5),
];
/// Ceiling on the share of benign queries with any match, in percent (the target).
const MAX_FP_RATE: f64 = 0.05;
/// Misses printed per class, and false positives printed per benign source.
const SHOW: usize = 5;

/// One row of positives.tsv.
#[derive(Debug, PartialEq)]
struct Positive {
    class: String,
    shape: String,
    /// `terms` or `victims`.
    list: String,
    /// 1-based line of the entry in that list (the id `check` reports).
    line: u32,
    /// `latin`, `short`, `cyrillic` or `greek`.
    script: String,
    /// Entry length bucket in letters (`3-4`, `5-8`, `9-14`, `15+`).
    length: String,
    query: String,
}

/// Rows of a TSV file after its `#` comment lines and a header equal to `header`.
fn rows<'a>(name: &str, text: &'a str, header: &[&str]) -> Result<Vec<Vec<&'a str>>, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.is_empty());
    match lines.next() {
        Some((_, h)) if h.split('\t').eq(header.iter().copied()) => {}
        _ => return Err(format!("{name}: no header {header:?}")),
    }
    lines
        .map(|(i, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            if cols.len() != header.len() || cols.iter().any(|c| c.is_empty()) {
                return Err(format!(
                    "{name}:{}: want {} non-empty tab-separated columns",
                    i + 1,
                    header.len()
                ));
            }
            Ok(cols)
        })
        .collect()
}

fn parse_positives(text: &str) -> Result<Vec<Positive>, String> {
    let header = [
        "class", "shape", "list", "entry", "script", "length", "query",
    ];
    rows("positives.tsv", text, &header)?
        .into_iter()
        .map(|c| {
            if c[2] != "terms" && c[2] != "victims" {
                return Err(format!("positives.tsv: unknown list {:?}", c[2]));
            }
            let line = c[3]
                .parse()
                .map_err(|_| format!("positives.tsv: bad entry id {:?}", c[3]))?;
            Ok(Positive {
                class: c[0].to_string(),
                shape: c[1].to_string(),
                list: c[2].to_string(),
                line,
                script: c[4].to_string(),
                length: c[5].to_string(),
                query: c[6].to_string(),
            })
        })
        .collect()
}

fn parse_benign(text: &str) -> Result<Vec<(String, String)>, String> {
    Ok(rows("benign.tsv", text, &["source", "query"])?
        .into_iter()
        .map(|c| (c[0].to_string(), c[1].to_string()))
        .collect())
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(util::root().join(rel)).unwrap()
}

fn list_path(list: &str) -> &'static str {
    if list == "terms" { TERMS } else { VICTIMS }
}

/// Runs `searchward check` over the adversarial lists, one query per stdin line.
fn check(queries: &[&str]) -> Vec<Vec<(String, String, u32)>> {
    let mut child = Command::new(util::bin())
        .current_dir(util::root())
        .args(["check", "--terms", TERMS, "--victims", VICTIMS])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input: String = queries.iter().map(|q| format!("{q}\n")).collect();
    // Written from another thread so a full stdout pipe cannot deadlock us.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let answers: Vec<_> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(|l| parse_answer(&l.unwrap()).unwrap())
        .collect();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    writer.join().unwrap().unwrap();
    assert_eq!(answers.len(), queries.len(), "one answer line per query");
    answers
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// The keys a row is tallied under in the per-shape table: `class/shape`, or for a combination
/// (`typo:delete+leet:digit_run`) one `combos/with <step>` per step, so the table stays short.
fn shape_keys(p: &Positive) -> Vec<String> {
    if p.class == "combos" {
        p.shape
            .split('+')
            .map(|step| format!("combos/with {}", step.split(':').next().unwrap_or(step)))
            .collect()
    } else {
        vec![format!("{}/{}", p.class, p.shape)]
    }
}

/// (rows, caught) per key.
type Tally<'a> = BTreeMap<&'a str, (usize, usize)>;

fn tally<'a>(map: &mut Tally<'a>, key: &'a str, hit: bool) {
    let e = map.entry(key).or_default();
    e.0 += 1;
    e.1 += usize::from(hit);
}

fn table(title: &str, what: &str, map: &Tally) -> String {
    let mut out = format!("\n{title:<28} {:>6} {:>7} {what:>8}\n", "rows", "count");
    for (key, (total, n)) in map {
        out += &format!(
            "{key:<28} {total:>6} {n:>7} {:>7.2}%\n",
            percent(*n, *total)
        );
    }
    out
}

#[test]
fn adversarial_detection_recall_and_false_positives() {
    let positives = parse_positives(&read(POSITIVES)).unwrap();
    let benign = parse_benign(&read(BENIGN)).unwrap();
    let queries: Vec<&str> = positives
        .iter()
        .map(|p| p.query.as_str())
        .chain(benign.iter().map(|(_, q)| q.as_str()))
        .collect();
    let answers = check(&queries);
    let (pos_answers, benign_answers) = answers.split_at(positives.len());

    let (mut by_class, mut by_kind, mut by_length, mut by_shape) =
        (Tally::new(), Tally::new(), Tally::new(), Tally::new());
    let kinds: Vec<String> = positives
        .iter()
        .map(|p| format!("{}/{}", p.list, p.script))
        .collect();
    let shapes: Vec<Vec<String>> = positives.iter().map(shape_keys).collect();
    let mut misses: BTreeMap<&str, Vec<&Positive>> = BTreeMap::new();
    for (i, (p, m)) in positives.iter().zip(pos_answers).enumerate() {
        let caught = m.iter().any(|(kind, file, line)| {
            kind == &p.list && file == list_path(&p.list) && *line == p.line
        });
        tally(&mut by_class, &p.class, caught);
        tally(&mut by_kind, &kinds[i], caught);
        tally(&mut by_length, &p.length, caught);
        for key in &shapes[i] {
            tally(&mut by_shape, key, caught);
        }
        if !caught {
            misses.entry(&p.class).or_default().push(p);
        }
    }
    let mut by_source = Tally::new();
    let mut false_positives: BTreeMap<&str, Vec<(&str, String)>> = BTreeMap::new();
    for ((source, query), m) in benign.iter().zip(benign_answers) {
        tally(&mut by_source, source, !m.is_empty());
        if !m.is_empty() {
            let hits: Vec<String> = m.iter().map(|(k, _, l)| format!("{k}:{l}")).collect();
            false_positives
                .entry(source)
                .or_default()
                .push((query, hits.join(",")));
        }
    }
    let fp_total: usize = false_positives.values().map(Vec::len).sum();
    let fp_rate = percent(fp_total, benign.len());

    let mut report = table("class", "recall", &by_class);
    report += &table("list/script", "recall", &by_kind);
    report += &table("entry length (letters)", "recall", &by_length);
    report += &table("class/shape", "recall", &by_shape);
    report += &table("benign source", "FP rate", &by_source);
    report += &format!(
        "{:<28} {:>6} {fp_total:>7} {fp_rate:>7.3}%  (ceiling {MAX_FP_RATE}%)\n",
        "all benign",
        benign.len()
    );
    for (class, missed) in &misses {
        for p in missed.iter().take(SHOW) {
            report += &format!(
                "missed {class}/{} ({}:{}): {:?}\n",
                p.shape, p.list, p.line, p.query
            );
        }
    }
    for (source, fps) in &false_positives {
        for (q, hits) in fps.iter().take(SHOW) {
            report += &format!("false positive {source} -> {hits}: {q:?}\n");
        }
    }
    println!("{report}");

    let mut failed = Vec::new();
    for (class, floor) in FLOORS {
        let (total, caught) = by_class.get(class).copied().unwrap_or_default();
        let recall = percent(caught, total);
        if recall < *floor {
            failed.push(format!("{class}: recall {recall:.2}% < floor {floor}%"));
        }
    }
    if fp_rate > MAX_FP_RATE {
        failed.push(format!(
            "false-positive rate {fp_rate:.3}% > ceiling {MAX_FP_RATE}%"
        ));
    }
    assert!(failed.is_empty(), "{}{report}", failed.join("; "));
}

#[test]
fn adversarial_corpus_is_complete_and_consistent() {
    let positives = parse_positives(&read(POSITIVES)).unwrap();
    let benign = parse_benign(&read(BENIGN)).unwrap();
    let lists: BTreeMap<&str, Vec<String>> = [("terms", TERMS), ("victims", VICTIMS)]
        .into_iter()
        .map(|(name, path)| (name, read(path).lines().map(str::to_string).collect()))
        .collect();
    for p in &positives {
        let entry = lists[p.list.as_str()].get(p.line as usize - 1);
        assert!(
            entry.is_some_and(|e| !e.is_empty() && !e.starts_with('#')),
            "{}:{} is not an entry",
            p.list,
            p.line
        );
    }
    let mut per_class: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &positives {
        *per_class.entry(p.class.as_str()).or_default() += 1;
    }
    for (class, _) in FLOORS {
        let n = per_class.get(class).copied().unwrap_or(0);
        assert!(n >= 1000, "class {class} has {n} rows, under 1,000");
    }
    assert_eq!(
        per_class.len(),
        FLOORS.len(),
        "every class in positives.tsv has a floor"
    );
    assert!(benign.len() >= 20_000, "{} benign queries", benign.len());
    for source in [
        "english",
        "russian",
        "ukrainian",
        "greek",
        "emoji_between_letters",
    ] {
        assert!(
            benign.iter().any(|(s, _)| s == source),
            "no benign source {source}"
        );
    }
    for file in [TERMS, VICTIMS, POSITIVES, BENIGN] {
        assert!(
            read(file).starts_with("# Synthetic placeholder"),
            "{file}: no synthetic-data header"
        );
    }
    let size: u64 = [TERMS, VICTIMS, POSITIVES, BENIGN]
        .iter()
        .map(|f| std::fs::metadata(util::root().join(f)).unwrap().len())
        .sum();
    assert!(
        size < 4 << 20,
        "testdata/adversarial is {size} bytes, over 4 MiB"
    );
}

#[test]
fn adversarial_tsv_parsing() {
    struct Case {
        name: &'static str,
        text: &'static str,
        want: Result<usize, &'static str>,
    }
    let cases = [
        Case {
            name: "comments, header and one row",
            text: "# c\nclass\tshape\tlist\tentry\tscript\tlength\tquery\nplain\tcase_lower\tterms\t7\tlatin\t5-8\tzorvex pics\n",
            want: Ok(1),
        },
        Case {
            name: "no header",
            text: "plain\tcase_lower\tterms\t7\tlatin\t5-8\tq\n",
            want: Err("positives.tsv: no header"),
        },
        Case {
            name: "six columns",
            text: "class\tshape\tlist\tentry\tscript\tlength\tquery\nplain\tx\tterms\t7\tlatin\t5-8\n",
            want: Err("positives.tsv:2: want 7"),
        },
        Case {
            name: "empty query",
            text: "class\tshape\tlist\tentry\tscript\tlength\tquery\nplain\tx\tterms\t7\tlatin\t5-8\t\n",
            want: Err("positives.tsv:2: want 7"),
        },
        Case {
            name: "unknown list",
            text: "class\tshape\tlist\tentry\tscript\tlength\tquery\nplain\tx\tallow\t7\tlatin\t5-8\tq\n",
            want: Err("positives.tsv: unknown list"),
        },
        Case {
            name: "bad id",
            text: "class\tshape\tlist\tentry\tscript\tlength\tquery\nplain\tx\tterms\tseven\tlatin\t5-8\tq\n",
            want: Err("positives.tsv: bad entry id"),
        },
    ];
    for case in cases {
        match (parse_positives(case.text), case.want) {
            (Ok(rows), Ok(n)) => assert_eq!(rows.len(), n, "{}", case.name),
            (Err(e), Err(prefix)) => assert!(e.starts_with(prefix), "{}: {e}", case.name),
            (got, _) => panic!("{}: got {got:?}", case.name),
        }
    }
    assert_eq!(
        parse_benign("# c\nsource\tquery\nenglish\thow to fix a bike\n"),
        Ok(vec![(
            "english".to_string(),
            "how to fix a bike".to_string()
        )])
    );
    assert!(parse_benign("english\thow\n").is_err());
}
