//! The request path as the engines resolve it: percent-encoded unreserved characters decoded,
//! repeated slashes collapsed, dot segments removed (RFC 3986 §5.2.4). Routing matches this
//! path and the upstream receives it, so what searchward inspects is what the engine executes.
//!
//! An already-normal path (nearly every request) costs one scan of its bytes and no allocation.
//! Encoded slashes and backslashes are not decoded (engines disagree on them); they are reported
//! so that a path of an inspected engine carrying one can be refused. A path that is rebuilt
//! writes a `%` that starts no escape as `%25`, so that decoding never makes a new escape.

use std::borrow::Cow;

/// A normalised request path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Normalized<'a> {
    /// The path to route on and forward.
    pub path: Cow<'a, str>,
    /// Whether the path carries `%2F`, `%5C` or `\`: a separator some engines see and others do
    /// not, refused on inspected engines.
    pub ambiguous: bool,
}

/// Normalises `path` (the part of the target before `?`). A path that does not start with `/`
/// (`*`) is returned as it is.
pub fn normalize(path: &str) -> Normalized<'_> {
    let (normal, ambiguous) = scan(path.as_bytes());
    if normal || !path.starts_with('/') {
        return Normalized {
            path: Cow::Borrowed(path),
            ambiguous,
        };
    }
    Normalized {
        path: Cow::Owned(rebuild(path)),
        ambiguous,
    }
}

/// The path without one trailing slash (routes match `/a/b/` as `/a/b`); `/` stays `/`.
pub fn for_matching(path: &str) -> &str {
    match path.strip_suffix('/') {
        Some(rest) if !rest.is_empty() => rest,
        _ => path,
    }
}

/// Whether `b` is an RFC 3986 unreserved character.
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The byte encoded at `bytes[i..i + 3]` when it is a valid `%XX`.
fn escaped(bytes: &[u8], i: usize) -> Option<u8> {
    let hi = hex(*bytes.get(i + 1)?)?;
    let lo = hex(*bytes.get(i + 2)?)?;
    Some(hi << 4 | lo)
}

/// One pass: whether the path is already normal, and whether it is ambiguous.
fn scan(bytes: &[u8]) -> (bool, bool) {
    let mut normal = true;
    let mut ambiguous = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'/' => {
                let next = |k: usize| bytes.get(i + k).copied();
                // `//`, `/.` or `/..` ending a segment.
                let dot_segment = matches!(
                    (next(1), next(2), next(3)),
                    (Some(b'/'), _, _)
                        | (Some(b'.'), None | Some(b'/'), _)
                        | (Some(b'.'), Some(b'.'), None | Some(b'/'))
                );
                normal &= !dot_segment;
            }
            b'%' => match escaped(bytes, i) {
                Some(c) if unreserved(c) => normal = false,
                Some(b'/' | b'\\') => ambiguous = true,
                _ => {}
            },
            b'\\' => ambiguous = true,
            _ => {}
        }
    }
    (normal, ambiguous)
}

/// Decodes the percent-encoded unreserved characters of one segment.
fn decode_unreserved(segment: &str) -> Cow<'_, str> {
    let bytes = segment.as_bytes();
    if !bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'%' && escaped(bytes, i).is_none_or(unreserved))
    {
        return Cow::Borrowed(segment);
    }
    let mut out = String::with_capacity(segment.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            match escaped(bytes, i) {
                Some(c) if unreserved(c) => {
                    out.push(char::from(c));
                    i += 3;
                    continue;
                }
                // A stray `%` would pair with decoded hex digits after it (`%6%65` would
                // become `%6e`, which the engine reads as `n`): it is written as `%25`.
                None => {
                    out.push_str("%25");
                    i += 1;
                    continue;
                }
                Some(_) => {}
            }
        }
        // Copy the run up to the next '%' (char boundaries: '%' is ASCII).
        let end = bytes
            .get(i + 1..)
            .and_then(|rest| rest.iter().position(|&x| x == b'%'))
            .map_or(bytes.len(), |p| i + 1 + p);
        out.push_str(segment.get(i..end).unwrap_or(""));
        i = end;
    }
    Cow::Owned(out)
}

fn rebuild(path: &str) -> String {
    let mut kept: Vec<Cow<'_, str>> = Vec::new();
    let mut trailing = false;
    for raw in path.split('/').skip(1) {
        let segment = decode_unreserved(raw);
        trailing = true;
        match segment.as_ref() {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            _ => {
                kept.push(segment);
                trailing = false;
            }
        }
    }
    let mut out = String::with_capacity(path.len());
    for s in &kept {
        out.push('/');
        out.push_str(s);
    }
    if trailing || kept.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        // (input, normalised, ambiguous)
        let cases = [
            ("/", "/", false),
            ("/idx/_search", "/idx/_search", false),
            ("/idx/_search/", "/idx/_search/", false),
            ("//idx/_search", "/idx/_search", false),
            ("/idx//_search", "/idx/_search", false),
            ("/idx/_search//", "/idx/_search/", false),
            ("/idx/%5Fsearch", "/idx/_search", false),
            ("/idx/%5fsearch", "/idx/_search", false),
            ("/%69dx/_se%61rch", "/idx/_search", false),
            ("/idx/./_search", "/idx/_search", false),
            ("/x/../idx/_search", "/idx/_search", false),
            ("/x/%2E%2E/idx/_search", "/idx/_search", false),
            ("/x/.%2e/idx/_search", "/idx/_search", false),
            ("/../../idx/_search", "/idx/_search", false),
            ("/idx/_search/.", "/idx/_search/", false),
            ("/idx/_search/x/..", "/idx/_search/", false),
            ("/..", "/", false),
            ("//", "/", false),
            ("/.hidden/..x/x..", "/.hidden/..x/x..", false),
            ("/idx%2F_search", "/idx%2F_search", true),
            ("/idx%2f_search", "/idx%2f_search", true),
            ("/idx%5C_search", "/idx%5C_search", true),
            ("/idx\\_search", "/idx\\_search", true),
            ("/a%20b/%3F", "/a%20b/%3F", false),
            ("/caf%C3%A9", "/caf%C3%A9", false),
            ("/bad%zz/%", "/bad%zz/%", false),
            // A path that is rebuilt writes a stray `%` as `%25`, so decoding cannot make a new
            // escape out of it (found by fuzzing: `%6%65` became `%6e`, read as `n`).
            ("/%6%65Fs", "/%256eFs", false),
            ("/idx/_s%6%35arch", "/idx/_s%2565arch", false),
            ("/x/%2%46", "/x/%252F", false),
            ("/./bad%zz", "/bad%25zz", false),
            ("/x%2F/../_search", "/_search", true),
            ("*", "*", false),
        ];
        for (input, want, ambiguous) in cases {
            let got = normalize(input);
            assert_eq!(got.path, want, "{input}");
            assert_eq!(got.ambiguous, ambiguous, "{input}");
        }
    }

    #[test]
    fn normal_paths_are_borrowed() {
        for p in [
            "/",
            "/idx/_search",
            "/indexes/books/search/",
            "/a%20b",
            "/.x",
        ] {
            assert!(matches!(normalize(p).path, Cow::Borrowed(_)), "{p}");
        }
    }

    #[test]
    fn matching_ignores_one_trailing_slash() {
        assert_eq!(for_matching("/idx/_search/"), "/idx/_search");
        assert_eq!(for_matching("/idx/_search"), "/idx/_search");
        assert_eq!(for_matching("/"), "/");
    }

    /// A plain reading of the rules: decode unreserved escapes, collapse slashes until none are
    /// repeated, then RFC 3986 §5.2.4 `remove_dot_segments` as written. A path that this changes
    /// is written again with each `%` that starts no escape as `%25`.
    fn reference(path: &str) -> String {
        let kept = reference_with(path, false);
        if kept == path {
            kept
        } else {
            reference_with(path, true)
        }
    }

    fn reference_with(path: &str, encode_stray: bool) -> String {
        let b = path.as_bytes();
        let mut decoded = String::new();
        let mut i = 0;
        while i < b.len() {
            match escaped(b, i).filter(|c| b[i] == b'%' && unreserved(*c)) {
                Some(c) => {
                    decoded.push(char::from(c));
                    i += 3;
                }
                None if encode_stray && b[i] == b'%' && escaped(b, i).is_none() => {
                    decoded.push_str("%25");
                    i += 1;
                }
                None => {
                    let ch = path[i..].chars().next().unwrap();
                    decoded.push(ch);
                    i += ch.len_utf8();
                }
            }
        }
        while decoded.contains("//") {
            decoded = decoded.replace("//", "/");
        }
        let mut input = decoded.as_str().to_owned();
        let mut output = String::new();
        while !input.is_empty() {
            if let Some(rest) = input.strip_prefix("../") {
                input = rest.to_owned();
            } else if let Some(rest) = input.strip_prefix("./") {
                input = rest.to_owned();
            } else if input.starts_with("/./") {
                input = input[2..].to_owned();
            } else if input == "/." {
                input = "/".into();
            } else if input.starts_with("/../") || input == "/.." {
                input = format!("/{}", &input[if input == "/.." { 3 } else { 4 }..]);
                match output.rfind('/') {
                    Some(k) => output.truncate(k),
                    None => output.clear(),
                }
            } else if input == "." || input == ".." {
                input.clear();
            } else {
                let start = usize::from(input.starts_with('/'));
                let end = input[start..].find('/').map_or(input.len(), |k| k + start);
                output.push_str(&input[..end]);
                input = input[end..].to_owned();
            }
        }
        while output.contains("//") {
            output = output.replace("//", "/");
        }
        if output.is_empty() {
            output.push('/');
        }
        output
    }

    fn segment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just(".".to_owned()),
            Just("..".to_owned()),
            Just("%2E".to_owned()),
            Just("%2e%2E".to_owned()),
            Just("%5F".to_owned()),
            Just("%2F".to_owned()),
            Just("%41b".to_owned()),
            Just("%zz".to_owned()),
            Just("%6%65".to_owned()),
            Just("%2%46".to_owned()),
            Just("é".to_owned()),
            "[a-z_.%]{1,5}",
        ]
    }

    proptest! {
        #[test]
        fn agrees_with_the_reference_and_is_idempotent(
            segs in proptest::collection::vec(segment(), 0..8)
        ) {
            let path = format!("/{}", segs.join("/"));
            let once = normalize(&path);
            prop_assert_eq!(once.path.as_ref(), reference(&path), "{}", path);
            let twice = normalize(&once.path);
            prop_assert_eq!(&twice.path, &once.path);
            prop_assert!(matches!(twice.path, Cow::Borrowed(_)));
        }
    }
}
