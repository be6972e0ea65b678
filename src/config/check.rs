//! Validation helpers: each section deserialised on its own, values parsed into their types,
//! every problem pushed as `file: key: message`.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use serde::de::DeserializeOwned;

use super::Limits;
use super::route::{RawRoute, RouteError, RouteOrigin, RouteSpec};
use crate::lists::ListSpec;

pub(super) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn section<T: DeserializeOwned + Default>(
    file: &str,
    key: &str,
    value: Option<toml::Value>,
    problems: &mut Vec<String>,
) -> T {
    let Some(value) = value else {
        return T::default();
    };
    match T::deserialize(value) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!("{file}: {key}: {}", one_line(&e.to_string())));
            T::default()
        }
    }
}

pub(super) fn optional<T: DeserializeOwned>(
    file: &str,
    key: &str,
    value: Option<toml::Value>,
    problems: &mut Vec<String>,
) -> Option<T> {
    match T::deserialize(value?) {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(format!("{file}: {key}: {}", one_line(&e.to_string())));
            None
        }
    }
}

pub(super) fn parse_addr(
    file: &str,
    key: &str,
    value: &str,
    problems: &mut Vec<String>,
) -> SocketAddr {
    match value.parse() {
        Ok(a) => a,
        Err(_) => {
            problems.push(format!(
                "{file}: {key}: {value:?} is not an address like 127.0.0.1:8080"
            ));
            SocketAddr::from(([127, 0, 0, 1], 0))
        }
    }
}

/// Parses the upstream base URL; returns it with its default `Host` value.
pub(super) fn parse_upstream(url: &str) -> Result<(http::Uri, String), String> {
    if url.is_empty() {
        return Err("missing (set upstream.url, --upstream or SEARCHWARD_UPSTREAM)".into());
    }
    let uri: http::Uri = url.parse().map_err(|_| format!("{url:?} is not a URL"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(format!("{url:?} must start with http:// or https://")),
    }
    let authority = uri
        .authority()
        .ok_or_else(|| format!("{url:?} has no host"))?;
    if authority.as_str().contains('@') {
        return Err("must not contain user info".into());
    }
    if uri.query().is_some() {
        return Err("must not contain a query string".into());
    }
    let host = authority.as_str().to_owned();
    Ok((uri, host))
}

pub(super) fn check_limits(file: &str, l: &Limits, problems: &mut Vec<String>) {
    let positive = [
        (
            "limits.header_read_timeout_ms",
            l.header_read_timeout_ms as usize,
        ),
        ("limits.max_header_bytes", l.max_header_bytes),
        ("limits.max_request_body", l.max_request_body),
        ("limits.max_response_body", l.max_response_body),
        ("limits.max_decoded_body", l.max_decoded_body),
        ("limits.connect_timeout_ms", l.connect_timeout_ms as usize),
        ("limits.response_timeout_ms", l.response_timeout_ms as usize),
        ("limits.max_connections", l.max_connections),
        ("limits.max_in_flight", l.max_in_flight),
        ("limits.per_client_connections", l.per_client_connections),
        ("limits.per_client_in_flight", l.per_client_in_flight),
        ("limits.max_buffered_bytes", l.max_buffered_bytes),
    ];
    for (key, v) in positive {
        if v == 0 {
            problems.push(format!("{file}: {key}: must be greater than 0"));
        }
    }
    if l.max_header_bytes < 8192 {
        problems.push(format!(
            "{file}: limits.max_header_bytes: must be at least 8192"
        ));
    }
}

/// The validated client addressing of `[limits]`.
pub(super) fn client_addressing(
    file: &str,
    l: &Limits,
    problems: &mut Vec<String>,
) -> crate::client_address::ClientAddressing {
    use crate::client_address::{ClientAddressing, ClientHeader};
    let mut nets = Vec::with_capacity(l.trusted_proxies.len());
    for (i, s) in l.trusted_proxies.iter().enumerate() {
        match ClientAddressing::parse_net(s) {
            Some(n) => nets.push(n),
            None => problems.push(format!(
                "{file}: limits.trusted_proxies[{i}]: {s:?} is not an IP address or CIDR block"
            )),
        }
    }
    let header = ClientHeader::parse(&l.client_address_header).unwrap_or_else(|| {
        problems.push(format!(
            "{file}: limits.client_address_header: must be \"x-forwarded-for\" or \"forwarded\""
        ));
        ClientHeader::XForwardedFor
    });
    ClientAddressing::new(nets, header)
}

/// Validates every `[[routes]]` entry into a [`RouteSpec`]; each problem is pushed with its key.
pub(super) fn check_routes(
    file: &str,
    routes: Vec<RawRoute>,
    problems: &mut Vec<String>,
) -> Vec<RouteSpec> {
    let mut names = BTreeSet::new();
    let mut valid = Vec::with_capacity(routes.len());
    for (i, r) in routes.into_iter().enumerate() {
        let key = format!("routes[{i}]");
        if !names.insert(r.name.clone()) {
            problems.push(format!("{file}: {key}.name: {:?} is used twice", r.name));
        }
        match r.validate(RouteOrigin::Config) {
            Ok(route) => valid.push(route),
            Err(RouteError(found)) => {
                for (k, msg) in found {
                    problems.push(format!("{file}: {key}.{k}: {msg}"));
                }
            }
        }
    }
    valid
}

/// Checks each list declaration; `keys[i]` is the index `lists[i]` had in the file.
pub(super) fn check_lists(
    file: &str,
    lists: &[ListSpec],
    keys: &[usize],
    problems: &mut Vec<String>,
) {
    let mut names = BTreeSet::new();
    for (l, i) in lists.iter().zip(keys) {
        if !names.insert(l.name.as_str()) {
            problems.push(format!(
                "{file}: lists[{i}].name: {:?} is used twice",
                l.name
            ));
        }
        for p in l.problems() {
            problems.push(format!("{file}: lists[{i}] ({}): {p}", l.name));
        }
    }
}

/// An array of tables (`[[lists]]`) deserialised entry by entry, so one bad entry does not hide
/// the others' problems; each error names its entry (`lists[2]`). Returns the entries that
/// deserialised, each with its index in the file.
pub(super) fn items<T: DeserializeOwned>(
    file: &str,
    key: &str,
    value: Option<toml::Value>,
    problems: &mut Vec<String>,
) -> Vec<(usize, T)> {
    match value {
        None => Vec::new(),
        Some(toml::Value::Array(entries)) => entries
            .into_iter()
            .enumerate()
            .filter_map(|(i, v)| match T::deserialize(v) {
                Ok(v) => Some((i, v)),
                Err(e) => {
                    problems.push(format!("{file}: {key}[{i}]: {}", one_line(&e.to_string())));
                    None
                }
            })
            .collect(),
        Some(other) => section::<Vec<T>>(file, key, Some(other), problems)
            .into_iter()
            .enumerate()
            .collect(),
    }
}
