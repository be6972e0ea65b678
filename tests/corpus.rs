//! Detection recall per evasion class and false-positive rate, measured by running the real
//! `searchward check` over the generated corpus in `testdata/corpus/` (see docs/detection.md).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Command;

use crate::util;

const TERMS: &str = "testdata/corpus/terms.txt";
const VICTIMS: &str = "testdata/corpus/victims.txt";
const ALLOW: &str = "testdata/corpus/allow.txt";
const EVASION: &str = "testdata/corpus/evasion.tsv";
const BENIGN: &str = "testdata/corpus/benign.txt";

/// Every row must be caught (100 % per class) except the rows of evasion.tsv listed here, each
/// with its reason; any other miss fails the test, and so does a listed row that is caught again
/// (then remove it here and in docs/detection.md).
const KNOWN_MISSES: &[usize] = &[];
/// Maximum share of benign queries with any match, in percent.
const MAX_FP_RATE: f64 = 0.0;
/// Failing rows printed per class (and benign false positives printed), to keep output readable.
const SHOW: usize = 60;

/// One row of evasion.tsv.
#[derive(Debug, PartialEq)]
struct Row {
    /// 1-based line in evasion.tsv.
    row: usize,
    class: String,
    query: String,
    /// `terms` or `victims`.
    list: String,
    /// 1-based line of the entry in that list.
    line: u32,
}

/// One answer line of `searchward check`: the matches as (kind, file, line).
type Matches = Vec<(String, String, u32)>;

/// Parses evasion.tsv: `#` comment lines, one `class<TAB>query<TAB>expected` header, then rows
/// whose expected is `terms:N` or `victims:N`.
fn parse_evasion(text: &str) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    let mut header = false;
    for (i, line) in text.lines().enumerate() {
        let row = i + 1;
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 3 {
            return Err(format!(
                "evasion.tsv:{row}: want 3 tab-separated columns, got {}",
                cols.len()
            ));
        }
        if !header {
            if cols != ["class", "query", "expected"] {
                return Err(format!(
                    "evasion.tsv:{row}: want header class/query/expected"
                ));
            }
            header = true;
            continue;
        }
        let (list, n) = cols[2]
            .split_once(':')
            .ok_or_else(|| format!("evasion.tsv:{row}: expected {:?} is not list:line", cols[2]))?;
        if list != "terms" && list != "victims" {
            return Err(format!("evasion.tsv:{row}: unknown list {list:?}"));
        }
        let line = n
            .parse::<u32>()
            .map_err(|_| format!("evasion.tsv:{row}: bad line number {n:?}"))?;
        if cols[0].is_empty() || cols[1].is_empty() {
            return Err(format!("evasion.tsv:{row}: empty class or query"));
        }
        rows.push(Row {
            row,
            class: cols[0].to_string(),
            query: cols[1].to_string(),
            list: list.to_string(),
            line,
        });
    }
    if !header {
        return Err("evasion.tsv: no header".to_string());
    }
    Ok(rows)
}

/// Parses one answer line: `{"action": .., "matches": [{"kind", "file", "line"}]}`.
pub(crate) fn parse_answer(line: &str) -> Result<Matches, String> {
    let v: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("not JSON ({e}): {line}"))?;
    let action = v["action"].as_str().unwrap_or("");
    if !["allow", "monitor", "signpost", "block"].contains(&action) {
        return Err(format!("bad action in {line}"));
    }
    let matches = v["matches"]
        .as_array()
        .ok_or_else(|| format!("no matches array: {line}"))?;
    matches
        .iter()
        .map(|m| {
            let kind = m["kind"].as_str().ok_or("match without kind")?;
            let file = m["file"].as_str().ok_or("match without file")?;
            let n = m["line"].as_u64().ok_or("match without line")?;
            Ok((
                kind.to_string(),
                file.to_string(),
                u32::try_from(n).map_err(|_| "line too big")?,
            ))
        })
        .collect::<Result<_, &str>>()
        .map_err(|e| format!("{e}: {line}"))
}

/// Runs `searchward check` over the corpus lists with one query per stdin line.
fn check(queries: &[String]) -> Vec<Matches> {
    let input: String = queries.iter().map(|q| format!("{q}\n")).collect();
    let (out, written) = util::pipe_through(
        Command::new(util::bin()).current_dir(util::root()).args([
            "check",
            "--terms",
            TERMS,
            "--victims",
            VICTIMS,
            "--allow",
            ALLOW,
        ]),
        input.as_bytes(),
    );
    assert!(
        out.status.success(),
        "check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<Matches> = BufReader::new(out.stdout.as_slice())
        .lines()
        .map(|l| parse_answer(&l.unwrap()).unwrap())
        .collect();
    written.unwrap();
    assert_eq!(answers.len(), queries.len(), "one answer line per query");
    answers
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(util::root().join(rel)).unwrap()
}

/// benign.txt as (section, query); sections start with a `# --- name ---` comment line.
fn benign_queries() -> Vec<(String, String)> {
    let mut section = String::from("benign");
    let mut out = Vec::new();
    for line in read(BENIGN).lines() {
        if let Some(name) = line
            .strip_prefix("# --- ")
            .and_then(|l| l.strip_suffix(" ---"))
        {
            section = name.to_string();
        } else if !line.starts_with('#') && !line.is_empty() {
            out.push((section.clone(), line.to_string()));
        }
    }
    out
}

fn list_path(list: &str) -> &'static str {
    if list == "terms" { TERMS } else { VICTIMS }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

#[test]
fn corpus_detection_recall_and_false_positives() {
    let rows = parse_evasion(&read(EVASION)).unwrap();
    let queries: Vec<String> = rows.iter().map(|r| r.query.clone()).collect();
    let answers = check(&queries);
    let benign = benign_queries();
    let benign_answers = check(&benign.iter().map(|(_, q)| q.clone()).collect::<Vec<_>>());

    let mut classes: BTreeMap<&str, (usize, Vec<&Row>)> = BTreeMap::new();
    for (row, matches) in rows.iter().zip(&answers) {
        let caught = matches.iter().any(|(kind, file, line)| {
            kind == &row.list && file == list_path(&row.list) && *line == row.line
        });
        let entry = classes.entry(row.class.as_str()).or_default();
        entry.0 += 1;
        if !caught {
            entry.1.push(row);
        }
    }
    let false_positives: Vec<(&(String, String), &Matches)> = benign
        .iter()
        .zip(&benign_answers)
        .filter(|(_, m)| !m.is_empty())
        .collect();
    let fp_rate = percent(false_positives.len(), benign.len());

    let mut report = String::from("\nclass                     rows  caught  recall     bar\n");
    let mut failed = Vec::new();
    for (class, (total, missed)) in &classes {
        let recall = percent(total - missed.len(), *total);
        let known = missed
            .iter()
            .filter(|r| KNOWN_MISSES.contains(&r.row))
            .count();
        let bar = percent(total - known, *total);
        report += &format!(
            "{class:<24} {total:>5}  {:>6}  {recall:>6.2}%  {bar:>6.2}%{}\n",
            total - missed.len(),
            if recall < bar { "  FAIL" } else { "" }
        );
        if recall < bar {
            failed.push(format!("{class}: recall {recall:.2}% < {bar:.2}%"));
        }
    }
    for known in KNOWN_MISSES {
        let still_missed = classes
            .values()
            .any(|(_, missed)| missed.iter().any(|r| r.row == *known));
        if !still_missed {
            failed.push(format!(
                "evasion.tsv:{known} is caught now: remove it from KNOWN_MISSES and the docs"
            ));
        }
    }
    let mut sections: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for ((section, _), m) in benign.iter().zip(&benign_answers) {
        let entry = sections.entry(section.as_str()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(!m.is_empty());
    }
    report += "\nbenign section            rows  with a match  false-positive rate\n";
    for (section, (total, hit)) in &sections {
        report += &format!(
            "{section:<24} {total:>5}  {hit:>12}  {:>7.3}%\n",
            percent(*hit, *total)
        );
    }
    report += &format!(
        "{:<24} {:>5}  {:>12}  {fp_rate:>7.3}%  (max {MAX_FP_RATE}%){}\n",
        "all benign",
        benign.len(),
        false_positives.len(),
        if fp_rate > MAX_FP_RATE { "  FAIL" } else { "" }
    );
    if fp_rate > MAX_FP_RATE {
        failed.push(format!(
            "false-positive rate {fp_rate:.3}% > {MAX_FP_RATE}%"
        ));
    }
    println!("{report}");

    if !failed.is_empty() {
        for (class, (_, missed)) in &classes {
            for r in missed.iter().take(SHOW) {
                eprintln!(
                    "missed {class} (evasion.tsv:{}, want {}:{}): {:?}",
                    r.row, r.list, r.line, r.query
                );
            }
        }
        for ((section, q), m) in false_positives.iter().take(SHOW) {
            let hits: Vec<String> = m.iter().map(|(k, _, l)| format!("{k}:{l}")).collect();
            eprintln!("false positive ({section}) {q:?} -> {}", hits.join(", "));
        }
        panic!("detection corpus: {}{report}", failed.join("; "));
    }
}

#[test]
fn corpus_files_are_consistent() {
    let rows = parse_evasion(&read(EVASION)).unwrap();
    let lists: BTreeMap<&str, Vec<String>> = [("terms", TERMS), ("victims", VICTIMS)]
        .into_iter()
        .map(|(name, path)| (name, read(path).lines().map(str::to_string).collect()))
        .collect();
    for r in &rows {
        let entry = lists[r.list.as_str()].get(r.line as usize - 1);
        assert!(
            entry.is_some_and(|e| !e.is_empty() && !e.starts_with('#')),
            "evasion.tsv:{}: {}:{} is not an entry",
            r.row,
            r.list,
            r.line
        );
        assert!(
            !r.query.contains(['\n', '\r', '\t']),
            "evasion.tsv:{}: control character",
            r.row
        );
    }
    let mut per_class: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &rows {
        *per_class.entry(r.class.as_str()).or_default() += 1;
    }
    for class in [
        "case",
        "fullwidth",
        "diacritics_precomposed",
        "diacritics_combining",
        "homoglyph",
        "math_alnum",
        "leet",
        "separators",
        "zero_width",
        "repeats",
        "joined",
        "name_order",
        "combo2",
        "combo3",
        "typo",
        "other_script",
    ] {
        assert!(
            per_class.get(class).copied().unwrap_or(0) >= 100,
            "class {class} has under 100 rows"
        );
    }
    assert!(benign_queries().len() >= 10_000);
    for list in [TERMS, VICTIMS, ALLOW, EVASION, BENIGN] {
        assert!(
            read(list).starts_with("# Synthetic placeholder"),
            "{list}: no synthetic-data header"
        );
    }
    let size: u64 = std::fs::read_dir(util::root().join("testdata/corpus"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(
        size < 2 << 20,
        "testdata/corpus is {size} bytes, over 2 MiB"
    );
    assert!(Path::new(&util::root().join("testdata/corpus/generate.py")).exists());
}

#[test]
fn evasion_tsv_parsing() {
    type Row = (&'static str, &'static str, &'static str, u32, usize);
    struct Case {
        name: &'static str,
        text: &'static str,
        want: Result<Vec<Row>, &'static str>,
    }
    let cases = [
        Case {
            name: "header, comments and two rows",
            text: "# c\nclass\tquery\texpected\n# --- case ---\ncase\tZORVEX pics\tterms:12\nname_order\tMarsk Tobin\tvictims:3\n",
            want: Ok(vec![
                ("case", "ZORVEX pics", "terms", 12, 4),
                ("name_order", "Marsk Tobin", "victims", 3, 5),
            ]),
        },
        Case {
            name: "no header",
            text: "case\tx\tterms:1\n",
            want: Err("evasion.tsv:1: want header"),
        },
        Case {
            name: "two columns",
            text: "class\tquery\texpected\ncase\tx\n",
            want: Err("evasion.tsv:2: want 3"),
        },
        Case {
            name: "unknown list",
            text: "class\tquery\texpected\ncase\tx\tallow:1\n",
            want: Err("evasion.tsv:2: unknown list"),
        },
        Case {
            name: "bad line",
            text: "class\tquery\texpected\ncase\tx\tterms:x\n",
            want: Err("evasion.tsv:2: bad line"),
        },
        Case {
            name: "no colon",
            text: "class\tquery\texpected\ncase\tx\tterms\n",
            want: Err("evasion.tsv:2: expected"),
        },
        Case {
            name: "empty",
            text: "# only comments\n",
            want: Err("evasion.tsv: no header"),
        },
    ];
    for case in cases {
        let got = parse_evasion(case.text);
        match (&got, &case.want) {
            (Ok(rows), Ok(want)) => {
                let got: Vec<_> = rows
                    .iter()
                    .map(|r| {
                        (
                            r.class.as_str(),
                            r.query.as_str(),
                            r.list.as_str(),
                            r.line,
                            r.row,
                        )
                    })
                    .collect();
                assert_eq!(&got, want, "{}", case.name);
            }
            (Err(e), Err(prefix)) => assert!(e.starts_with(prefix), "{}: {e}", case.name),
            _ => panic!("{}: got {got:?}", case.name),
        }
    }
}

#[test]
fn check_answer_parsing() {
    let ok = parse_answer(
        r#"{"action": "block", "matches": [{"kind": "terms", "file": "t.txt", "line": 7}]}"#,
    );
    assert_eq!(ok, Ok(vec![("terms".to_string(), "t.txt".to_string(), 7)]));
    assert_eq!(
        parse_answer(r#"{"action": "allow", "matches": []}"#),
        Ok(vec![])
    );
    assert!(parse_answer(r#"{"action": "maybe", "matches": []}"#).is_err());
    assert!(parse_answer(r#"{"action": "allow"}"#).is_err());
    assert!(parse_answer("not json").is_err());
}
