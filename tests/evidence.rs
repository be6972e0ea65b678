//! The evidence log through the real binary: crash safety under SIGKILL mid-append, export
//! (JSON Lines and CSV), purge and legal holds.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use searchward::evidence::{
    EvidenceLog, EvidenceRecord, MatchKind, RetentionPolicy, Stage, parse_rfc3339, read_file,
};

use crate::util::bin;

fn evidence(args: &[&str]) -> std::process::Output {
    Command::new(bin())
        .arg("evidence")
        .args(args)
        .output()
        .unwrap()
}

fn record(list: &str, time: &str, url: &str) -> EvidenceRecord {
    EvidenceRecord {
        time: parse_rfc3339(time).unwrap(),
        route: "index".into(),
        list: list.into(),
        list_version: "v7".into(),
        kind: MatchKind::Url,
        stage: Stage::Index,
        entry: Some(2),
        url: Some(url.into()),
        hash: None,
        algorithm: None,
        headers: [("x-uploader-id".to_owned(), "u-1".to_owned())].into(),
        legal_hold: false,
    }
}

/// A number in `0..n` that differs between runs, so the kill lands at different moments.
fn jitter(n: u64) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    u64::from(nanos) % n
}

/// The bench numbers its records 0, 1, 2…: the ones read back must be exactly a prefix.
fn assert_prefix(records: &[EvidenceRecord], path: &Path) {
    for (i, r) in records.iter().enumerate() {
        let want = format!("https://example.test/doc/{i}");
        assert_eq!(r.url.as_deref(), Some(want.as_str()), "{}", path.display());
    }
}

#[test]
fn evidence_survives_sigkill_mid_append() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..3 {
        let path = dir.path().join(format!("crash-{round}.jsonl"));
        let mut child = Command::new(bin())
            .args(["evidence", "append-bench", "--count", "100000000", "--file"])
            .arg(&path)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let threshold = 2048 + jitter(64 * 1024);
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::fs::metadata(&path).map_or(0, |m| m.len()) < threshold {
            assert!(Instant::now() < deadline, "append-bench wrote too little");
            assert!(
                child.try_wait().unwrap().is_none(),
                "append-bench exited early"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let first = read_file(&path).unwrap();
        assert!(
            first.skipped <= 1,
            "round {round}: skipped {}",
            first.skipped
        );
        assert!(!first.records.is_empty());
        assert_prefix(&first.records, &path);

        let log = EvidenceLog::open(&path, RetentionPolicy::default()).unwrap();
        let extra = record(
            "after-crash",
            "2026-11-28T12:00:00Z",
            "https://example.test/x",
        );
        log.append(&extra).unwrap();
        let second = read_file(&path).unwrap();
        assert_eq!(second.skipped, 0, "round {round}");
        assert_eq!(second.records.len(), first.records.len() + 1);
        assert_eq!(second.records.last(), Some(&extra));
    }
}

#[test]
fn export_filters_by_time_and_writes_csv() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.jsonl");
    let log = EvidenceLog::open(&path, RetentionPolicy::default()).unwrap();
    log.append(&record(
        "a",
        "2026-11-01T00:00:00Z",
        "https://example.test/1",
    ))
    .unwrap();
    log.append(&record(
        "b",
        "2026-11-02T00:00:00Z",
        "https://example.test/2,x",
    ))
    .unwrap();
    log.append(&record(
        "a",
        "2026-11-03T00:00:00Z",
        "https://example.test/3",
    ))
    .unwrap();
    drop(log);
    // A torn tail, as a crash would leave it.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"time\":\"2026-11-02T");
    std::fs::write(&path, bytes).unwrap();
    let file = path.to_str().unwrap();

    let out = evidence(&[
        "export",
        "--file",
        file,
        "--since",
        "2026-11-02T00:00:00Z",
        "--until",
        "2026-11-03T00:00:00Z",
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{out:?}");
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("time,route,list,"));
    assert!(lines[0].ends_with(",header:x-uploader-id"));
    assert!(lines[1].contains(",b,v7,url,index,2,\"https://example.test/2,x\",,,false,u-1"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped 1"));

    let out = evidence(&["export", "--file", file, "--list", "a"]);
    assert!(out.status.success());
    let jsonl = String::from_utf8(out.stdout).unwrap();
    let got: Vec<EvidenceRecord> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(got.len(), 2);
    // Export never modifies the log.
    assert!(std::fs::read(&path).unwrap().ends_with(b"2026-11-02T"));

    let out = evidence(&["export", "--file", file, "--since", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
    let out = evidence(&[
        "export",
        "--file",
        dir.path().join("none").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn purge_keeps_held_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.jsonl");
    let log = EvidenceLog::open(&path, RetentionPolicy::default()).unwrap();
    for (list, time) in [
        ("a", "2025-01-01T00:00:00Z"),
        ("b", "2025-01-01T00:00:00Z"),
        ("a", "2026-11-01T00:00:00Z"),
    ] {
        log.append(&record(list, time, "https://example.test/"))
            .unwrap();
    }
    drop(log);
    let file = path.to_str().unwrap();
    let out = evidence(&[
        "hold",
        "--file",
        file,
        "--list",
        "b",
        "--until",
        "2025-06-01T00:00:00Z",
    ]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        "{\"changed\":1}"
    );
    let out = evidence(&[
        "purge",
        "--file",
        file,
        "--retention-days",
        "90",
        "--now",
        "2026-11-28T00:00:00Z",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        "{\"kept\":2,\"purged\":1,\"held\":1,\"skipped\":0}"
    );
    let left: Vec<String> = read_file(&path)
        .unwrap()
        .records
        .into_iter()
        .map(|r| r.list)
        .collect();
    assert_eq!(left, ["b", "a"]);
}
