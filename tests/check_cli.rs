//! `searchward check` from outside: the one-JSON-line-per-input contract, the shipped synthetic
//! lists, streaming many queries in one process, and bad lists.

use std::process::Command;

use crate::util::{bin, pipe_through, root};

fn check(args: &[&str], input: &str) -> (i32, String, String) {
    // A run that refuses its lists exits without reading stdin: a broken pipe is expected then.
    let (out, _) = pipe_through(
        Command::new(bin())
            .arg("check")
            .args(args)
            .current_dir(root()),
        input.as_bytes(),
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const LISTS: [&str; 6] = [
    "--terms",
    "lists/terms.txt",
    "--victims",
    "lists/victims.txt",
    "--allow",
    "lists/allow.txt",
];

#[test]
fn one_json_line_per_input_line() {
    let cases = [
        (
            "benign",
            "weather tomorrow",
            r#"{"action":"allow","matches":[]}"#,
        ),
        ("empty", "", r#"{"action":"allow","matches":[]}"#),
        (
            "evaded term",
            "Z0RV3X1L pics",
            r#"{"action":"block","matches":[{"kind":"terms","file":"lists/terms.txt","line":2}]}"#,
        ),
        (
            "multi-word term joined",
            "glimmerfaxtunnel",
            r#"{"action":"block","matches":[{"kind":"terms","file":"lists/terms.txt","line":12}]}"#,
        ),
        (
            "allow-listed",
            "plinquet pastry recipe",
            r#"{"action":"allow","matches":[]}"#,
        ),
        (
            "victim reversed",
            "Quillfeather, Ada",
            r#"{"action":"block","matches":[{"kind":"victims","file":"lists/victims.txt","line":2}]}"#,
        ),
        (
            "first name alone",
            "ada",
            r#"{"action":"allow","matches":[]}"#,
        ),
    ];
    let input: String = cases.iter().map(|(_, q, _)| format!("{q}\n")).collect();
    let (code, stdout, stderr) = check(&LISTS, &input);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), cases.len());
    for ((name, _, want), got) in cases.iter().zip(lines) {
        assert_eq!(got, *want, "{name}");
    }
}

#[test]
fn streams_many_queries_in_order() {
    let n = 20_000;
    let input: String = (0..n)
        .map(|i| {
            if i % 3 == 0 {
                format!("query {i} zorvexil\r\n")
            } else {
                format!("query {i}\n")
            }
        })
        .collect();
    let (code, stdout, _) = check(&LISTS, &input);
    assert_eq!(code, 0);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), n);
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l.contains("\"block\""), i % 3 == 0, "line {i}: {l}");
    }
}

#[test]
fn lists_from_the_demo_config() {
    // The demo config gates victims on a context list and signposts them.
    let (code, stdout, stderr) = check(
        &["--config", "config/demo.toml"],
        "zorvexil\nada quillfeather\nada quillfeather glimtrax\nhello\n",
    );
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].contains(r#""action":"block""#), "{}", lines[0]);
    assert!(lines[1].contains(r#""action":"allow""#), "{}", lines[1]);
    assert!(lines[2].contains(r#""kind":"victims""#), "{}", lines[2]);
    assert_eq!(lines[3], r#"{"action":"allow","matches":[]}"#);
}

#[test]
fn bad_list_names_path_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "zorvexil\n# c\n ..!! \n").unwrap();
    let (code, stdout, stderr) = check(&["--terms", bad.to_str().unwrap()], "zorvexil\n");
    assert_ne!(code, 0);
    assert!(stdout.is_empty());
    assert!(stderr.contains(&format!("{}:3", bad.display())), "{stderr}");
    let (code, _, stderr) = check(&["--config", "missing.toml"], "");
    assert_ne!(code, 0);
    assert!(stderr.contains("missing.toml"), "{stderr}");
}
