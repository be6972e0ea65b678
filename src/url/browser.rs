//! Reading a URL the way a browser does (the WHATWG URL Standard, through the `url` crate)
//! before Safe Browsing canonicalisation: backslashes as slashes, missing or extra slashes after
//! a special scheme, tabs and newlines anywhere, IPv4-mapped IPv6 hosts as IPv4.
//!
//! A URL that is already in the form both readings agree on (`http://` or `https://` followed by
//! a host, printable ASCII without backslashes or brackets) skips the `url` crate: the Safe
//! Browsing reader alone gives the same answer for it, at a fraction of the cost.

use std::borrow::Cow;
use std::net::IpAddr;

/// Schemes the URL Standard calls special (their authority and path rules are the lenient
/// ones browsers apply); `file` is left out, it has no host to list.
const SPECIAL: &[&str] = &["http", "https", "ws", "wss", "ftp"];

/// The input as a browser would resolve it, or the input itself when the browser's reading adds
/// nothing (already clean, not a special scheme, or not a URL for the standard).
pub(super) fn resolve(input: &[u8]) -> Cow<'_, [u8]> {
    if is_clean(input) {
        return Cow::Borrowed(input);
    }
    let text: Cow<'_, str> = match std::str::from_utf8(input) {
        Ok(text) => Cow::Borrowed(text),
        // Bytes that are not UTF-8 are read as their escapes (the Safe Browsing reader unescapes
        // them again), so that a backslash beside them is still a browser's slash: the canonical
        // form, which is escaped, must read the same.
        Err(_) => Cow::Owned(escape_non_ascii(input)),
    };
    match parse(&text) {
        Some(url) => Cow::Owned(url.into_bytes()),
        None => Cow::Borrowed(input),
    }
}

/// `input` with every byte over 0x7F written as `%XX`.
fn escape_non_ascii(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 2);
    for &b in input {
        if b.is_ascii() {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `http(s)://` then a host, every byte printable ASCII other than `\` and `[`: the standard's
/// parser and the Safe Browsing reader see the same scheme, authority and path.
fn is_clean(input: &[u8]) -> bool {
    let rest = strip_prefix_ignore_case(input, b"https://")
        .or_else(|| strip_prefix_ignore_case(input, b"http://"));
    let Some(rest) = rest else { return false };
    rest.first().is_some_and(|&b| b != b'/')
        && input
            .iter()
            .all(|&b| (0x21..0x7F).contains(&b) && b != b'\\' && b != b'[')
}

fn strip_prefix_ignore_case<'a>(input: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let head = input.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| input.get(prefix.len()..))
        .flatten()
}

/// Parses `text` with the URL Standard when it names a special scheme, or has no scheme and is
/// not a bare path (then it is read as `http`, as the Safe Browsing reader does). Returns the
/// serialisation without the fragment and with an IPv4-mapped IPv6 host written as IPv4.
fn parse(text: &str) -> Option<String> {
    // The standard strips leading and trailing C0 controls and spaces, and tabs and newlines
    // anywhere; the scheme is looked for after that.
    let trimmed = text.trim_matches(|c: char| c <= ' ');
    let cleaned: Cow<'_, str> = if trimmed.contains(['\t', '\n', '\r']) {
        Cow::Owned(trimmed.replace(['\t', '\n', '\r'], ""))
    } else {
        Cow::Borrowed(trimmed)
    };
    let input: Cow<'_, str> = match scheme_of(&cleaned) {
        Some(s) if SPECIAL.iter().any(|k| s.eq_ignore_ascii_case(k)) => cleaned,
        Some(_) => return None,
        // `host\path`: the Safe Browsing reader takes a bare host as http; so does this. Other
        // scheme-less input is left to it alone.
        None if !cleaned.contains('\\') => return None,
        None => Cow::Owned(format!("http://{cleaned}")),
    };
    let mut url = url::Url::parse(&input).ok()?;
    url.set_fragment(None);
    if let Some(url::Host::Ipv6(v6)) = url.host()
        && let Some(v4) = v6.to_ipv4_mapped()
    {
        url.set_ip_host(IpAddr::V4(v4)).ok()?;
    }
    Some(url.into())
}

/// The scheme of `s` as the URL Standard reads it (`[A-Za-z][A-Za-z0-9+.-]*:`), unless what
/// follows the colon is a port (`host:8080`), which the Safe Browsing reader treats as no scheme.
fn scheme_of(s: &str) -> Option<&str> {
    let colon = s.find(':')?;
    let (name, rest) = s.split_at(colon);
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !valid {
        return None;
    }
    let rest = rest.get(1..).unwrap_or_default();
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let port = digits > 0 && matches!(rest.as_bytes().get(digits), None | Some(b'/' | b'?'));
    (!port).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_forms_resolve() {
        let cases = [
            ("https://listed.example\\x", "https://listed.example/x"),
            ("https:\\\\listed.example/x", "https://listed.example/x"),
            ("https:/listed.example/x", "https://listed.example/x"),
            ("https:listed.example/x", "https://listed.example/x"),
            ("https:///listed.example/x", "https://listed.example/x"),
            (
                "https://files.example.com\\listed\\a.jpg",
                "https://files.example.com/listed/a.jpg",
            ),
            ("https://[::ffff:192.0.2.77]/", "https://192.0.2.77/"),
            ("ht\ttps://list\ned.example/x#f", "https://listed.example/x"),
            ("listed.example\\x", "http://listed.example/x"),
        ];
        for (input, want) in cases {
            let got = resolve(input.as_bytes());
            assert_eq!(std::str::from_utf8(&got).unwrap(), want, "{input:?}");
        }
    }

    #[test]
    fn left_alone() {
        for input in [
            "https://clean.example/a/b?c=d",
            "mailto:ada.quillfeather@example.invalid",
            "/only/a/path",
            "zorvexil-forum.example:8080",
            "http:// leadingspace.com/",
        ] {
            assert_eq!(&*resolve(input.as_bytes()), input.as_bytes(), "{input:?}");
        }
        assert!(matches!(
            resolve(b"https://clean.example/x"),
            Cow::Borrowed(_)
        ));
    }
}
