//! Manifest parsing and checks: defaults, every problem with file, line and key, drafts.

use super::*;

const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn doc(lists: &str) -> String {
    format!("version = \"v1\"\nserial = 3\ncreated = \"2026-11-28T22:00:00Z\"\n\n{lists}")
}

fn list(extra: &str) -> String {
    format!(
        "[[lists]]\nname = \"t\"\nfile = \"t.txt\"\nkind = \"terms\"\nentries = 2\nsha256 = \"{SHA}\"\n{extra}"
    )
}

#[test]
fn good_manifest_gets_list_spec_defaults() {
    let m = Manifest::parse(&doc(&list("")), Path::new("m.toml")).unwrap();
    assert_eq!(m.serial, 3);
    let spec = m.lists[0].spec_in(Path::new("/b"));
    let flag = ListSpec::from_flag(ListKind::Terms, PathBuf::from("/b/t.txt"));
    assert_eq!(
        spec,
        ListSpec {
            name: "t".into(),
            ..flag
        }
    );
}

#[test]
fn errors_name_file_line_and_key() {
    let second = format!(
        "{}[[lists]]\nname = \"u\"\nfile = \"u.txt\"\nkind = \"wordlist\"\nentries = 1\nsha256 = \"{SHA}\"\n",
        list("")
    );
    // (case, manifest text, text the error must contain)
    let cases: &[(&str, String, &str)] = &[
        ("not toml", "version = ".into(), "m.toml:1"),
        ("unknown top-level key", doc("colour = 1\n"), "colour"),
        (
            "unknown list key",
            doc(&list("bogus = true\n")),
            "lists[0].bogus",
        ),
        (
            "unknown kind names the key",
            doc(&second),
            "m.toml:14: lists[1].kind: unknown variant `wordlist`",
        ),
        (
            "missing version",
            "serial = 1\ncreated = \"2026-11-28T22:00:00Z\"\n".into(),
            "missing field `version`",
        ),
        (
            "negative serial",
            doc("").replace("serial = 3", "serial = -1"),
            "serial",
        ),
        (
            "local time",
            doc("").replace("22:00:00Z", "22:00:00+01:00"),
            "created: timestamp format is invalid",
        ),
        (
            "missing sha256",
            doc(&list("")).replace(&format!("sha256 = \"{SHA}\"\n"), ""),
            "lists[0]: missing field `sha256`",
        ),
        (
            "bad sha256",
            doc(&list("")).replace(SHA, "ABC"),
            "lists[0].sha256: must be 64 lowercase hex digits",
        ),
        (
            "parent dir",
            doc(&list("")).replace("t.txt", "../t.txt"),
            "lists[0].file: must not contain `..`",
        ),
        (
            "absolute",
            doc(&list("")).replace("t.txt", "/etc/t.txt"),
            "lists[0].file: must be a relative path",
        ),
        (
            "duplicate names",
            doc(&format!("{}{}", list(""), list(""))),
            "lists[1].name: \"t\" is used by two lists",
        ),
        (
            "hashes need algorithm",
            doc(&list("")).replace("\"terms\"", "\"hashes\""),
            "lists[0]: a hashes list needs `algorithm`",
        ),
        (
            "expires before created",
            doc("").replace(
                "serial = 3",
                "serial = 3\nexpires = \"2020-01-01T00:00:00Z\"",
            ),
            "expires: must be later",
        ),
        (
            "empty version",
            doc("").replace("\"v1\"", "\"\""),
            "version: must not be empty",
        ),
    ];
    for (name, text, want) in cases {
        let err = Manifest::parse(text, Path::new("m.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains(want), "{name}: {err:?} lacks {want:?}");
    }
}

#[test]
fn bare_toml_datetime_is_accepted() {
    let text = doc("").replace("\"2026-11-28T22:00:00Z\"", "2026-11-28T22:00:00Z");
    let m = Manifest::parse(&text, Path::new("m.toml")).unwrap();
    assert_eq!(m.created.to_string(), "2026-11-28T22:00:00Z");
}

#[test]
fn draft_fills_placeholders_but_keeps_checks() {
    let draft = "[[lists]]\nname = \"t\"\nfile = \"t.txt\"\nkind = \"terms\"\n";
    let m = Manifest::parse_draft(draft, Path::new("m.toml"), Some("v2")).unwrap();
    assert_eq!(m.version, "v2");
    assert_eq!(m.lists[0].entries, 0);
    let err = Manifest::parse_draft(draft, Path::new("m.toml"), None).unwrap_err();
    assert!(err.to_string().contains("version"), "{err}");
    let bad = draft.replace("terms\"", "wordlist\"");
    let err = Manifest::parse_draft(&bad, Path::new("m.toml"), Some("v")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("m.toml: lists[0].kind: unknown variant"),
        "{err}"
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn time() -> impl Strategy<Value = Timestamp> {
        (0u64..253_402_300_799, 0u32..1_000_000_000)
            .prop_map(|(s, n)| Timestamp(UNIX_EPOCH + Duration::new(s, n)))
    }

    fn kind() -> impl Strategy<Value = ListKind> {
        prop_oneof![
            Just(ListKind::Terms),
            Just(ListKind::Victims),
            Just(ListKind::Context),
            Just(ListKind::Allow),
            Just(ListKind::Urls),
        ]
    }

    fn entry() -> impl Strategy<Value = ManifestList> {
        (
            "[a-z][a-z0-9_-]{0,12}",
            "[a-z0-9_]{1,8}(/[a-z0-9_]{1,8}\\.txt){0,2}",
            kind(),
            "\\PC{0,12}",
            prop_oneof![
                Just(Action::Block),
                Just(Action::Signpost),
                Just(Action::Monitor)
            ],
            any::<bool>(),
            0..=i64::MAX as u64,
            "[0-9a-f]{64}",
        )
            .prop_map(
                |(name, file, kind, category, action, typos, entries, sha256)| ManifestList {
                    name,
                    file: PathBuf::from(file),
                    kind,
                    category,
                    action,
                    mode: MatchMode::Prefix,
                    typos,
                    context: None,
                    algorithm: None,
                    effect: HitEffect::Demote,
                    max_distance: None,
                    sealed_key: None,
                    entries,
                    sha256,
                },
            )
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}", cut in 0usize..400) {
            let _ = Manifest::parse(&text, Path::new("m.toml"));
            let good = doc(&list(""));
            let mut damaged = good.clone();
            damaged.truncate(cut.min(good.len()));
            damaged.push_str(&text);
            let _ = Manifest::parse(&damaged, Path::new("m.toml"));
            let _ = Manifest::parse_draft(&damaged, Path::new("m.toml"), Some("v"));
        }

        #[test]
        fn serialise_then_parse_is_identity(
            version in "\\PC{1,20}",
            serial in 0..=i64::MAX as u64,
            created in time(),
            expires in proptest::option::of(time()),
            lists in proptest::collection::vec(entry(), 0..4),
        ) {
            let mut lists = lists;
            for (i, l) in lists.iter_mut().enumerate() {
                l.name = format!("{}{i}", l.name);
            }
            let expires = expires.filter(|e| *e > created);
            prop_assume!(!version.trim().is_empty());
            let m = Manifest { version, serial, created, expires, lists, compiled: None };
            let text = m.to_toml().unwrap();
            let back = Manifest::parse(&text, Path::new("m.toml")).unwrap();
            prop_assert_eq!(back, m);
        }
    }
}
