use proptest::prelude::*;
use serde_json::Value;

use super::*;

fn skips(body: &str) -> bool {
    let Ok(mut c) = Cursor::new(body.as_bytes()) else {
        return false;
    };
    c.skip().and_then(|()| c.end()).is_ok()
}

#[test]
fn accepts_what_serde_json_accepts() {
    let cases = [
        (
            "object",
            r#" {"a": [1, -2.5e-3, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9"]} "#,
        ),
        ("empty containers", r#"{"a":{},"b":[]}"#),
        ("surrogate pair", r#"["\ud83d\ude00"]"#),
        ("zero", "0"),
        ("negative zero fraction", "-0.0E+2"),
        (
            "long string",
            r#""abcdefghijklmnopqrstuvwxyz0123456789 ÄÖÜ ✓ abcdefgh""#,
        ),
    ];
    for (name, body) in cases {
        assert!(serde_json::from_str::<Value>(body).is_ok(), "{name}");
        assert!(skips(body), "{name}");
    }
}

#[test]
fn refuses_or_bails_where_serde_json_refuses() {
    let deep = "[".repeat(129) + &"]".repeat(129);
    let cases = [
        ("trailing comma", r#"[1,]"#.to_owned()),
        ("trailing data", r#"{} x"#.to_owned()),
        ("leading zero", "01".to_owned()),
        ("bare minus", "-".to_owned()),
        ("no fraction digits", "1.".to_owned()),
        ("no exponent digits", "1e".to_owned()),
        ("huge number", "1e400".to_owned()),
        ("lone surrogate", r#""\ud800""#.to_owned()),
        ("lone low surrogate", r#""\udc00x""#.to_owned()),
        ("bad escape", r#""\x""#.to_owned()),
        ("short unicode escape", r#""\u12""#.to_owned()),
        ("signed unicode escape", r#""\u+123""#.to_owned()),
        ("control character", "\"a\u{1}b\"".to_owned()),
        ("unterminated", r#""abc"#.to_owned()),
        ("deep", deep),
        ("key not string", r#"{1:2}"#.to_owned()),
        ("missing colon", r#"{"a" 2}"#.to_owned()),
        ("bad literal", "nul".to_owned()),
        ("empty", "".to_owned()),
    ];
    for (name, body) in cases {
        assert!(serde_json::from_str::<Value>(&body).is_err(), "{name}");
        assert!(!skips(&body), "{name}");
    }
    assert!(Cursor::new(b"\"\xff\"").is_err(), "invalid UTF-8");
}

#[test]
fn strings_are_borrowed_unless_escaped() {
    let mut c = Cursor::new(br#""plain" "esc\naped""#).unwrap();
    assert!(matches!(c.string().unwrap(), Cow::Borrowed("plain")));
    c.peek().unwrap();
    assert_eq!(c.string().unwrap(), "esc\naped");
}

fn json_like() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("1".to_owned()),
        Just("-0.5e3".to_owned()),
        Just("\"a\\u00e9\"".to_owned()),
        Just("\"\\ud83d\\ude00\"".to_owned()),
        Just("true".to_owned()),
        Just("null".to_owned()),
        "[ -~]{0,6}".prop_map(|s| s),
    ];
    atom.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|v| format!("[{}]", v.join(","))),
            proptest::collection::vec(("[a-c]{1,2}", inner), 0..4).prop_map(|v| {
                let body: Vec<String> =
                    v.into_iter().map(|(k, x)| format!("\"{k}\":{x}")).collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

proptest! {
    /// The scanner never accepts what serde_json refuses, and accepts the valid documents built
    /// from plain parts.
    #[test]
    fn never_more_lenient_than_serde_json(body in json_like()) {
        let serde_ok = serde_json::from_str::<Value>(&body).is_ok();
        if skips(&body) {
            prop_assert!(serde_ok, "{}", body);
        }
    }

    /// Arbitrary bytes: never more lenient, never a panic.
    #[test]
    fn arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..48)) {
        if let Ok(mut c) = Cursor::new(&body)
            && c.skip().and_then(|()| c.end()).is_ok()
        {
            prop_assert!(serde_json::from_slice::<Value>(&body).is_ok());
        }
    }
}

/// Where a plain run ends, byte by byte: the reference for `plain_run`'s vectorised search.
fn plain_run_reference(b: &[u8], i: usize) -> usize {
    (i..b.len())
        .find(|&k| {
            b.get(k)
                .is_some_and(|&c| c == b'"' || c == b'\\' || c < 0x20)
        })
        .unwrap_or(b.len())
}

proptest! {
    /// Long runs of ordinary bytes with a stop (quote, backslash, control character) anywhere,
    /// often past the first vector's width: the run ends exactly where the reference says.
    #[test]
    fn plain_run_ends_where_a_byte_by_byte_walk_does(
        body in proptest::collection::vec(
            prop_oneof![
                20 => (0x20u8..0x7F).prop_filter("plain", |c| *c != b'"' && *c != b'\\'),
                1 => Just(b'"'),
                1 => Just(b'\\'),
                1 => 0u8..0x20,
                2 => 0x80u8..=0xFF,
            ],
            0..160,
        ),
        from in 0usize..40,
    ) {
        let from = from.min(body.len());
        prop_assert_eq!(super::plain_run(&body, from), plain_run_reference(&body, from));
    }
}

/// A control character far into a long string (past the vector search's first blocks) is
/// still refused, as serde_json refuses it.
#[test]
fn a_control_character_deep_in_a_long_string_is_refused() {
    for at in [0, 7, 8, 31, 32, 33, 63, 64, 200] {
        let mut text = "x".repeat(300);
        text.replace_range(at..=at, "\u{1f}");
        let body = format!("\"{text}\"");
        assert!(serde_json::from_str::<Value>(&body).is_err());
        assert!(!skips(&body), "accepted a control character at {at}");
    }
}
