//! Bundle loading: accepted whole, every refusal with its reason, signatures when keys are set.

use super::*;

const TERMS: &str = "# synthetic placeholder terms\nzorvexil\nquandrith\n\nvelmorik\n";

/// The error and its causes, as a user sees them.
fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        out.push_str(&format!(": {c}"));
        cause = c.source();
    }
    out
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A bundle with one terms list; `edit` may change the manifest text before it is written.
fn bundle(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("terms.txt"), TERMS).unwrap();
    let manifest = format!(
        "version = \"2026.11.28\"\nserial = 5\ncreated = \"2026-11-28T22:00:00Z\"\n\
         expires = \"2030-01-01T00:00:00Z\"\n\n[[lists]]\nname = \"terms\"\n\
         file = \"terms.txt\"\nkind = \"terms\"\nentries = 3\nsha256 = \"{}\"\n",
        sha(TERMS.as_bytes())
    );
    std::fs::write(dir.path().join(MANIFEST_FILE), edit(manifest)).unwrap();
    dir
}

#[test]
fn loads_and_compiles() {
    let dir = bundle(|m| m);
    let b = load_bundle(dir.path(), &TrustPolicy::default()).unwrap();
    assert_eq!(b.sources.len(), 1);
    assert_eq!(b.sources[0].version.as_deref(), Some("2026.11.28"));
    let snap = crate::snapshot::Snapshot::build(b.sources).unwrap();
    assert_eq!(snap.lists[0].entries, 3);
    assert_eq!(snap.lists[0].version, "2026.11.28");
}

#[test]
fn refusals() {
    let late = humantime::parse_rfc3339("2031-01-01T00:00:00Z").unwrap();
    let tiny = TrustPolicy {
        max_total_bytes: 300,
        ..TrustPolicy::default()
    };
    let rollback = TrustPolicy {
        min_serial: Some(6),
        ..TrustPolicy::default()
    };
    let now = SystemTime::now();
    type Case<'a> = (
        &'a str,
        fn(String) -> String,
        TrustPolicy,
        SystemTime,
        &'a str,
    );
    let cases: Vec<Case<'_>> = vec![
        (
            "wrong count",
            |m| m.replace("entries = 3", "entries = 4"),
            TrustPolicy::default(),
            now,
            "has 3 entries, manifest says 4",
        ),
        (
            "rollback",
            |m| m,
            rollback,
            now,
            "serial 5 is lower than the minimum 6",
        ),
        ("expired", |m| m, TrustPolicy::default(), late, "expired"),
        ("too large", |m| m, tiny, now, "exceeds 300 bytes"),
        (
            "escape",
            |m| m.replace("\"terms.txt\"", "\"../terms.txt\""),
            TrustPolicy::default(),
            now,
            "lists[0].file",
        ),
        (
            "missing file",
            |m| m.replace("\"terms.txt\"", "\"nope.txt\""),
            TrustPolicy::default(),
            now,
            "nope.txt: cannot read",
        ),
        (
            "control character",
            |m| m.replace("version", "\u{0}version"),
            TrustPolicy::default(),
            now,
            "manifest.toml:1",
        ),
    ];
    for (name, edit, policy, now, want) in cases {
        let dir = bundle(edit);
        let err = load_bundle_at(dir.path(), &policy, now)
            .unwrap_err()
            .to_string();
        assert!(err.contains(want), "{name}: {err}");
    }
}

#[test]
fn flipped_bit_and_empty_list_are_refused() {
    let dir = bundle(|m| m);
    let path = dir.path().join("terms.txt");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[40] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let err = load_bundle(dir.path(), &TrustPolicy::default()).unwrap_err();
    assert!(matches!(err, BundleError::Checksum { .. }), "{err}");

    let empty = bundle(|m| {
        m.replace("entries = 3", "entries = 0")
            .replace(&sha(TERMS.as_bytes()), &sha(b"# none\n"))
    });
    std::fs::write(empty.path().join("terms.txt"), "# none\n").unwrap();
    let err = load_bundle(empty.path(), &TrustPolicy::default()).unwrap_err();
    assert!(err.to_string().contains("no entries"), "{err}");
    let lenient = TrustPolicy {
        allow_empty_lists: true,
        ..TrustPolicy::default()
    };
    assert!(load_bundle(empty.path(), &lenient).is_ok());
}

#[test]
fn signatures_are_required_when_keys_are_set() {
    let dir = bundle(|m| m);
    let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let key = signature::parse_public_key(&kp.pk.to_base64()).unwrap();
    let policy = TrustPolicy {
        keys: vec![key],
        ..TrustPolicy::default()
    };
    let err = chain(&load_bundle(dir.path(), &policy).unwrap_err());
    assert!(err.contains("not signed"), "{err}");
    let manifest = std::fs::read(dir.path().join(MANIFEST_FILE)).unwrap();
    let sig = minisign::sign(None, &kp.sk, manifest.as_slice(), None, None).unwrap();
    std::fs::write(dir.path().join(SIGNATURE_FILE), sig.into_string()).unwrap();
    let b = load_bundle(dir.path(), &policy).unwrap();
    assert_eq!(b.signed_by.map(|s| s.len()), Some(16));
    // A changed manifest no longer matches its signature.
    let edited = String::from_utf8(manifest)
        .unwrap()
        .replace("serial = 5", "serial = 9");
    std::fs::write(dir.path().join(MANIFEST_FILE), edited).unwrap();
    let err = chain(&load_bundle(dir.path(), &policy).unwrap_err());
    assert!(err.contains("does not match"), "{err}");
}
