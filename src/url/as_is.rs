//! The common case read in one pass: a URL that is already canonical (`http`/`https`, a
//! lowercase host name, a plain path and query) is its own canonical form. Search answers are
//! made of such URLs, and every hit's URL is canonicalised before it is looked up.
//!
//! Anything this pass is not sure of goes the whole way (`canonicalize_bytes`); a property test
//! checks that whatever it accepts comes out exactly as the whole way would write it.

use super::{Canonical, host};

/// `input` as its own canonical form, or `None` when it needs the whole canonicalisation.
///
/// Accepted: `http://` or `https://` (lowercase), then a host of lowercase letters, digits,
/// `-` and single inner dots that is not an IPv4 form, then nothing, a path starting with `/`
/// without empty, `.` or `..` segments, or a `?` query; every byte printable ASCII other than
/// `%`, `#`, `\` and `[`, and no `@` or `:` in the authority.
pub(super) fn canonical_as_is(input: &[u8]) -> Option<Canonical> {
    let host_start = if input.starts_with(b"https://") {
        8
    } else if input.starts_with(b"http://") {
        7
    } else {
        return None;
    };
    let rest = input.get(host_start..)?;
    let host_len = rest
        .iter()
        .position(|&b| b == b'/' || b == b'?')
        .unwrap_or(rest.len());
    let name = rest.get(..host_len)?;
    if !plain_host(name) || host::parse_ipv4(name).is_some() {
        return None;
    }
    let after = rest.get(host_len..)?;
    if !after.iter().all(|&b| plain_byte(b)) {
        return None;
    }
    let path_len = after.iter().position(|&b| b == b'?').unwrap_or(after.len());
    let path = after.get(..path_len)?;
    if !plain_path(path) {
        return None;
    }
    let mut url = String::with_capacity(input.len() + 1);
    // Only printable ASCII was accepted, so the bytes are UTF-8.
    url.push_str(std::str::from_utf8(input.get(..host_start + host_len)?).ok()?);
    let host = host_start..url.len();
    let path_start = url.len();
    if path.is_empty() {
        url.push('/');
    }
    url.push_str(std::str::from_utf8(after).ok()?);
    let path_end = path_start + path.len().max(1);
    let query = (path_len < after.len()).then(|| path_end + 1..url.len());
    Some(Canonical {
        url,
        host,
        path: path_start..path_end,
        query,
    })
}

/// Printable ASCII that canonicalisation leaves as it is (no escape, no fragment, no
/// backslash the browser would read as a slash, no bracket).
fn plain_byte(b: u8) -> bool {
    (0x21..0x7F).contains(&b) && !matches!(b, b'%' | b'#' | b'\\' | b'[')
}

/// Lowercase letters, digits, `-` and dots between labels: a host name the whole way would
/// only copy.
fn plain_host(name: &[u8]) -> bool {
    !name.is_empty()
        && name.first() != Some(&b'.')
        && name.last() != Some(&b'.')
        && !name.windows(2).any(|w| w == b"..")
        && name
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

/// Empty, or `/` then segments none of which is empty, `.` or `..` (a trailing `/` is kept).
fn plain_path(path: &[u8]) -> bool {
    let Some(segments) = path.strip_prefix(b"/") else {
        return path.is_empty();
    };
    let segments = segments.strip_suffix(b"/").unwrap_or(segments);
    segments.is_empty()
        || segments
            .split(|&b| b == b'/')
            .all(|s| !matches!(s, b"" | b"." | b".."))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::canonical_as_is;
    use crate::url::{canonicalize_bytes, canonicalize_whole};

    #[test]
    fn common_urls_are_their_own_canonical_form() {
        for url in [
            "https://site1.example/page/1",
            "http://share.example.net/u/tobin-marsk/100",
            "https://a.example",
            "https://a.example/",
            "https://a.example?q=1",
            "https://a.example/dir/?q=1&r=a/b",
            "http://x1.example/a;b=c/d.html",
        ] {
            let fast = canonical_as_is(url.as_bytes());
            assert_eq!(fast, canonicalize_whole(url.as_bytes()).ok(), "{url}");
            assert!(fast.is_some(), "{url} should be read in one pass");
        }
    }

    #[test]
    fn anything_to_rewrite_goes_the_whole_way() {
        for url in [
            "HTTPS://a.example/",
            "https://A.example/",
            "https://a.example./",
            "https://.a.example/",
            "https://a..example/",
            "https://a.example:443/",
            "https://u@a.example/",
            "https://a.example//x",
            "https://a.example/./x",
            "https://a.example/x/..",
            "https://a.example/%7e",
            "https://a.example/#top",
            "https://a.example/a b",
            "https://a.example/\\x",
            "https://0x7f.1/",
            "https://127.0.0.1/",
            "https://1234/",
            "https://[::1]/",
            "ftp://a.example/",
            "a.example/x",
            "https://a.exámple/",
        ] {
            assert_eq!(canonical_as_is(url.as_bytes()), None, "{url}");
        }
    }

    proptest! {
        /// Whatever the one pass accepts, the whole way writes exactly the same (ranges too).
        #[test]
        fn agrees_with_the_whole_way(
            scheme in prop_oneof![Just("http://"), Just("https://"), Just("HTTP://")],
            host in "[a-z0-9.:@A-Z-]{0,12}",
            path in "[a-zA-Z0-9/.?=&%#;@:\\\\ -]{0,16}",
        ) {
            let url = format!("{scheme}{host}{path}");
            if let Some(fast) = canonical_as_is(url.as_bytes()) {
                prop_assert_eq!(Ok(fast.clone()), canonicalize_whole(url.as_bytes()), "{}", url);
                prop_assert_eq!(Ok(fast), canonicalize_bytes(url.as_bytes()), "{}", url);
            }
        }
    }
}
