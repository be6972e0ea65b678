//! Sealed lists end to end: `searchward lists keygen`, `lists seal`, then `searchward check
//! --config` with the sealed lists declared, blocking evaded queries by the plain list's lines.

use std::path::Path;
use std::process::Command;

use crate::util::{bin, pipe_through};

fn run(dir: &Path, args: &[&str], input: &str) -> (i32, String, String) {
    let (out, _) = pipe_through(
        Command::new(bin()).args(args).current_dir(dir),
        input.as_bytes(),
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const CONFIG: &str = r#"
[upstream]
url = "http://127.0.0.1:1"

[[lists]]
name = "sealed-terms"
kind = "terms"
path = "terms.sealed"
sealed_key = "KEY"

[[lists]]
name = "sealed-victims"
kind = "victims"
path = "victims.sealed"
sealed_key = "KEY"
"#;

fn sealed_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("terms.txt"),
        "# synthetic\nzorvexil\n\nquandrith moss\n",
    )
    .unwrap();
    std::fs::write(d.join("victims.txt"), "Ada Quillfeather\n").unwrap();
    for args in [
        &["lists", "keygen", "k.key"][..],
        &["lists", "keygen", "other.key"],
        &[
            "lists",
            "seal",
            "--key-file",
            "k.key",
            "terms.txt",
            "terms.sealed",
        ],
        &[
            "lists",
            "seal",
            "--key-file",
            "k.key",
            "--kind",
            "victims",
            "victims.txt",
            "victims.sealed",
        ],
    ] {
        let (code, _, stderr) = run(d, args, "");
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
    dir
}

#[test]
fn keygen_seal_and_check_block_evaded_queries() {
    let dir = sealed_dir();
    let d = dir.path();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("k.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let sealed = std::fs::read_to_string(d.join("terms.sealed")).unwrap();
    for word in ["zorvexil", "quandrith", "synthetic"] {
        assert!(!sealed.contains(word), "{word} leaked");
    }
    std::fs::write(d.join("c.toml"), CONFIG.replace("KEY", "k.key")).unwrap();
    let cases = [
        (
            "leet term",
            "Z0RV3X1L pics",
            r#"{"action":"block","matches":[{"kind":"terms","file":"terms.sealed","line":2}]}"#,
        ),
        (
            "benign",
            "weather tomorrow",
            r#"{"action":"allow","matches":[]}"#,
        ),
        (
            "joined phrase",
            "quandrithmoss",
            r#"{"action":"block","matches":[{"kind":"terms","file":"terms.sealed","line":4}]}"#,
        ),
        (
            "reversed name",
            "Quillfeather Ada",
            r#"{"action":"block","matches":[{"kind":"victims","file":"victims.sealed","line":1}]}"#,
        ),
        (
            "prefix is not matched",
            "zorvexilish",
            r#"{"action":"allow","matches":[]}"#,
        ),
    ];
    let input: String = cases.iter().map(|c| format!("{}\n", c.1)).collect();
    let (code, stdout, stderr) = run(d, &["check", "--config", "c.toml"], &input);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), cases.len());
    for ((name, _, want), got) in cases.iter().zip(lines) {
        assert_eq!(got, *want, "{name}");
    }
}

#[test]
fn wrong_or_missing_key_is_refused() {
    let dir = sealed_dir();
    let d = dir.path();
    std::fs::write(d.join("wrong.toml"), CONFIG.replace("KEY", "other.key")).unwrap();
    let (code, _, stderr) = run(d, &["check", "--config", "wrong.toml"], "zorvexil\n");
    assert_eq!(code, 64, "{stderr}");
    assert!(
        stderr.contains("terms.sealed:1: sealed with key"),
        "{stderr}"
    );
    let (code, _, stderr) = run(d, &["check", "--terms", "terms.sealed"], "zorvexil\n");
    assert_eq!(code, 64, "{stderr}");
    assert!(stderr.contains("declare its `sealed_key`"), "{stderr}");
}

#[test]
fn bundles_carry_sealed_lists_and_verify_says_so() {
    let dir = sealed_dir();
    let d = dir.path();
    let b = d.join("bundle");
    std::fs::create_dir(&b).unwrap();
    std::fs::copy(d.join("terms.sealed"), b.join("terms.sealed")).unwrap();
    let manifest = format!(
        "version = \"1\"\n\n[[lists]]\nname = \"sealed-terms\"\nfile = \"terms.sealed\"\nkind = \"terms\"\nsealed_key = {:?}\n",
        d.join("k.key").display().to_string()
    );
    std::fs::write(b.join("manifest.toml"), manifest).unwrap();
    let (code, _, stderr) = run(d, &["lists", "manifest", "bundle"], "");
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = run(d, &["lists", "verify", "bundle"], "");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("2 entries") && stdout.contains("sealed (whole-token matching only)"),
        "{stdout}"
    );
    assert!(
        !std::fs::read_to_string(b.join("manifest.toml"))
            .unwrap()
            .contains("zorvexil")
    );
}
