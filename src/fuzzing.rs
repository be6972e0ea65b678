//! Fuzz entry points: each takes the fuzzer's bytes, drives one parser, and panics when one of
//! its properties fails (differential checks against `httparse`, `serde_json` and `url` where
//! both sides define the answer). Built only for the targets under `fuzz/` (cargo-fuzz sets
//! `--cfg fuzzing`) and for the unit test that replays their seed corpora.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::path::Path;
use std::sync::OnceLock;

use bytes::BytesMut;
use serde_json::Value;

use crate::config::RouteSpec;
use crate::engines::{self, Engine, Hit, HitDecision, RequestView, ResponseFilter};
use crate::proxy::router::{Routed, Router};
use crate::proxy::upstream::{ChunkDecoder, ChunkStep, Framing, HeadError, parse_response};
use crate::signpost::{Notice, NoticeKind};

/// The synthetic term the filters in these harnesses treat as listed.
const LISTED: &str = "zorvexil";

// === request head, path normalisation, routing ===

fn router() -> &'static Router {
    static ROUTER: OnceLock<Router> = OnceLock::new();
    ROUTER.get_or_init(|| {
        let routes = r#"
            [[r]]
            name = "search"
            path = "/{index}/_search"
            methods = ["GET", "POST"]
            kind = "search"
            engine = "elasticsearch"
            [[r]]
            name = "msearch"
            path = "/_msearch"
            methods = ["POST"]
            kind = "search"
            engine = "elasticsearch"
            [[r]]
            name = "meili"
            path = "/indexes/{uid}/search"
            kind = "search"
            engine = "meilisearch"
            [[r]]
            name = "suggest"
            path = "/suggest"
            methods = ["GET"]
            kind = "suggest"
            engine = "opensearch-suggest"
            [[r]]
            name = "cluster"
            path = "/_cluster/*"
            kind = "deny"
            [[r]]
            name = "health"
            path = "/health"
            kind = "passthrough"
        "#;
        #[derive(serde::Deserialize)]
        struct Table {
            r: Vec<RouteSpec>,
        }
        let table: Table = toml::from_str(routes).expect("fixed routes parse");
        Router::new(&table.r, crate::profiles::UnknownEndpoints::Deny).expect("fixed routes")
    })
}

/// A client request head (or, when the bytes are not one, a bare path) is parsed as hyper
/// parses it, its path normalised and routed. Properties: normalisation is idempotent, leaves
/// no empty or dot segment, never makes a path ambiguous, keeps a parseable target parseable;
/// routing answers for every path.
pub fn request_route(data: &[u8]) {
    let mut fields = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut fields);
    let (method, target) = match req.parse(data) {
        Ok(httparse::Status::Complete(_)) => match (req.method, req.path) {
            (Some(m), Some(p)) => (m.to_owned(), p.to_owned()),
            _ => return,
        },
        _ => match std::str::from_utf8(data) {
            Ok(s) => ("GET".to_owned(), s.to_owned()),
            Err(_) => return,
        },
    };
    let Ok(method) = http::Method::from_bytes(method.as_bytes()) else {
        return;
    };
    let Ok(uri) = target.parse::<http::Uri>() else {
        return;
    };
    let path = uri.path();
    let n = crate::proxy::path::normalize(path);
    let again = crate::proxy::path::normalize(&n.path);
    assert_eq!(again.path, n.path, "normalisation is not idempotent");
    assert!(
        matches!(again.path, std::borrow::Cow::Borrowed(_)),
        "a normal path is rebuilt"
    );
    assert!(
        !again.ambiguous || n.ambiguous,
        "normalising made it ambiguous"
    );
    if path.starts_with('/') {
        assert!(n.path.starts_with('/'));
        for seg in n.path.split('/').skip(1) {
            assert!(
                seg != "." && seg != "..",
                "dot segment left in {:?}",
                n.path
            );
        }
        assert!(!n.path.contains("//"), "empty segment left in {:?}", n.path);
        // What the service forwards must still be a target.
        let mut target = n.path.clone().into_owned();
        if let Some(q) = uri.query() {
            target.push('?');
            target.push_str(q);
        }
        assert!(
            http::uri::PathAndQuery::try_from(target.as_str()).is_ok(),
            "normalised target {target:?} does not parse"
        );
    }
    match router().route(&method, &n.path) {
        Routed::Route(_) => {}
        Routed::MethodNotAllowed { allow, .. } => assert!(!allow.is_empty()),
    }
}

// === upstream response head ===

/// The first byte picks the request method (HEAD or GET); the rest is a response head and
/// maybe body bytes. Checked against `httparse` itself and for consistent framing; every
/// shorter prefix of a complete head is incomplete or refused, never a different head.
pub fn response_head(data: &[u8]) {
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    let method = if sel & 1 == 0 {
        http::Method::GET
    } else {
        http::Method::HEAD
    };
    let mut buf = BytesMut::from(bytes);
    let ours = parse_response(&mut buf, &method);

    let mut fields = [httparse::EMPTY_HEADER; 128];
    let mut reference = httparse::Response::new(&mut fields);
    let theirs = reference.parse(bytes);
    match (&ours, &theirs) {
        (Ok(Some(head)), Ok(httparse::Status::Complete(len))) => {
            assert_eq!(
                bytes.len() - buf.len(),
                *len,
                "head length differs from httparse"
            );
            assert_eq!(Some(head.status.as_u16()), reference.code);
            let te = head.headers.contains_key(http::header::TRANSFER_ENCODING);
            let cl_fields = reference
                .headers
                .iter()
                .filter(|h| h.name.eq_ignore_ascii_case("content-length"))
                .count();
            let removed = if te { cl_fields } else { 0 };
            assert_eq!(head.headers.len() + removed, reference.headers.len());
            match head.framing {
                Framing::Chunked => assert!(te && reference.version == Some(1)),
                Framing::Length(n) => {
                    assert!(!te);
                    for h in reference.headers.iter() {
                        if h.name.eq_ignore_ascii_case("content-length") {
                            let text = std::str::from_utf8(h.value).unwrap();
                            for part in text.split(',') {
                                assert_eq!(part.trim().parse::<u64>().ok(), Some(n));
                            }
                        }
                    }
                }
                Framing::Empty => assert!(
                    method == http::Method::HEAD
                        || matches!(head.status.as_u16(), 100..=199 | 204 | 304)
                ),
                Framing::UntilClose => assert!(!head.keep_alive),
            }
            // Every shorter prefix is incomplete or refused.
            for cut in [len - 1, len / 2] {
                let mut prefix = BytesMut::from(&bytes[..cut]);
                assert!(
                    !matches!(parse_response(&mut prefix, &method), Ok(Some(_))),
                    "a prefix of {cut} bytes parsed as a whole head"
                );
            }
        }
        (Ok(Some(_)), _) => panic!("accepted a head httparse does not: {theirs:?}"),
        (Ok(None), Ok(httparse::Status::Partial)) => {}
        (Ok(None), other) => panic!("incomplete for us, {other:?} for httparse"),
        (Err(HeadError::TooLarge), _) => {}
        (Err(_), Ok(httparse::Status::Complete(_))) => {
            // Refusals after httparse's: version, status, names, values, Content-Length.
            let version_ok = matches!(reference.version, Some(0 | 1));
            let cl_ok = reference
                .headers
                .iter()
                .filter(|h| h.name.eq_ignore_ascii_case("content-length"))
                .all(|h| {
                    std::str::from_utf8(h.value).is_ok_and(|t| {
                        t.split(',').all(|p| {
                            let p = p.trim();
                            !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())
                        })
                    })
                });
            let values_ok = reference.headers.iter().all(|h| {
                http::HeaderName::from_bytes(h.name.as_bytes()).is_ok()
                    && http::HeaderValue::from_bytes(h.value).is_ok()
            });
            let status_ok = reference
                .code
                .is_some_and(|c| http::StatusCode::from_u16(c).is_ok());
            assert!(
                !(version_ok && cl_ok && values_ok && status_ok) || ours.is_err(),
                "refused a head httparse reads: {ours:?}"
            );
            if version_ok && values_ok && status_ok && cl_ok {
                // Content-Length values that are digits but disagree, or overflow u64.
                assert!(matches!(ours, Err(HeadError::ContentLength)), "{ours:?}");
            }
        }
        (Err(_), _) => {}
    }
}

// === chunked body ===

/// What a whole chunked body decodes to.
#[derive(Debug, PartialEq, Eq)]
enum Decoded {
    /// The data, and how many bytes the body took.
    Done(Vec<u8>, usize),
    Incomplete,
    Error,
}

/// A plain reading of RFC 9112 §7.1, with the decoder's bounds on extension and trailer bytes
/// left out (the inputs compared against it are shorter than those bounds).
fn reference_chunked(b: &[u8]) -> Decoded {
    let mut i = 0;
    let mut data = Vec::new();
    let crlf = |i: usize| -> Option<bool> {
        match (b.get(i), b.get(i + 1)) {
            (Some(b'\r'), Some(b'\n')) => Some(true),
            (Some(b'\r'), None) | (None, _) => None,
            _ => Some(false),
        }
    };
    loop {
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_hexdigit) {
            i += 1;
        }
        let digits = i - start;
        if digits > 16 {
            return Decoded::Error;
        }
        if i == b.len() {
            return Decoded::Incomplete;
        }
        if digits == 0 {
            return Decoded::Error;
        }
        let size = u64::from_str_radix(std::str::from_utf8(&b[start..i]).unwrap(), 16).unwrap();
        while let Some(&c) = b.get(i) {
            if c == b'\r' {
                break;
            }
            if !(c == b' ' || c == b'\t' || (0x21..=0x7e).contains(&c)) {
                return Decoded::Error;
            }
            i += 1;
        }
        match crlf(i) {
            None => return Decoded::Incomplete,
            Some(false) => return Decoded::Error,
            Some(true) => i += 2,
        }
        if size == 0 {
            break;
        }
        let Some(end) = usize::try_from(size).ok().and_then(|s| i.checked_add(s)) else {
            return Decoded::Incomplete;
        };
        let Some(chunk) = b.get(i..end) else {
            return Decoded::Incomplete;
        };
        data.extend_from_slice(chunk);
        i = end;
        match crlf(i) {
            None => return Decoded::Incomplete,
            Some(false) => return Decoded::Error,
            Some(true) => i += 2,
        }
    }
    // Trailer lines, each ended by CRLF, then an empty line.
    loop {
        let start = i;
        while let Some(&c) = b.get(i) {
            if c == b'\r' {
                break;
            }
            if c == b'\n' {
                return Decoded::Error;
            }
            i += 1;
        }
        match crlf(i) {
            None => return Decoded::Incomplete,
            Some(false) => return Decoded::Error,
            Some(true) => i += 2,
        }
        if i - 2 == start {
            return Decoded::Done(data, i);
        }
    }
}

/// Runs the decoder over `body` delivered in pieces cut at `cuts`.
fn decode_in_pieces(body: &[u8], cuts: &[usize]) -> Decoded {
    let mut dec = ChunkDecoder::new();
    let mut buf = BytesMut::new();
    let mut data = Vec::new();
    let mut fed = 0;
    let mut cuts = cuts
        .iter()
        .copied()
        .filter(|&c| c <= body.len())
        .collect::<Vec<_>>();
    cuts.sort_unstable();
    cuts.push(body.len());
    for cut in cuts {
        if cut < fed {
            continue;
        }
        buf.extend_from_slice(&body[fed..cut]);
        fed = cut;
        loop {
            match dec.decode(&mut buf) {
                Ok(ChunkStep::Data(d)) => {
                    assert!(!d.is_empty(), "empty data step");
                    data.extend_from_slice(&d);
                }
                Ok(ChunkStep::NeedMore) => break,
                Ok(ChunkStep::Done) => return Decoded::Done(data, fed - buf.len()),
                Err(_) => return Decoded::Error,
            }
        }
    }
    Decoded::Incomplete
}

/// The first byte gives how many of the next bytes are cut points; the rest is a chunked body.
/// The decoder must give the same result however the body is cut, and the reference's result
/// on inputs shorter than its bounds.
pub fn chunked(data: &[u8]) {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 8).min(rest.len());
    let (cut_bytes, body) = rest.split_at(n);
    let whole = decode_in_pieces(body, &[]);
    let cuts: Vec<usize> = cut_bytes
        .iter()
        .map(|&c| usize::from(c) * body.len() / 256)
        .collect();
    let pieces = decode_in_pieces(body, &cuts);
    assert_eq!(whole, pieces, "result depends on how the body is cut");
    let bytewise: Vec<usize> = (0..body.len().min(512)).collect();
    if body.len() <= 512 {
        assert_eq!(whole, decode_in_pieces(body, &bytewise), "byte by byte");
    }
    if body.len() < 4000 {
        assert_eq!(whole, reference_chunked(body), "differs from the reference");
    }
}

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
    static KEY: &str = include_str!("../testdata/bundles/keys/searchward-TEST-ONLY.pub");
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

// === engine adapters ===

/// The adapters, and paths each serves (index = selector).
fn adapter(sel: u8) -> (&'static dyn Engine, &'static [&'static str]) {
    static ENGINES: OnceLock<Vec<std::sync::Arc<dyn Engine>>> = OnceLock::new();
    let engines = ENGINES.get_or_init(|| {
        let generic: engines::generic::GenericOptions = toml::from_str(
            r#"
            hits = "/results"
            total = "/number_of_results"
            url = "/url"
            title = "/title"
            snippet = "/content"
            suggestions = "/suggestions"
            related = ["/corrections"]
            documents = ""
            "#,
        )
        .expect("generic options");
        engines::NAMES
            .iter()
            .map(|n| engines::build(n, Some(&generic)).expect("adapter builds"))
            .collect()
    });
    const PATHS: &[&[&str]] = &[
        &[
            "/pages/_search",
            "/_msearch",
            "/pages/_search/template",
            "/_bulk",
        ],
        &[
            "/pages/_search",
            "/_msearch",
            "/pages/_search/template",
            "/_bulk",
        ],
        &[
            "/indexes/movies/search",
            "/multi-search",
            "/indexes/movies/documents",
        ],
        &[
            "/solr/pages/select",
            "/solr/pages/query",
            "/solr/pages/suggest",
            "/solr/pages/update",
        ],
        &[
            "/collections/pages/documents/search",
            "/multi_search",
            "/collections/pages/documents/import",
        ],
        &["/suggest"],
        &["/search"],
        &["/search"],
    ];
    let i = usize::from(sel) % engines.len();
    (engines[i].as_ref(), PATHS[i % PATHS.len()])
}

/// An owned request built from the fuzzer's bytes: `[engine, mode, rest…]`.
struct FuzzRequest {
    method: http::Method,
    path: &'static str,
    query: Option<String>,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

impl FuzzRequest {
    fn new(paths: &[&'static str], mode: u8, rest: &[u8]) -> FuzzRequest {
        let path = paths[usize::from(mode >> 4) % paths.len()];
        let content_type = match (mode >> 2) & 3 {
            0 => None,
            1 => Some("application/json"),
            2 => Some("application/x-ndjson"),
            _ => Some("application/x-www-form-urlencoded"),
        };
        if mode & 1 == 0 {
            FuzzRequest {
                method: http::Method::GET,
                path,
                query: Some(String::from_utf8_lossy(rest).into_owned()),
                content_type,
                body: Vec::new(),
            }
        } else {
            FuzzRequest {
                method: http::Method::POST,
                path,
                query: (mode & 2 != 0).then(|| "q=velmorik".to_owned()),
                content_type,
                body: rest.to_vec(),
            }
        }
    }

    fn view(&self) -> RequestView<'_> {
        RequestView {
            method: &self.method,
            path: self.path,
            query: self.query.as_deref(),
            content_type: self.content_type,
            body: &self.body,
        }
    }
}

fn notice() -> Notice {
    Notice {
        kind: NoticeKind::Deterrence,
        title: "Fuzz notice".into(),
        message: "Synthetic notice text.".into(),
        links: Vec::new(),
        locale: "en-GB".into(),
        variant: "f1".into(),
    }
}

/// Extracting the user texts, shaping blocked and empty answers and reading indexing bodies
/// never panic, whatever the request.
pub fn engine_extract(data: &[u8]) {
    let [sel, mode, rest @ ..] = data else {
        return;
    };
    let (engine, paths) = adapter(*sel);
    let req = FuzzRequest::new(paths, *mode, rest);
    let view = req.view();
    let _ = engine.extract(&view);
    let _ = engine.hides_fields(&view);
    let _ = engine.blocked(&view, &notice(), "searchward_notice");
    let _ = engine.empty_suggestions(&view);
    if let Ok(docs) = engine.documents(&view) {
        let keep: Vec<bool> = (0..docs.len()).map(|i| i % 2 == 0).collect();
        let _ = engine.filter_documents(&view, &keep);
    }
}

/// Delists hits and drops suggestions that mention [`LISTED`]; in `check` mode, any such item
/// it is still shown is a leak.
struct ListedFilter {
    pointers: Vec<String>,
    notice: Option<Notice>,
    check: bool,
    leaks: Vec<String>,
}

impl ListedFilter {
    fn new(engine: &dyn Engine, notice: bool, check: bool) -> Self {
        let f = engine.hit_fields();
        Self {
            pointers: f.url.into_iter().chain(f.title).chain(f.snippet).collect(),
            notice: notice.then(self::notice),
            check,
            leaks: Vec::new(),
        }
    }
}

impl ResponseFilter for ListedFilter {
    fn keep_suggestion(&mut self, text: &str) -> bool {
        let listed = text.contains(LISTED);
        if listed && self.check {
            self.leaks.push(format!("suggestion {text:?}"));
        }
        !listed
    }
    fn judge_hit(&mut self, hit: &Hit<'_>) -> HitDecision {
        let listed = self
            .pointers
            .iter()
            .any(|p| hit.strs_at(p).into_iter().any(|s| s.contains(LISTED)));
        if listed && self.check {
            self.leaks.push("hit".into());
        }
        if listed {
            HitDecision::Delist
        } else {
            HitDecision::Keep
        }
    }
    fn hit_pointers(&self) -> &[String] {
        &self.pointers
    }
    fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }
    fn notice_key(&self) -> &str {
        "searchward_notice"
    }
}

/// `[engine, mode, response body…]`: the rewritten response (or the original, when nothing
/// changed) must show no listed hit or suggestion when it is rewritten again.
pub fn engine_rewrite(data: &[u8]) {
    let [sel, mode, body @ ..] = data else {
        return;
    };
    let (engine, paths) = adapter(*sel);
    let req = FuzzRequest::new(paths, *mode & 0xF0, b"q=velmorik");
    let view = req.view();
    let mut first = ListedFilter::new(engine, mode & 2 != 0, false);
    let Ok(rewritten) = engine.rewrite(&view, body, &mut first) else {
        return;
    };
    let out = rewritten.as_deref().unwrap_or(body);
    let mut second = ListedFilter::new(engine, false, true);
    let again = engine.rewrite(&view, out, &mut second);
    assert!(
        second.leaks.is_empty(),
        "{}: listed items survive the rewrite: {:?}",
        engine.name(),
        second.leaks
    );
    if rewritten.is_some() {
        assert!(
            again.is_ok(),
            "{}: rewritten body unreadable: {again:?}",
            engine.name()
        );
    }
}

// === normaliser ===

/// Normalising never panics, and the output is at most 18 characters per input character (the
/// longest compatibility decomposition).
pub fn normalize(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let chars = text.chars().count();
    let canonical = crate::normalize::canonical(text);
    let skeleton = crate::normalize::skeleton(text);
    assert!(
        canonical.chars().count() <= 18 * chars,
        "canonical grew: {text:?}"
    );
    assert!(
        skeleton.chars().count() <= 18 * chars,
        "skeleton grew: {text:?}"
    );
}

/// Normalising a normal form changes nothing (documented on `canonical` and `skeleton`).
pub fn normalize_idempotent(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let canonical = crate::normalize::canonical(text);
    assert_eq!(
        crate::normalize::canonical(&canonical),
        canonical,
        "canonical of {text:?}"
    );
    let skeleton = crate::normalize::skeleton(text);
    assert_eq!(
        crate::normalize::skeleton(&skeleton),
        skeleton,
        "skeleton of {text:?}"
    );
}

/// A fuzz target: its name and entry point.
pub type Target = (&'static str, fn(&[u8]));

/// Every fuzz target by name, for the corpus replay test (and nothing else).
pub const TARGETS: &[Target] = &[
    ("request_route", request_route),
    ("response_head", response_head),
    ("chunked", chunked),
    ("json_scan", json_scan),
    ("url", url),
    ("config", config),
    ("manifest", manifest),
    ("list", list),
    ("bundle", bundle),
    ("engine_extract", engine_extract),
    ("engine_rewrite", engine_rewrite),
    ("normalize", normalize),
    ("normalize_idempotent", normalize_idempotent),
];

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

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

    /// Every seed (and every fixed crash input) under `fuzz/corpus/<target>/` replays through
    /// its target without a failed property.
    #[test]
    fn seed_corpora_replay() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
        let mut replayed = 0;
        for (name, target) in super::TARGETS {
            let Ok(dir) = std::fs::read_dir(root.join(name)) else {
                continue;
            };
            for entry in dir {
                let path = entry.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                target(&bytes);
                replayed += 1;
            }
        }
        assert!(replayed > 0, "no seeds under {}", root.display());
    }
}
