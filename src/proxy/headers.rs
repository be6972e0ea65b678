//! Header rules of a correct reverse proxy: hop-by-hop headers (and those named in
//! `Connection`) removed in both directions, `X-Forwarded-*` appended, `Host` set per config.

use std::net::IpAddr;

use http::{HeaderMap, HeaderName, HeaderValue, header};

const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Removes hop-by-hop headers, including every header the `Connection` header names and any
/// other `Proxy-*` header.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    let proxy: Vec<HeaderName> = headers
        .keys()
        .filter(|k| k.as_str().starts_with("proxy-"))
        .cloned()
        .collect();
    for name in proxy {
        headers.remove(name);
    }
}

/// Prepares client request headers for the upstream: hop-by-hop removed, `X-Forwarded-For`
/// appended with the client address, `X-Forwarded-Proto` and `X-Forwarded-Host` set from what the
/// client sent, and `Host` replaced by the configured upstream host.
pub fn to_upstream(
    headers: &mut HeaderMap,
    client: IpAddr,
    proto: &str,
    upstream_host: &HeaderValue,
) {
    strip_hop_by_hop(headers);
    let xff = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(prev) if !prev.trim().is_empty() => format!("{prev}, {client}"),
        _ => client.to_string(),
    };
    if let Ok(v) = HeaderValue::from_str(&xff) {
        headers.insert("x-forwarded-for", v);
    }
    if let Some(host) = headers.get(header::HOST).cloned() {
        headers.insert("x-forwarded-host", host);
    }
    if let Ok(v) = HeaderValue::from_str(proto) {
        headers.insert("x-forwarded-proto", v);
    }
    headers.insert(header::HOST, upstream_host.clone());
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
    fn forwarded_headers_are_appended_and_host_set() {
        let upstream = HeaderValue::from_static("engine:9200");
        let mut h = map(&[("host", "search.example"), ("x-forwarded-for", "10.0.0.1")]);
        to_upstream(&mut h, "127.0.0.1".parse().unwrap(), "http", &upstream);
        assert_eq!(h["x-forwarded-for"], "10.0.0.1, 127.0.0.1");
        assert_eq!(h["x-forwarded-host"], "search.example");
        assert_eq!(h["x-forwarded-proto"], "http");
        assert_eq!(h["host"], "engine:9200");
        let mut h = map(&[]);
        to_upstream(&mut h, "::1".parse().unwrap(), "https", &upstream);
        assert_eq!(h["x-forwarded-for"], "::1");
        assert!(h.get("x-forwarded-host").is_none());
    }
}
