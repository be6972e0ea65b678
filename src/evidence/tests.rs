//! Unit tests of evidence records, the reader's torn-line handling, the log's repair, retention
//! and legal holds, export formats and the `[evidence]` config section.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, SystemTime};

use super::*;
use crate::lists::HashAlgorithm;

const DAY: Duration = Duration::from_secs(86_400);

fn t0() -> SystemTime {
    parse_rfc3339("2026-11-28T12:00:00Z").unwrap()
}

fn record(list: &str, time: SystemTime) -> EvidenceRecord {
    EvidenceRecord {
        time,
        route: "search".into(),
        list: list.into(),
        list_version: "v1".into(),
        kind: MatchKind::Hash,
        stage: Stage::Index,
        entry: Some(3),
        url: Some("https://example.test/a?b=1".into()),
        hash: Some("3dbcfd15b317557b3d3f9b5c78d7cc18".into()),
        algorithm: Some(HashAlgorithm::Md5),
        headers: BTreeMap::from([("x-uploader-id".to_owned(), "u-42".to_owned())]),
        legal_hold: false,
    }
}

fn line(r: &EvidenceRecord) -> String {
    serde_json::to_string(r).unwrap() + "\n"
}

#[test]
fn records_serialise_time_first_and_round_trip() {
    let r = record("md5", t0());
    let json = serde_json::to_string(&r).unwrap();
    assert!(
        json.starts_with("{\"time\":\"2026-11-28T12:00:00.000Z\",\"route\":"),
        "{json}"
    );
    assert!(json.contains("\"kind\":\"hash\",\"stage\":\"index\""));
    assert_eq!(serde_json::from_str::<EvidenceRecord>(&json).unwrap(), r);
    let minimal = "{\"time\":\"2026-11-28T12:00:00Z\",\"route\":\"r\",\"list\":\"l\",\
                   \"list_version\":\"v\",\"kind\":\"url\",\"stage\":\"query\"}";
    let m: EvidenceRecord = serde_json::from_str(minimal).unwrap();
    assert!(m.url.is_none() && m.headers.is_empty() && !m.legal_hold);
}

#[test]
fn reader_skips_torn_lines() {
    let (a, b) = (line(&record("a", t0())), line(&record("b", t0())));
    let torn = &a[..a.len() / 2];
    let cases: &[(&str, String, &[&str], usize)] = &[
        ("clean", format!("{a}{b}"), &["a", "b"], 0),
        ("empty", String::new(), &[], 0),
        ("torn tail", format!("{a}{torn}"), &["a"], 1),
        (
            "complete tail without newline",
            format!("{a}{}", b.trim_end()),
            &["a"],
            1,
        ),
        (
            "torn middle, later record on same line",
            format!("{torn}{b}{a}"),
            &["b", "a"],
            1,
        ),
        ("garbage line", format!("{a}not json\n{b}"), &["a", "b"], 1),
        ("blank lines", format!("\n{a}\n  \n{b}"), &["a", "b"], 0),
        ("invalid utf-8", format!("{a}\u{fffd}\n{b}"), &["a", "b"], 1),
    ];
    for (name, text, lists, skipped) in cases {
        let got = read_records(text.as_bytes()).unwrap();
        let names: Vec<&str> = got.records.iter().map(|r| r.list.as_str()).collect();
        assert_eq!(&names, lists, "case {name}");
        assert_eq!(got.skipped, *skipped, "case {name}");
    }
    let raw = [a.as_bytes(), b"\xff\xfe\n", b.as_bytes()].concat();
    assert_eq!(read_records(raw.as_slice()).unwrap().skipped, 1);
}

#[test]
fn open_repairs_torn_tail_and_appends_on_a_fresh_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evidence.jsonl");
    let a = line(&record("a", t0()));
    std::fs::write(&path, format!("{a}{}", &a[..40])).unwrap();
    let log = EvidenceLog::open(&path, RetentionPolicy::default()).unwrap();
    assert_eq!(log.repaired_bytes(), 40);
    log.append(&record("b", t0())).unwrap();
    let got = read_file(&path).unwrap();
    assert_eq!(got.skipped, 0);
    assert_eq!(got.records.len(), 2);
    assert_eq!(got.records[1].list, "b");

    std::fs::write(&path, "no newline at all").unwrap();
    let log = EvidenceLog::open(&path, RetentionPolicy::default()).unwrap();
    assert_eq!(log.repaired_bytes(), 17);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
}

#[test]
fn new_logs_are_private_and_missing_logs_read_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.jsonl");
    assert_eq!(read_file(&path).unwrap(), ReadOutcome::default());
    let log = EvidenceLog::open(&path, RetentionPolicy::default()).unwrap();
    log.append(&record("a", t0())).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(
        EvidenceLog::open(
            dir.path().join("no/such/dir/e.jsonl"),
            RetentionPolicy::default()
        )
        .is_err()
    );
}

#[test]
fn purge_honours_retention_and_legal_hold() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.jsonl");
    let log = EvidenceLog::open(&path, RetentionPolicy::from_days(90)).unwrap();
    let now = t0() + 100 * DAY;
    let mut held = record("old-held", t0());
    held.legal_hold = true;
    for r in [
        record("old", t0()),
        held,
        record("edge", now - 90 * DAY),
        record("recent", now - DAY),
    ] {
        log.append(&r).unwrap();
    }
    let counts = log.purge(now).unwrap();
    assert_eq!(
        counts,
        PurgeCounts {
            kept: 3,
            purged: 1,
            held: 1,
            skipped: 0
        }
    );
    let lists: Vec<String> = log
        .read()
        .unwrap()
        .records
        .into_iter()
        .map(|r| r.list)
        .collect();
    assert_eq!(lists, ["old-held", "edge", "recent"]);
    assert!(!dir.path().join(".e.jsonl.rewrite").exists());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // The handle follows the rewritten file.
    log.append(&record("after", now)).unwrap();
    assert_eq!(log.read().unwrap().records.len(), 4);
    // Nothing to do: no rewrite, same counts shape.
    assert_eq!(log.purge(now).unwrap().purged, 0);
    assert!(!dir.path().join(".e.jsonl.rewrite").exists());
}

#[test]
fn legal_hold_by_filter() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.jsonl");
    let log = EvidenceLog::open(&path, RetentionPolicy::from_days(90)).unwrap();
    for (list, day) in [("a", 0), ("a", 1), ("b", 1), ("a", 2)] {
        log.append(&record(list, t0() + day * DAY)).unwrap();
    }
    let filter = RecordFilter {
        since: Some(t0() + DAY),
        until: Some(t0() + 2 * DAY),
        list: Some("a".into()),
    };
    assert_eq!(log.set_legal_hold(&filter, true).unwrap(), 1);
    assert_eq!(log.set_legal_hold(&filter, true).unwrap(), 0);
    let holds: Vec<bool> = log
        .read()
        .unwrap()
        .records
        .iter()
        .map(|r| r.legal_hold)
        .collect();
    assert_eq!(holds, [false, true, false, false]);
    let counts = log.purge(t0() + 400 * DAY).unwrap();
    assert_eq!((counts.kept, counts.purged, counts.held), (1, 3, 1));
    assert_eq!(
        log.set_legal_hold(&RecordFilter::default(), false).unwrap(),
        1
    );
}

#[test]
fn append_follows_a_replaced_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.jsonl");
    let log = EvidenceLog::open(&path, RetentionPolicy::default()).unwrap();
    log.append(&record("a", t0())).unwrap();
    std::fs::remove_file(&path).unwrap();
    log.append(&record("b", t0())).unwrap();
    let got = read_file(&path).unwrap();
    assert_eq!(got.records.len(), 1);
    assert_eq!(got.records[0].list, "b");
}

#[test]
fn csv_export_quotes_and_adds_header_columns() {
    let mut a = record("a", t0());
    a.url = Some("https://example.test/x,\"y\"\nz".into());
    let mut b = record("b", t0());
    b.kind = MatchKind::Url;
    b.hash = None;
    b.algorithm = None;
    b.entry = None;
    b.headers = BTreeMap::from([("x-tenant".to_owned(), " t 1".to_owned())]);
    let mut out = Vec::new();
    write_records(&[a, b], ExportFormat::Csv, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let want = "time,route,list,list_version,kind,stage,entry,url,hash,algorithm,legal_hold,\
                header:x-tenant,header:x-uploader-id\r\n\
                2026-11-28T12:00:00.000Z,search,a,v1,hash,index,3,\"https://example.test/x,\"\"y\"\"\nz\",\
                3dbcfd15b317557b3d3f9b5c78d7cc18,md5,false,,u-42\r\n\
                2026-11-28T12:00:00.000Z,search,b,v1,url,index,,https://example.test/a?b=1,,,false,\" t 1\",\r\n";
    assert_eq!(text, want);
    let mut jsonl = Vec::new();
    write_records(&[record("a", t0())], ExportFormat::Jsonl, &mut jsonl).unwrap();
    assert_eq!(String::from_utf8(jsonl).unwrap(), line(&record("a", t0())));
}

#[test]
fn config_section() {
    let c: EvidenceConfig = toml::from_str("path = \"/var/lib/sw/e.jsonl\"").unwrap();
    assert_eq!(c.retention_days, 365);
    assert_eq!(c.retention(), RetentionPolicy::default());
    assert!(c.problems().is_empty());
    assert!(toml::from_str::<EvidenceConfig>("path = \"e\"\nbogus = 1").is_err());
    let cases: &[(&str, &str)] = &[
        ("short retention", "path = \"e\"\nretention_days = 30"),
        ("referer", "path = \"e\"\nheaders = [\"Referer\"]"),
        ("cookie", "path = \"e\"\nheaders = [\"cookie\"]"),
        ("bad name", "path = \"e\"\nheaders = [\"x uploader\"]"),
        ("empty path", "path = \"\""),
    ];
    for (name, text) in cases {
        let c: EvidenceConfig = toml::from_str(text).unwrap();
        assert_eq!(c.problems().len(), 1, "case {name}: {:?}", c.problems());
    }
    let c: EvidenceConfig =
        toml::from_str("path = \"e\"\nheaders = [\"X-Uploader-Id\", \"x-long\", \"cookie\"]")
            .unwrap();
    let mut h = http::HeaderMap::new();
    h.insert("x-uploader-id", "u-42".parse().unwrap());
    h.insert("x-long", "é".repeat(200).parse().unwrap());
    h.insert("cookie", "secret".parse().unwrap());
    let got = c.capture_headers(&h);
    assert_eq!(got.get("x-uploader-id").map(String::as_str), Some("u-42"));
    assert_eq!(got.get("x-long").map(String::len), Some(256));
    assert!(!got.contains_key("cookie"));
}

#[test]
fn concurrent_appends_never_interleave() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.jsonl");
    let log = std::sync::Arc::new(EvidenceLog::open(&path, RetentionPolicy::default()).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let log = log.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    let mut r = record(&format!("t{t}"), t0());
                    r.url = Some(format!("https://example.test/{t}/{i}/{}", "x".repeat(5000)));
                    log.append(&r).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let got = read_file(&path).unwrap();
    assert_eq!((got.records.len(), got.skipped), (200, 0));
    for t in 0..4 {
        let urls: Vec<&str> = got
            .records
            .iter()
            .filter(|r| r.list == format!("t{t}"))
            .filter_map(|r| r.url.as_deref())
            .collect();
        let want: Vec<String> = (0..50)
            .map(|i| format!("https://example.test/{t}/{i}/{}", "x".repeat(5000)))
            .collect();
        assert_eq!(urls, want, "thread {t} in order");
    }
}

#[test]
fn purge_drops_torn_lines_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.jsonl");
    let a = line(&record("a", t0()));
    std::fs::write(&path, format!("{a}garbage\n{a}")).unwrap();
    let log = EvidenceLog::open(&path, RetentionPolicy::default()).unwrap();
    let counts = log.purge(t0()).unwrap();
    assert_eq!(
        counts,
        PurgeCounts {
            kept: 2,
            purged: 0,
            held: 0,
            skipped: 1
        }
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{a}{a}"));
}
