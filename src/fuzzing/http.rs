//! Fuzz entry points for the HTTP wire: request heads, path normalisation and routing,
//! upstream response heads, chunked bodies.

use std::sync::OnceLock;

use bytes::BytesMut;

use crate::config::RouteSpec;
use crate::proxy::router::{Routed, Router};
use crate::proxy::upstream::{ChunkDecoder, ChunkStep, Framing, HeadError, parse_response};

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
        Router::new(&table.r, crate::config::profiles::UnknownEndpoints::Deny)
            .expect("fixed routes")
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
