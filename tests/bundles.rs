//! `searchward lists …` on fixture bundles (testdata/bundles) copied into temp dirs: what a
//! maintainer or a loader sees for good bundles and for each kind of tampering.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::{bin, root};

fn fixtures() -> PathBuf {
    root().join("testdata/bundles")
}

/// The TEST-ONLY public key the committed fixture bundle is signed with.
fn test_pub() -> PathBuf {
    fixtures().join("keys/searchward-TEST-ONLY.pub")
}

/// A second TEST-ONLY public key that signed nothing.
fn other_pub() -> PathBuf {
    fixtures().join("keys/other-TEST-ONLY.pub")
}

/// The TEST-ONLY secret key; never use it for real lists.
fn test_secret() -> minisign::SecretKey {
    let text = std::fs::read_to_string(fixtures().join("keys/searchward-TEST-ONLY.key")).unwrap();
    minisign::SecretKeyBox::from_string(&text)
        .unwrap()
        .into_unencrypted_secret_key()
        .unwrap()
}

/// Signs `dir/manifest.toml` with the TEST-ONLY key.
fn sign(dir: &Path) {
    let manifest = std::fs::read(dir.join("manifest.toml")).unwrap();
    let sig = minisign::sign(
        None,
        &test_secret(),
        manifest.as_slice(),
        Some("searchward TEST-ONLY fixture"),
        Some("signature from the searchward TEST-ONLY key"),
    )
    .unwrap();
    std::fs::write(dir.join("manifest.toml.minisig"), sig.into_string()).unwrap();
}

/// A copy of the good fixture bundle in a fresh temp dir (kept alive by the returned guard).
fn good_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bundle");
    copy_dir(&fixtures().join("good"), &dir);
    (tmp, dir)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn edit(path: &Path, f: impl Fn(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(text)).unwrap();
}

fn lists(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.arg("lists");
    for a in args {
        cmd.arg(a);
    }
    cmd.output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `lists verify DIR --pubkey TEST` and asserts it is refused for `reason`.
fn assert_rejected(out: &Output, reason: &str) {
    assert_eq!(out.status.code(), Some(64), "stdout: {}", stdout(out));
    let err = stderr(out);
    assert!(err.contains("bundle rejected"), "{err}");
    assert!(err.contains(reason), "want {reason:?} in {err}");
}

#[test]
fn good_signed_bundle_verifies() {
    let dir = fixtures().join("good");
    let out = lists(&[&"verify", &dir, &"--pubkey", &test_pub()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("signed by key"), "{text}");
    assert!(text.contains("OK: 6 lists, 12 entries"), "{text}");
    assert!(
        !text.contains("zorvexil"),
        "verify must not print entries: {text}"
    );
    // The key can also be given as the base64 string itself.
    let key = std::fs::read_to_string(test_pub()).unwrap();
    let key = key.lines().nth(1).unwrap().to_owned();
    let out = lists(&[&"verify", &dir, &"--pubkey", &key]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn tampering_is_rejected() {
    type Tamper = fn(&Path);
    // (case, change to a good copy, extra args, reason in the error)
    let cases: &[(&str, Tamper, &[&str], &str)] = &[
        (
            "bit flip in a list",
            |d| {
                let p = d.join("terms.txt");
                let mut b = std::fs::read(&p).unwrap();
                let last = b.len() - 2;
                b[last] ^= 0x01;
                std::fs::write(&p, b).unwrap();
            },
            &[],
            "sha256 mismatch for list terms",
        ),
        (
            "wrong entry count (re-signed)",
            |d| {
                edit(&d.join("manifest.toml"), |m| {
                    m.replacen("entries = 4", "entries = 5", 1)
                });
                sign(d);
            },
            &[],
            "list terms has 4 entries, manifest says 5",
        ),
        (
            "unsigned",
            |d| std::fs::remove_file(d.join("manifest.toml.minisig")).unwrap(),
            &[],
            "not signed",
        ),
        (
            "manifest edited after signing",
            |d| {
                edit(&d.join("manifest.toml"), |m| {
                    m.replace("serial = 1", "serial = 9")
                })
            },
            &[],
            "signature does not match",
        ),
        (
            "rollback",
            |_| {},
            &["--min-serial", "2"],
            "serial 1 is lower than the minimum 2",
        ),
        (
            "expired (re-signed)",
            |d| {
                edit(&d.join("manifest.toml"), |m| {
                    m.replace("2036-01-01T00:00:00Z", "2021-01-01T00:00:00Z")
                        .replace(
                            &m.lines()
                                .find(|l| l.starts_with("created"))
                                .unwrap()
                                .to_owned(),
                            "created = \"2020-01-01T00:00:00Z\"",
                        )
                });
                sign(d);
            },
            &[],
            "expired",
        ),
        (
            "unknown list kind (re-signed)",
            |d| {
                edit(&d.join("manifest.toml"), |m| {
                    m.replace("kind = \"context\"", "kind = \"wordlist\"")
                });
                sign(d);
            },
            &[],
            "lists[2].kind: unknown variant `wordlist`",
        ),
        (
            "endless data through a symlink",
            |d| {
                std::fs::remove_file(d.join("urls.txt")).unwrap();
                std::os::unix::fs::symlink("/dev/zero", d.join("urls.txt")).unwrap();
            },
            &[],
            "resolves outside the bundle",
        ),
        (
            "over the size cap",
            |_| {},
            &["--max-bytes", "1000"],
            "exceeds 1000 bytes",
        ),
    ];
    for (name, tamper, extra, reason) in cases {
        let (_tmp, dir) = good_copy();
        tamper(&dir);
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"verify", &dir];
        let key = test_pub();
        args.push(&"--pubkey");
        args.push(&key);
        for e in extra.iter() {
            args.push(e);
        }
        let out = lists(&args);
        eprintln!("case {name}");
        assert_rejected(&out, reason);
    }
}

#[test]
fn wrong_key_is_rejected() {
    let dir = fixtures().join("good");
    let out = lists(&[&"verify", &dir, &"--pubkey", &other_pub()]);
    assert_rejected(&out, "not a trusted key");
    // Trusting both keys accepts it.
    let out = lists(&[
        &"verify",
        &dir,
        &"--pubkey",
        &other_pub(),
        &"--pubkey",
        &test_pub(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn manifest_round_trip() {
    let (_tmp, dir) = good_copy();
    // A draft: drop the computed fields, add an entry to a list.
    edit(&dir.join("manifest.toml"), |m| {
        m.lines()
            .filter(|l| !l.starts_with("entries") && !l.starts_with("sha256"))
            .map(|l| format!("{l}\n"))
            .collect()
    });
    edit(&dir.join("terms.txt"), |t| format!("{t}nelquarin\n"));
    let out = lists(&[&"manifest", &dir, &"--version", &"v2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("sign it again"), "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.join("manifest.toml")).unwrap();
    assert!(
        text.contains("serial = 2\n") && text.contains("version = \"v2\""),
        "{text}"
    );
    assert!(text.contains("entries = 5\n"), "{text}");
    // Unsigned check passes; the stale signature fails under the key until re-signed.
    let out = lists(&[&"verify", &dir]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("OK: 6 lists, 13 entries"),
        "{}",
        stdout(&out)
    );
    let out = lists(&[&"verify", &dir, &"--pubkey", &test_pub()]);
    assert_rejected(&out, "signature does not match");
    sign(&dir);
    let out = lists(&[&"verify", &dir, &"--pubkey", &test_pub()]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The serial may not go down.
    let out = lists(&[&"manifest", &dir, &"--serial", &"1"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("lower than the current serial 2"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn manifest_reports_bad_utf8_with_path_and_line() {
    let (_tmp, dir) = good_copy();
    std::fs::write(
        dir.join("victims.txt"),
        b"Ada Quillfeather\nTobin \xff Marsk\n",
    )
    .unwrap();
    let out = lists(&[&"manifest", &dir]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("victims.txt:2: line is not valid UTF-8"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn diff_counts_and_shows_only_on_request() {
    let (_tmp, new) = good_copy();
    edit(&new.join("terms.txt"), |t| {
        t.replace("quandrith\n", "") + "nelquarin\nfrobastin\n"
    });
    let out = lists(&[&"manifest", &new]);
    assert!(out.status.success(), "{}", stderr(&out));
    let old = fixtures().join("good");
    let out = lists(&[&"diff", &old, &new]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("terms: +2 -1 (4 -> 5 entries)"), "{text}");
    assert!(text.contains("victims: +0 -0 (2 -> 2 entries)"), "{text}");
    assert!(text.contains("total: +2 -1"), "{text}");
    assert!(
        !text.contains("nelquarin"),
        "entries shown without --show: {text}"
    );
    let out = lists(&[&"diff", &old, &new, &"--show"]);
    let text = stdout(&out);
    assert!(
        text.contains("  + nelquarin") && text.contains("  - quandrith"),
        "{text}"
    );
    // Two single files.
    let out = lists(&[&"diff", &old.join("terms.txt"), &new.join("terms.txt")]);
    assert!(stdout(&out).contains("terms: +2 -1"), "{}", stdout(&out));
}

#[test]
fn sign_then_verify() {
    let (_tmp, dir) = good_copy();
    edit(&dir.join("manifest.toml"), |m| {
        m.replace("serial = 1", "serial = 7")
    });
    let key = fixtures().join("keys/searchward-TEST-ONLY.key");
    let out = lists(&[&"sign", &dir, &"--secret-key", &key]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sig = std::fs::read_to_string(dir.join("manifest.toml.minisig")).unwrap();
    assert!(sig.contains("trusted comment: searchward bundle version 2026.11.28-test serial 7"));
    let out = lists(&[
        &"verify",
        &dir,
        &"--pubkey",
        &test_pub(),
        &"--min-serial",
        &"7",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // A bundle that does not verify is not signed.
    edit(&dir.join("terms.txt"), |t| t + "extra\n");
    let out = lists(&[&"sign", &dir, &"--secret-key", &key]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not signing"), "{}", stderr(&out));
}

/// Regenerates the TEST-ONLY key pair (if missing) and the fixture's signature:
/// `cargo test --test tests bundles::regenerate -- --ignored`. Run `searchward lists manifest
/// testdata/bundles/good` first when list files changed.
#[test]
#[ignore = "rewrites committed fixtures"]
fn regenerate_signed_fixture() {
    let keys = fixtures().join("keys");
    let write_pair = |stem: &str| {
        let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let sk = kp
            .sk
            .to_box(Some(
                "searchward TEST-ONLY secret key: never sign real lists with it",
            ))
            .unwrap();
        std::fs::write(keys.join(format!("{stem}.key")), sk.into_string()).unwrap();
        let pk = kp.pk.to_box().unwrap().into_string();
        std::fs::write(keys.join(format!("{stem}.pub")), pk).unwrap();
    };
    if !keys.join("searchward-TEST-ONLY.key").exists() {
        write_pair("searchward-TEST-ONLY");
    }
    if !keys.join("other-TEST-ONLY.pub").exists() {
        write_pair("other-TEST-ONLY");
        // Only its public half is needed (as the wrong key).
        std::fs::remove_file(keys.join("other-TEST-ONLY.key")).unwrap();
    }
    sign(&fixtures().join("good"));
}

#[test]
fn compile_writes_an_index_that_is_used_only_while_it_matches() {
    let (_tmp, dir) = good_copy();
    let out = lists(&[&"compile", &dir]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("4 text lists"), "{}", stdout(&out));
    assert!(stderr(&out).contains("sign it again"), "{}", stderr(&out));
    let manifest = std::fs::read_to_string(dir.join("manifest.toml")).unwrap();
    assert!(
        manifest.contains("[compiled]") && manifest.contains("file = \"compiled.idx\""),
        "{manifest}"
    );
    let out = lists(&[&"verify", &dir]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("compiled index compiled.idx: OK, used"),
        "{}",
        stdout(&out)
    );

    // A list changed after compiling: the index is still intact but no longer used.
    edit(&dir.join("terms.txt"), |t| format!("{t}nelquarin\n"));
    let out = lists(&[&"manifest", &dir]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = lists(&[&"verify", &dir]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("NOT used"), "{}", stdout(&out));
    // Compiling again makes it current (and keeps the serial).
    let out = lists(&[&"compile", &dir]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = lists(&[&"verify", &dir]);
    assert!(stdout(&out).contains("OK, used"), "{}", stdout(&out));

    // A damaged index fails its checksum: the whole bundle is refused.
    let mut bytes = std::fs::read(dir.join("compiled.idx")).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(dir.join("compiled.idx"), bytes).unwrap();
    assert_rejected(&lists(&[&"verify", &dir]), "sha256 mismatch");
    // Compile replaces it without reading the damaged one.
    let out = lists(&[&"compile", &dir]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(lists(&[&"verify", &dir]).status.success());
}
