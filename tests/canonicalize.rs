//! `searchward canonicalize` end to end: a table of inputs on stdin of the real binary, both
//! modes, compared with `testdata/url/canonicalize.golden` (`SEARCHWARD_BLESS=1` rewrites it and fails).

use std::io::Write;
use std::process::{Command, Stdio};

use crate::util::{bin, pipe_through, root};

/// One input per line; no input contains `\n` (the command is line based).
const INPUTS: &[&str] = &[
    // From the Safe Browsing v4 "URLs and Hashing" examples.
    "http://host/%25%32%35",
    "http://host/%%%25%32%35asd%%",
    "http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/%77%77%77%2E%65%62%61%79%2E%63%6F%6D/",
    "http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833%252944_55%252B",
    "http://3279880203/blah",
    "http://www.google.com/blah/..",
    "www.google.com",
    "http://www.evil.com/blah#frag",
    "http://www.GOOgle.com/",
    "http://www.google.com.../",
    "http://www.google.com/foo\tbar\rbaz2",
    "http://www.google.com/q?",
    "http://www.google.com/q?r?s",
    "http://evil.com/foo?bar;",
    "http://www.gotaport.com:1234/",
    "  http://www.google.com/  ",
    "http:// leadingspace.com/",
    "%20leadingspace.com/",
    "https://www.securesite.com/",
    "http://host.com//twoslashes?more//slashes",
    "http://a.b.c/1/2.html?param=1",
    "http://a.b.c.d.e.f.g/1.html",
    "http://1.2.3.4/1/",
    // Our own.
    "HTTPS://User:pw@Zorvexil-Forum.EXAMPLE.:8443/t/./42/../43?page=2#reply",
    "zorvexil-forum.example:8080",
    "//quandrith.example.net/gallery/a/b/c/d/e.jpg",
    "http://velmorik.example.com/page.html?utm=1",
    "http://0x0a.0.0.07/x",
    "http://[2001:DB8::0:1]:80/a/b",
    "http://www.\u{fc}mlat.example/caf\u{e9}",
    // Forms a browser resolves (backslashes, missing or extra slashes, IPv4-mapped IPv6).
    "https://listed.example\\x",
    "https:\\\\listed.example/x",
    "https:/listed.example/x",
    "https:listed.example/x",
    "https:///listed.example/x",
    "https://files.example.com\\listed\\a.jpg",
    "https://[::ffff:192.0.2.77]/",
    "http:///no-host",
    // Not URLs: an empty output line each.
    "",
    "/only/a/path",
    "mailto:ada.quillfeather@example.invalid",
    "http://",
    "http://[not-ipv6]/",
];

fn run(expressions: bool) -> String {
    let mut cmd = Command::new(bin());
    cmd.arg("canonicalize");
    if expressions {
        cmd.arg("--expressions");
    }
    let input = INPUTS.join("\n") + "\n";
    let (out, written) = pipe_through(&mut cmd, input.as_bytes());
    written.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn canonicalize_matches_golden() {
    let urls = run(false);
    let exprs = run(true);
    let (urls, exprs): (Vec<&str>, Vec<&str>) = (urls.lines().collect(), exprs.lines().collect());
    assert_eq!(urls.len(), INPUTS.len(), "one line out per line in");
    assert_eq!(
        exprs.len(),
        INPUTS.len(),
        "one line out per line in (--expressions)"
    );
    let mut got = String::from(
        "# `searchward canonicalize` golden output for the inputs of tests/canonicalize.rs.\n\
         # in: the input (Rust escapes), url: canonical URL, expr: --expressions.\n",
    );
    for ((input, url), expr) in INPUTS.iter().zip(urls).zip(exprs) {
        // No trailing blanks for the empty answers, so editors leave the file alone.
        let line = |name: &str, pad: &str, value: &str| match value {
            "" => format!("{name}\n"),
            v => format!("{name}{pad}{v}\n"),
        };
        got.push_str(&format!("\nin:   {input:?}\n"));
        got.push_str(&line("url:", "  ", url));
        got.push_str(&line("expr:", " ", expr));
    }
    let path = root().join("testdata/url/canonicalize.golden");
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    if got != want && std::env::var_os("SEARCHWARD_BLESS").is_some() {
        std::fs::write(&path, &got).unwrap();
        panic!("golden file rewritten; review the diff and rerun without SEARCHWARD_BLESS");
    }
    assert_eq!(
        got, want,
        "rerun with SEARCHWARD_BLESS=1 and review the diff"
    );
}

#[test]
fn closed_pipe_is_not_an_error() {
    let mut child = Command::new(bin())
        .arg("canonicalize")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().unwrap();
    // Enough lines to overflow any buffer, so a write hits the closed pipe.
    let line = b"http://zorvexil-forum.example/a/b/c?d=e\n".repeat(1 << 14);
    let _ = stdin.write_all(&line);
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
}
