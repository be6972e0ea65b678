//! Request decoding shared by adapters: query-string and form parameters, JSON and NDJSON bodies.

use serde_json::Value;

use super::{EngineError, RequestView};

/// How deep adapters walk into a JSON request (serde_json itself stops parsing at 128 levels).
pub(crate) const MAX_DEPTH: usize = 64;

/// A [`EngineError::Malformed`] naming what was expected.
pub(crate) fn malformed(what: impl Into<String>) -> EngineError {
    EngineError::Malformed { what: what.into() }
}

/// A [`EngineError::Shape`].
pub(crate) fn shape(what: impl Into<String>) -> EngineError {
    EngineError::Shape(what.into())
}

/// Every decoded value of parameter `name` in an `application/x-www-form-urlencoded` string.
///
/// Bytes that do not decode to UTF-8 are an error rather than replaced: a replacement character
/// could split a listed term the upstream would still see whole.
pub(crate) fn param_values(raw: Option<&str>, name: &str) -> Result<Vec<String>, EngineError> {
    let mut out = Vec::new();
    let Some(raw) = raw else { return Ok(out) };
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if decode(key)? == name {
            out.push(decode(value)?);
        }
    }
    Ok(out)
}

/// Every decoded `(key, value)` pair of an `application/x-www-form-urlencoded` string, in order.
///
/// # Errors
/// As [`param_values`].
pub(crate) fn param_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, EngineError> {
    let mut out = Vec::new();
    let Some(raw) = raw else { return Ok(out) };
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        out.push((decode(key)?, decode(value)?));
    }
    Ok(out)
}

/// Every `(key, value)` pair of the query string and then, for form posts, of the body.
///
/// # Errors
/// As [`param_values`], and a form body that is not UTF-8.
pub(crate) fn request_pairs(req: &RequestView<'_>) -> Result<Vec<(String, String)>, EngineError> {
    let mut out = param_pairs(req.query)?;
    if is_form(req.content_type) {
        let body = std::str::from_utf8(req.body).map_err(|_| malformed("form body"))?;
        out.extend(param_pairs(Some(body))?);
    }
    Ok(out)
}

/// Values of `name` in the query string and, for form posts, in the body.
pub(crate) fn request_params(
    req: &RequestView<'_>,
    name: &str,
) -> Result<Vec<String>, EngineError> {
    let mut out = param_values(req.query, name)?;
    if is_form(req.content_type) {
        let body = std::str::from_utf8(req.body).map_err(|_| malformed("form body"))?;
        out.extend(param_values(Some(body), name)?);
    }
    Ok(out)
}

/// Decodes one form-encoded key or value: `+` is a space, `%XX` a byte, a `%` not followed by
/// two hex digits stays as it is.
fn decode(s: &str) -> Result<String, EngineError> {
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| malformed("UTF-8 in percent-encoded parameters"))
}

/// The media type of a `Content-Type` header, lowercased, without parameters.
pub(crate) fn media_type(content_type: Option<&str>) -> String {
    content_type
        .and_then(|ct| ct.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Whether the body is an HTML form post.
pub(crate) fn is_form(content_type: Option<&str>) -> bool {
    media_type(content_type) == "application/x-www-form-urlencoded"
}

/// Whether the request names any of `names` as a query parameter or as a JSON key anywhere in
/// its body (a byte search for `"name"`: it may over-report, never miss).
pub(crate) fn mentions(req: &super::RequestView<'_>, names: &[&str]) -> bool {
    names
        .iter()
        .any(|name| param_values(req.query, name).map_or(true, |v| !v.is_empty()))
        || quoted_anywhere(req.body, names)
}

/// Whether `"name"` occurs in `body` for any of `names`: each quote is tried as the opening one
/// (the body is read once, however many names there are).
fn quoted_anywhere(body: &[u8], names: &[&str]) -> bool {
    memchr::memchr_iter(b'"', body).any(|open| {
        let after = body.get(open + 1..).unwrap_or_default();
        let first = after.first();
        names.iter().any(|name| {
            // The first byte rules out most names without a comparison call.
            name.as_bytes().first() == first
                && after.starts_with(name.as_bytes())
                && after.get(name.len()) == Some(&b'"')
        })
    })
}

/// Whether a request body carries anything but whitespace.
pub(crate) fn has_body(body: &[u8]) -> bool {
    !blank(body)
}

/// Whether `bytes` hold nothing but whitespace.
pub(crate) fn blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// Parses a JSON document.
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, EngineError> {
    serde_json::from_slice(bytes).map_err(|_| malformed("JSON"))
}

/// The non-blank lines of an NDJSON body, each parsed.
pub(crate) fn parse_ndjson(bytes: &[u8]) -> Result<Vec<Value>, EngineError> {
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, line)| has_body(line))
        .map(|(i, line)| {
            serde_json::from_slice(line).map_err(|_| malformed(format!("NDJSON line {}", i + 1)))
        })
        .collect()
}

/// The last path segment, ignoring a trailing slash.
pub(crate) fn last_segment(path: &str) -> &str {
    path.trim_end_matches('/').rsplit('/').next().unwrap_or("")
}

/// The path segment right after `after`, e.g. the index in `/indexes/{uid}/search`.
pub(crate) fn segment_after<'p>(path: &'p str, after: &str) -> Option<&'p str> {
    let mut parts = path.split('/');
    parts.find(|p| *p == after)?;
    parts.next().filter(|p| !p.is_empty())
}

/// Pushes a JSON string (ignoring other types) to `out`.
pub(crate) fn push_str(v: Option<&Value>, out: &mut Vec<String>) {
    if let Some(s) = v.and_then(Value::as_str) {
        out.push(s.to_owned());
    }
}

/// Every string value inside `v` except under the keys in `skip` (names of indexes and
/// documents), for request bodies whose every value may be a user's text: filter expressions
/// carry values too, and a field the adapter does not know may be one the engine reads.
///
/// # Errors
/// [`EngineError::Malformed`] when nested deeper than [`MAX_DEPTH`].
pub(crate) fn all_strings(
    v: &Value,
    skip: &[&str],
    out: &mut Vec<String>,
) -> Result<(), EngineError> {
    fn walk(
        v: &Value,
        skip: &[&str],
        depth: usize,
        out: &mut Vec<String>,
    ) -> Result<(), EngineError> {
        if depth > MAX_DEPTH {
            return Err(malformed(format!("a body nested under {MAX_DEPTH} levels")));
        }
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(items) => items
                .iter()
                .try_for_each(|i| walk(i, skip, depth + 1, out))?,
            Value::Object(map) => map
                .iter()
                .filter(|(k, _)| !skip.contains(&k.as_str()))
                .try_for_each(|(_, i)| walk(i, skip, depth + 1, out))?,
            _ => {}
        }
        Ok(())
    }
    walk(v, skip, 0, out)
}

/// Removes repeated texts, keeping the first occurrence of each.
pub(crate) fn dedup(mut texts: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    texts.retain(|t| seen.insert(t.clone()));
    texts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_parameters() {
        let cases: &[(&str, &str, &str, &[&str])] = &[
            ("plain", "q=abc&x=1", "q", &["abc"]),
            ("plus and percent", "q=a+b%20c%2Bd", "q", &["a b c+d"]),
            ("repeated", "q=a&q=b", "q", &["a", "b"]),
            ("encoded key", "sug%67est.q=x", "suggest.q", &["x"]),
            ("bare key", "q&x=1", "q", &[""]),
            ("bad escape kept", "q=50%&z=%zz", "q", &["50%"]),
            ("utf8", "q=caf%C3%A9", "q", &["café"]),
            ("absent", "x=1", "q", &[]),
        ];
        for (name, raw, key, want) in cases {
            let got = param_values(Some(raw), key).unwrap();
            assert_eq!(got, *want, "{name}");
        }
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        assert!(param_values(Some("q=%FF"), "q").is_err());
    }

    /// Every quote is tried as an opening one, as a byte-window search would: a name right after
    /// another string's closing quote, at the ends of the body, or one name among several.
    #[test]
    fn quoted_names_are_found_wherever_they_are() {
        let names = ["_source", "fields"];
        let cases: &[(&str, &str, bool)] = &[
            ("a key", r#"{"_source": false}"#, true),
            ("a value", r#"{"x": "fields"}"#, true),
            ("the second name", r#"{"docvalue": 1, "fields": []}"#, true),
            ("after a closing quote", r#""a""_source""#, true),
            ("the whole body", r#""fields""#, true),
            ("a longer key", r#"{"_source_includes": 1}"#, false),
            ("unquoted", "_source fields", false),
            ("unclosed", r#"{"_source"#, false),
            ("empty", "", false),
        ];
        for (name, body, want) in cases {
            assert_eq!(quoted_anywhere(body.as_bytes(), &names), *want, "{name}");
            let windows = names.iter().any(|n| {
                let q = format!("\"{n}\"");
                body.as_bytes().windows(q.len()).any(|w| w == q.as_bytes())
            });
            assert_eq!(windows, *want, "{name}: the byte-window reading");
        }
    }

    #[test]
    fn segments() {
        assert_eq!(last_segment("/a/b/_search/"), "_search");
        assert_eq!(
            segment_after("/indexes/movies/search", "indexes"),
            Some("movies")
        );
        assert_eq!(segment_after("/indexes/", "indexes"), None);
    }
}
