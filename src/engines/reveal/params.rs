//! Editing a raw query string: the client's other parameters are kept byte for byte, named
//! ones removed, and new ones appended percent-encoded.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::super::EngineError;
use super::super::query::param_values;

/// Characters left as they are in an appended value: unreserved ones, and `,` `*` which
/// engines read in field lists.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b',')
    .remove(b'*');

/// `raw` without the parameters named in `drop` (compared decoded), with `add` appended.
///
/// # Errors
/// [`EngineError::Malformed`] for a key that is not UTF-8 once decoded.
pub(super) fn edit(
    raw: Option<&str>,
    drop: &[&str],
    add: &[(&str, String)],
) -> Result<String, EngineError> {
    let mut out: Vec<String> = Vec::new();
    for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let key = pair.split_once('=').map_or(pair, |(k, _)| k);
        let named = drop
            .iter()
            .any(|d| param_values(Some(key), d).is_ok_and(|v| !v.is_empty()));
        if !named {
            out.push(pair.to_owned());
        }
    }
    for (k, v) in add {
        out.push(format!("{}={}", k, utf8_percent_encode(v, VALUE)));
    }
    Ok(out.join("&"))
}

/// The comma-separated items of every value of `name`, trimmed, empty ones left out.
pub(super) fn list(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Name, raw query, parameters dropped, parameters added, result.
    type Case<'a> = (
        &'a str,
        Option<&'a str>,
        &'a [&'a str],
        &'a [(&'a str, &'a str)],
        &'a str,
    );

    #[test]
    fn edits_keep_the_rest_as_sent() {
        let cases: &[Case<'_>] = &[
            (
                "append",
                Some("q=a%20b"),
                &[],
                &[("fl", "url,id")],
                "q=a%20b&fl=url,id",
            ),
            (
                "drop encoded key",
                Some("_sour%63e=false&q=x"),
                &["_source"],
                &[],
                "q=x",
            ),
            (
                "drop repeated",
                Some("a=1&b=2&a=3"),
                &["a"],
                &[("a", "x y")],
                "b=2&a=x%20y",
            ),
            ("none", None, &[], &[("x", "1")], "x=1"),
            ("bare key", Some("pretty&x=1"), &["x"], &[], "pretty"),
        ];
        for (name, raw, drop, add, want) in cases {
            let add: Vec<(&str, String)> = add.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
            assert_eq!(edit(*raw, drop, &add).unwrap(), *want, "{name}");
        }
    }

    #[test]
    fn lists_split_on_commas() {
        assert_eq!(list(&["a, b".into(), ",c".into()]), ["a", "b", "c"]);
    }
}
