//! Google Safe Browsing v4 URL canonicalisation and lookup expressions.
//!
//! [`canonicalize`] first reads the input as a browser would (WHATWG URL Standard, see
//! `browser.rs`), then follows the "Canonicalization" section of the Safe Browsing v4 "URLs and
//! Hashing" document: remove tab/CR/LF, drop the fragment, percent-unescape until nothing is left
//! to unescape, split into scheme, host, path and query, normalise each, then percent-escape
//! bytes ≤ 0x20, ≥ 0x7F, `#` and `%` (and `\`, which the browser's reading would otherwise take
//! for a slash the next time). The port and any user info are dropped; a missing scheme
//! means `http`. [`Canonical::expressions`] gives the host-suffix × path-prefix expressions
//! (`host/path?query`, no scheme) that a URL list is matched against.
//!
//! Everything works on bytes and runs in time linear in the input; nothing panics.

mod as_is;
mod browser;
mod expressions;
mod host;
mod path;

pub use expressions::{Expressions, MAX_HOSTS, MAX_PATHS};

use std::ops::Range;

/// Why an input could not be canonicalised.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Nothing left after trimming and removing the fragment.
    #[error("empty URL")]
    Empty,
    /// A scheme not followed by `//` (`mailto:`, `javascript:`, `http:host`).
    #[error("scheme without an authority")]
    NoAuthority,
    /// No host name (`http:///path`, `/path`).
    #[error("no host")]
    NoHost,
    /// A bracketed host that is not an IPv6 address, or a host that cannot be converted to
    /// Punycode.
    #[error("invalid host")]
    BadHost,
}

/// A canonical URL: `scheme://host/path[?query]`, ASCII only, with offsets of its parts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Canonical {
    url: String,
    host: Range<usize>,
    path: Range<usize>,
    query: Option<Range<usize>>,
}

impl Canonical {
    /// The whole canonical URL.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The lowercase scheme (`http` when the input had none).
    pub fn scheme(&self) -> &str {
        self.url
            .get(..self.host.start.saturating_sub(3))
            .unwrap_or("")
    }

    /// The canonical host: lowercase name, dotted-quad IPv4, or bracketed IPv6.
    pub fn host(&self) -> &str {
        self.url.get(self.host.clone()).unwrap_or("")
    }

    /// The canonical path; always starts with `/`.
    pub fn path(&self) -> &str {
        self.url.get(self.path.clone()).unwrap_or("/")
    }

    /// The query without its `?`; `Some("")` for a URL ending in `?`.
    pub fn query(&self) -> Option<&str> {
        self.query.clone().and_then(|q| self.url.get(q))
    }

    /// The expression of the whole URL: `host/path[?query]` (the URL without its scheme).
    pub fn expression(&self) -> &str {
        self.url.get(self.host.start..).unwrap_or("")
    }

    /// True when the host is an IP address (only the exact host is then looked up).
    pub fn host_is_ip(&self) -> bool {
        host::is_ip(self.host())
    }

    /// The lookup expressions of this URL, most specific first; see [`Expressions`].
    pub fn expressions(&self) -> Expressions<'_> {
        Expressions::new(self)
    }
}

impl std::fmt::Display for Canonical {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
    }
}

/// Canonicalises `input` as the Safe Browsing v4 specification describes.
///
/// # Errors
/// [`UrlError`] when the input has no host or a scheme without `//`.
///
/// # Example
/// ```
/// let c = searchward::url::canonicalize("HTTP://Zorvexil-Forum.EXAMPLE.:8080/a/./b/../c?q=1#top")?;
/// assert_eq!(c.as_str(), "http://zorvexil-forum.example/a/c?q=1");
/// # Ok::<(), searchward::url::UrlError>(())
/// ```
pub fn canonicalize(input: &str) -> Result<Canonical, UrlError> {
    canonicalize_bytes(input.as_bytes())
}

/// [`canonicalize`] for input that need not be UTF-8.
///
/// # Errors
/// As [`canonicalize`].
pub fn canonicalize_bytes(input: &[u8]) -> Result<Canonical, UrlError> {
    match as_is::canonical_as_is(input) {
        Some(canonical) => Ok(canonical),
        None => canonicalize_whole(input),
    }
}

/// The whole canonicalisation, for any input.
fn canonicalize_whole(input: &[u8]) -> Result<Canonical, UrlError> {
    // First as a browser resolves it: `https:\\host\x` is `https://host/x` to a user's click.
    let input = browser::resolve(input);
    let trimmed = input.trim_ascii();
    // Only an unescaped `#` starts the fragment; `%23` stays part of the URL.
    let before_fragment = trimmed
        .iter()
        .position(|&b| b == b'#')
        .map_or(trimmed, |i| trimmed.get(..i).unwrap_or_default());
    let mut raw: Vec<u8> = Vec::with_capacity(before_fragment.len());
    for chunk in before_fragment.split(|b| matches!(b, b'\t' | b'\r' | b'\n')) {
        raw.extend_from_slice(chunk);
    }
    unescape_fully(&mut raw);
    if raw.is_empty() {
        return Err(UrlError::Empty);
    }

    let (scheme, rest) = split_scheme(&raw);
    let rest = match scheme {
        Some(_) => rest.strip_prefix(b"//").ok_or(UrlError::NoAuthority)?,
        // A scheme-relative `//host/path` is read as http, like a bare `host/path`.
        None => rest.strip_prefix(b"//").unwrap_or(rest),
    };
    let authority_end = rest
        .iter()
        .position(|&b| b == b'/' || b == b'?')
        .unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    let (path_raw, query_raw) = match after.iter().position(|&b| b == b'?') {
        Some(i) => (
            after.get(..i).unwrap_or_default(),
            Some(after.get(i + 1..).unwrap_or_default()),
        ),
        None => (after, None),
    };

    let mut url = String::with_capacity(raw.len() + 16);
    match scheme {
        Some(s) => {
            for &b in s {
                url.push(char::from(b.to_ascii_lowercase()));
            }
        }
        None => url.push_str("http"),
    }
    url.push_str("://");
    let host_start = url.len();
    host::push_canonical(authority, &mut url)?;
    let host = host_start..url.len();
    let path_start = url.len();
    path::push_canonical(path_raw, &mut url);
    let path = path_start..url.len();
    let query = query_raw.map(|q| {
        url.push('?');
        let start = url.len();
        push_escaped(q, &mut url);
        start..url.len()
    });
    Ok(Canonical {
        url,
        host,
        path,
        query,
    })
}

/// Splits off a scheme (`[A-Za-z][A-Za-z0-9+.-]*:`), unless what follows the colon is a port
/// (`host:8080/...`), in which case there is no scheme.
fn split_scheme(raw: &[u8]) -> (Option<&[u8]>, &[u8]) {
    let Some(colon) = raw.iter().position(|&b| b == b':') else {
        return (None, raw);
    };
    let (name, rest) = raw.split_at(colon);
    let rest = rest.get(1..).unwrap_or_default();
    let valid_name = name.first().is_some_and(u8::is_ascii_alphabetic)
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !valid_name {
        return (None, raw);
    }
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let after_digits = rest.get(digits).copied();
    if digits > 0 && matches!(after_digits, None | Some(b'/' | b'?')) {
        return (None, raw);
    }
    (Some(name), rest)
}

/// Percent-unescapes until no `%XX` is left, in one linear pass.
///
/// The output is used as a stack: whenever its last three bytes form an escape they are replaced
/// by the byte they encode, which may complete another escape with the bytes before it. This
/// reaches the same fixed point as unescaping the whole string again and again (checked against
/// that reference in the property tests), without its quadratic worst case.
pub(crate) fn unescape_fully(buf: &mut Vec<u8>) {
    // Most URLs have no escape at all; everything before the first `%` stays as it is.
    let Some(first) = buf.iter().position(|&b| b == b'%') else {
        return;
    };
    let mut out = first;
    for i in first..buf.len() {
        let Some(&b) = buf.get(i) else { break };
        if let Some(slot) = buf.get_mut(out) {
            *slot = b;
        }
        out += 1;
        while out >= 3 {
            let tail = buf.get(out - 3..out).unwrap_or_default();
            let decoded = match tail {
                [b'%', h, l] => hex_val(*h).zip(hex_val(*l)).map(|(h, l)| (h << 4) | l),
                _ => None,
            };
            let Some(d) = decoded else { break };
            out -= 2;
            if let Some(slot) = buf.get_mut(out - 1) {
                *slot = d;
            }
        }
    }
    buf.truncate(out);
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// True for the bytes the specification escapes (≤ 0x20, ≥ 0x7F, `#` and `%`) and for `\`.
///
/// A backslash left in the canonical form can only have come from an escape (`%5C`): the
/// browser's reading has already turned every literal one into a slash. Written as it is, it
/// would read as a slash the next time, so the canonical form would not be canonical.
fn needs_escape(b: u8) -> bool {
    b <= 0x20 || b >= 0x7F || b == b'#' || b == b'%' || b == b'\\'
}

/// Appends `bytes` to `out`, percent-escaping as the specification asks (uppercase hex).
pub(crate) fn push_escaped(mut bytes: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    while !bytes.is_empty() {
        let plain = bytes
            .iter()
            .position(|&b| needs_escape(b))
            .unwrap_or(bytes.len());
        let (run, rest) = bytes.split_at(plain);
        // A run of bytes that need no escape is printable ASCII, hence valid UTF-8.
        out.push_str(std::str::from_utf8(run).unwrap_or_default());
        if let Some((&b, rest)) = rest.split_first() {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xF)]));
            bytes = rest;
        } else {
            bytes = rest;
        }
    }
}

#[cfg(test)]
mod tests;
