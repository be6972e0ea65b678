//! Header rules of a correct reverse proxy: hop-by-hop headers (and those named in
//! `Connection`) removed in both directions, `X-Forwarded-*` appended, `Host` set per config.

use std::net::IpAddr;

use http::{HeaderMap, HeaderName, HeaderValue, header};

// Names are built once: removing by `&str` would parse each name again on every request, in both
// directions (it showed in the load benchmark's profile).
static HOP_BY_HOP: [HeaderName; 9] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];
static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// Whether `name` is hop-by-hop by itself (not counting the names `Connection` lists).
fn is_hop_by_hop(name: &HeaderName) -> bool {
    HOP_BY_HOP.contains(name) || name.as_str().starts_with("proxy-")
}

/// Removes hop-by-hop headers, including every header the `Connection` header names and any
/// other `Proxy-*` header.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Most requests carry none: one pass over the names, no hashing, nothing to remove.
    if !headers.keys().any(is_hop_by_hop) {
        return;
    }
    // Most `Connection` headers list only `keep-alive` (a hop-by-hop name anyway) or `close`,
    // which name no header present: look each other name up before building it, so the usual
    // case allocates nothing for it. Then one more pass over the names finds the rest.
    let mut doomed = Vec::new();
    for value in headers.get_all(header::CONNECTION) {
        let Ok(value) = value.to_str() else { continue };
        for token in value.split(',').map(str::trim) {
            if token.is_empty() || token.eq_ignore_ascii_case("keep-alive") {
                continue;
            }
            if headers.contains_key(token)
                && let Ok(name) = HeaderName::from_bytes(token.as_bytes())
            {
                doomed.push(name);
            }
        }
    }
    doomed.extend(headers.keys().filter(|k| is_hop_by_hop(k)).cloned());
    for name in doomed {
        headers.remove(name);
    }
}

/// The client's address as an `X-Forwarded-For` element; built once per connection.
pub fn ip_value(ip: IpAddr) -> HeaderValue {
    // An address's text is always a valid header value.
    HeaderValue::from_maybe_shared(bytes::Bytes::from(ip.to_string()))
        .unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

/// Prepares client request headers for the upstream: hop-by-hop removed, `X-Forwarded-For`
/// appended with the client address (`client`, from [`ip_value`]), `X-Forwarded-Proto` set to
/// `proto` (the configured value), `X-Forwarded-Host` set from the `Host` the client sent, and `Host` replaced by the
/// configured upstream host.
pub fn to_upstream(
    headers: &mut HeaderMap,
    client: &HeaderValue,
    proto: &HeaderValue,
    upstream_host: &HeaderValue,
) {
    strip_hop_by_hop(headers);
    let xff = match headers.get(&X_FORWARDED_FOR).and_then(|v| v.to_str().ok()) {
        Some(prev) if !prev.trim().is_empty() => {
            let mut v = Vec::with_capacity(prev.len() + 2 + client.len());
            v.extend_from_slice(prev.as_bytes());
            v.extend_from_slice(b", ");
            v.extend_from_slice(client.as_bytes());
            HeaderValue::from_maybe_shared(bytes::Bytes::from(v)).ok()
        }
        _ => Some(client.clone()),
    };
    if let Some(v) = xff {
        headers.insert(&X_FORWARDED_FOR, v);
    }
    // The client's Host moves to X-Forwarded-Host as the upstream's takes its place.
    if let Some(host) = headers.insert(header::HOST, upstream_host.clone()) {
        headers.insert(&X_FORWARDED_HOST, host);
    }
    headers.insert(&X_FORWARDED_PROTO, proto.clone());
}

/// The `Accept-Encoding` sent upstream on inspected routes: the encodings the proxy can decode
/// (gzip, deflate, br) that the client also accepts, or `identity`. A response passed on
/// unchanged keeps the engine's encoding, so the client must be able to read it: a client that
/// sent no `Accept-Encoding` gets plain bytes.
pub fn upstream_accept_encoding(client: &HeaderMap) -> HeaderValue {
    let mut accepted: Vec<&str> = Vec::new();
    for value in client.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            let ours = match coding.as_str() {
                "gzip" | "x-gzip" => Some("gzip"),
                "deflate" => Some("deflate"),
                "br" => Some("br"),
                "*" => Some("gzip"),
                _ => None,
            };
            if let Some(c) = ours.filter(|c| !accepted.contains(c)) {
                accepted.push(c);
            }
        }
    }
    if accepted.is_empty() {
        return HeaderValue::from_static("identity");
    }
    HeaderValue::from_str(&accepted.join(", ")).unwrap_or(HeaderValue::from_static("identity"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn strips_hop_by_hop_and_connection_named_headers() {
        let mut h = map(&[
            ("connection", "close, X-Secret-Hop"),
            ("connection", "x-other"),
            ("x-secret-hop", "1"),
            ("x-other", "1"),
            ("keep-alive", "timeout=5"),
            ("te", "trailers"),
            ("trailer", "x"),
            ("transfer-encoding", "chunked"),
            ("upgrade", "h2c"),
            ("proxy-authorization", "Basic x"),
            ("proxy-foo", "1"),
            ("content-type", "application/json"),
            ("x-keep", "1"),
        ]);
        strip_hop_by_hop(&mut h);
        let left: Vec<_> = h.keys().map(|k| k.as_str()).collect();
        assert_eq!(left, ["content-type", "x-keep"]);
    }

    #[test]
    fn hop_by_hop_cases() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);
        let cases: [Case; 5] = [
            (
                "none",
                &[("host", "a"), ("accept", "*/*")],
                &["host", "accept"],
            ),
            (
                "keep-alive only",
                &[("connection", "keep-alive"), ("x-a", "1")],
                &["x-a"],
            ),
            (
                "named in upper case",
                &[("connection", "X-A, close"), ("x-a", "1"), ("x-b", "2")],
                &["x-b"],
            ),
            ("proxy-*", &[("proxy-x", "1"), ("x-b", "2")], &["x-b"]),
            (
                "several values",
                &[("te", "trailers"), ("upgrade", "h2c"), ("x-b", "2")],
                &["x-b"],
            ),
        ];
        for (name, headers, want) in cases {
            let mut h = map(headers);
            strip_hop_by_hop(&mut h);
            let left: Vec<_> = h.keys().map(|k| k.as_str()).collect();
            assert_eq!(left, want, "{name}");
        }
    }

    #[test]
    fn forwarded_headers_are_appended_and_host_set() {
        let upstream = HeaderValue::from_static("engine:9200");
        let mut h = map(&[("host", "search.example"), ("x-forwarded-for", "10.0.0.1")]);
        let local = ip_value("127.0.0.1".parse().unwrap());
        to_upstream(&mut h, &local, &HeaderValue::from_static("http"), &upstream);
        assert_eq!(h["x-forwarded-for"], "10.0.0.1, 127.0.0.1");
        assert_eq!(h["x-forwarded-host"], "search.example");
        assert_eq!(h["x-forwarded-proto"], "http");
        assert_eq!(h["host"], "engine:9200");
        let mut h = map(&[]);
        to_upstream(
            &mut h,
            &ip_value("::1".parse().unwrap()),
            &HeaderValue::from_static("https"),
            &upstream,
        );
        assert_eq!(h["x-forwarded-for"], "::1");
        assert!(h.get("x-forwarded-host").is_none());
    }

    #[test]
    fn upstream_encodings_are_those_the_client_reads() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[], "identity"),
            (&[("accept-encoding", "gzip")], "gzip"),
            (
                &[("accept-encoding", "br;q=1.0, gzip;q=0.5, zstd")],
                "br, gzip",
            ),
            (&[("accept-encoding", "gzip;q=0, deflate")], "deflate"),
            (&[("accept-encoding", "identity")], "identity"),
            (
                &[("accept-encoding", "zstd"), ("accept-encoding", "X-GZIP")],
                "gzip",
            ),
            (&[("accept-encoding", "*")], "gzip"),
        ];
        for (headers, want) in cases {
            assert_eq!(
                upstream_accept_encoding(&map(headers)),
                *want,
                "{headers:?}"
            );
        }
    }
}
