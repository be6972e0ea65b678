//! Fuzz entry points for the JSON scanner, URL canonicalisation, and the config, manifest,
//! list and bundle readers.

use std::path::Path;

use serde_json::Value;

use crate::proxy::router::Router;

// === JSON scanner ===

/// Pointers read out of a scanned document: fixed ones plus, when `serde_json` reads it, the
/// first few paths of the document itself.
fn pointers_of(doc: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = [
        "", "/a", "/a/0", "/0", "/url", "/a/b", "/~1", "/", "/0/0", "x",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    fn walk(v: &Value, at: String, out: &mut Vec<String>) {
        if out.len() >= 24 {
            return;
        }
        out.push(at.clone());
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let token = k.replace('~', "~0").replace('/', "~1");
                    walk(v, format!("{at}/{token}"), out);
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate().take(3) {
                    walk(v, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    if let Some(doc) = doc {
        walk(doc, String::new(), &mut out);
    }
    out
}

/// The scanner never accepts what `serde_json` refuses, and what it captures at each pointer is
/// what `Value::pointer` finds there.
pub fn json_scan(data: &[u8]) {
    use crate::engines::{Captured, ScanCursor, ScanPointers, scan_whole};
    let parsed: Option<Value> = serde_json::from_slice(data).ok();
    let Ok(mut c) = ScanCursor::new(data) else {
        return;
    };
    if c.skip().and_then(|()| c.end()).is_ok() {
        assert!(parsed.is_some(), "scanner accepts what serde_json refuses");
    }
    let pointers = pointers_of(parsed.as_ref());
    let ptrs = ScanPointers::new(&pointers);
    let mut out = vec![Captured::Absent; ptrs.count()];
    let Ok(mut c) = ScanCursor::new(data) else {
        return;
    };
    if scan_whole(&mut c, &ptrs, &mut out, 0).is_err() || c.end().is_err() {
        return;
    }
    let doc = parsed.expect("scanner read a whole document serde_json refuses");
    for (p, slot) in pointers.iter().zip(ptrs.slots()) {
        let got = slot.and_then(|s| out.get(s)).unwrap_or(&Captured::Absent);
        let want = if p.is_empty() || p.starts_with('/') {
            doc.pointer(p)
        } else {
            None
        };
        let agrees = match (got, want) {
            (Captured::Str(s), Some(Value::String(w))) => s == w,
            (Captured::Object, Some(Value::Object(_))) => true,
            (Captured::Array(items), Some(Value::Array(w))) => {
                items.len() == w.len()
                    && items.iter().zip(w).all(|(i, v)| match (i, v) {
                        (Some(s), Value::String(w)) => s == w,
                        (None, v) => !v.is_string(),
                        _ => false,
                    })
            }
            (Captured::Absent, None) => true,
            (Captured::Absent, Some(v)) => !v.is_string() && !v.is_array() && !v.is_object(),
            _ => false,
        };
        assert!(
            agrees,
            "pointer {p:?}: scanned {got:?}, serde_json {want:?}"
        );
    }
}

// === URL canonicalisation ===

/// A host name the URL Standard and Safe Browsing write the same way: dot-separated labels of
/// lowercase letters, digits and `-`, none empty, the last not all digits or hex-like.
fn plain_host(h: &str) -> bool {
    !h.is_empty()
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        && h.rsplit('.')
            .next()
            .is_some_and(|l| l.bytes().any(|b| b.is_ascii_lowercase() && b != b'x'))
}

/// `name:5//x` is read as a host and port, not a scheme, on purpose (`url/browser.rs`): the
/// Safe Browsing reading of `host:8080/path`. The URL Standard reads a scheme there. Both
/// readings drop tabs and line breaks anywhere and leading controls and spaces first, so
/// `http:\r3/` is such an input too.
fn reads_as_host_and_port(text: &str) -> bool {
    let kept: String = text
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    kept.trim_start_matches(|c: char| c <= ' ')
        .split_once(':')
        .is_some_and(|(_, rest)| rest.starts_with(|c: char| c.is_ascii_digit()))
}

/// No panic; canonical output is ASCII, canonicalises to itself, and has bounded expressions;
/// where the URL Standard reads an `http(s)` URL with a plain host or an IPv4 address, the
/// scheme and host agree with the `url` crate's.
pub fn url(data: &[u8]) {
    let Ok(c) = crate::url::canonicalize_bytes(data) else {
        return;
    };
    let s = c.as_str();
    assert!(s.is_ascii(), "canonical URL not ASCII: {s:?}");
    assert!(c.path().starts_with('/'));
    let again = crate::url::canonicalize(s).expect("a canonical URL canonicalises");
    assert_eq!(again.as_str(), s, "canonicalisation is not idempotent");
    let n = c.expressions().iter().count();
    assert!((1..=crate::url::MAX_HOSTS * crate::url::MAX_PATHS).contains(&n));

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Percent-escapes in hosts are read differently on purpose (Safe Browsing unescapes
    // repeatedly); compare only where there are none.
    if text.contains('%') {
        return;
    }
    if reads_as_host_and_port(text) {
        return;
    }
    let Ok(u) = ::url::Url::parse(text) else {
        return;
    };
    if !matches!(u.scheme(), "http" | "https") {
        return;
    }
    assert_eq!(c.scheme(), u.scheme(), "scheme of {text:?}");
    match u.host() {
        Some(::url::Host::Domain(d)) if plain_host(d) => {
            assert_eq!(c.host(), d, "host of {text:?}");
        }
        Some(::url::Host::Ipv4(ip)) => assert_eq!(c.host(), ip.to_string(), "host of {text:?}"),
        _ => {}
    }
}

// === config, manifest, lists, bundles ===

/// Config text: parsed and validated without panicking; a valid config's routes compile.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cfg) = crate::config::Config::parse(text, None, &crate::config::Overrides::default())
    {
        let _ = Router::new(&cfg.routes, cfg.engine.unknown());
    }
}

/// Manifest text: a manifest that parses writes out as TOML that parses to the same manifest;
/// a draft that parses does too.
pub fn manifest(data: &[u8]) {
    use crate::lists::manifest::Manifest;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("manifest.toml");
    for m in [
        Manifest::parse(text, path).ok(),
        Manifest::parse_draft(text, path, None).ok(),
        Manifest::parse_draft(text, path, Some("2026.1")).ok(),
    ]
    .into_iter()
    .flatten()
    {
        let written = m.to_toml().expect("a valid manifest serialises");
        let back = Manifest::parse(&written, path).expect("a written manifest parses");
        assert_eq!(back, m, "manifest round trip");
    }
}

/// List text: the streaming reader and the in-memory counter agree on every input.
pub fn list(data: &[u8]) {
    let path = Path::new("list.txt");
    let read = crate::lists::parse_reader(data, path);
    let counted = crate::lists::count_entries(data, path);
    match (read, counted) {
        (Ok(entries), Ok(n)) => {
            assert_eq!(entries.len(), n);
            for e in &entries {
                assert!(!e.text.is_empty() && !e.text.starts_with('#'));
                assert_eq!(e.text.trim(), e.text);
            }
        }
        (
            Err(crate::lists::ParseError::InvalidUtf8 { line: a, .. }),
            Err(crate::lists::ParseError::InvalidUtf8 { line: b, .. }),
        ) => assert_eq!(a, b),
        (r, c) => panic!("reader {r:?}, counter {c:?}"),
    }
}

/// A pushed bundle (tar archive): unpacked into a fresh directory and loaded, with and without
/// a trusted key, without panicking. The test key's bundle must only load when signed by it.
pub fn bundle(data: &[u8]) {
    use crate::lists::bundle::load_bundle_at;
    use crate::lists::signature::{TrustPolicy, parse_public_key};
    static KEY: &str = include_str!("../../testdata/bundles/keys/searchward-TEST-ONLY.pub");
    let dir = std::env::temp_dir().join(format!("searchward-fuzz-bundle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    if crate::lists::unpack::unpack(data, &dir, 1 << 20).is_ok() {
        // Far from any expiry the seeds carry.
        let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        let open = TrustPolicy {
            max_total_bytes: 1 << 20,
            ..TrustPolicy::default()
        };
        let _ = load_bundle_at(&dir, &open, now);
        let keyed = TrustPolicy {
            keys: vec![parse_public_key(KEY).expect("test key")],
            ..open
        };
        let _ = load_bundle_at(&dir, &keyed, now);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_digit_after_the_first_colon_is_host_and_port_whatever_tabs_and_breaks_come_between() {
        for (text, host_and_port) in [
            ("http:5//no-host", true),
            (" \u{1}http:5/", true),
            ("http:\r\r\r\r3/4/b1s://[\r\r\r\0\0(\u{0}1", true),
            ("ht\ttp:\n8/x", true),
            ("http://5.example/", false),
            ("http:/5/", false),
            ("no colon", false),
        ] {
            assert_eq!(
                super::reads_as_host_and_port(text),
                host_and_port,
                "{text:?}"
            );
        }
        // The input the url target failed on before this rule: replayed whole.
        super::url(b"http:\r\r\r\r3/4/b1s://[\r\r\r\0\0(\x001");
    }
}
