//! Solr's request parameters as its search handlers see them, and every text in them.
//!
//! Solr builds one parameter map from the query string, a form body and the `params` object of
//! each JSON request (the body, then `json` parameters; a key already present wins), then expands
//! macros in every value: `${name}` is the first value of `name`, `${name:default}` the default
//! when there is none, `\${` is left as it is, and an expansion is expanded again up to 24
//! levels deep. Query parsers then dereference local parameters (`{!lucene v=$qq}`, `query($x)`),
//! unescape quoted values (`'zorv\u0065xil'`) and read `json`, `json.query`, `json.filter` and
//! other `json.*` parameters as JSON.
//!
//! Which parameters a request handler, a query parser or a component parses as a query depends
//! on the handler's configuration, the parser (`defType`, `{!…}`) and names made up by the
//! request (`facet.query`, `bq`, `boost`, `group.query`, `hl.q`, a subquery's `kids.q`…). So
//! every value of every parameter is read, as sent and as expanded, and a value holding
//! backslash escapes is read unescaped too: a dereferenced parameter is one of those values.
//! What cannot be resolved the way Solr would is refused: a macro in a key, a macro name that
//! is not ASCII, expansion over Solr's depth or over a size bound, a JSON value broken by an
//! expansion.

use serde_json::Value;

use super::super::EngineError;
use super::super::RequestView;
use super::super::query::{all_strings, has_body, is_form, malformed, parse_json, request_pairs};

/// Solr refuses an expansion at this nesting level (`MacroExpander.MAX_LEVELS`).
const MAX_LEVELS: usize = 25;

/// Bytes all expansions of one request may produce.
const MAX_EXPANDED: usize = 1 << 20;

/// Macros one request may resolve (nested macros of empty values cost time, not bytes).
const MAX_RESOLVED: usize = 4096;

const MACRO_START: &str = "${";

/// Solr's parameter map of `req` with its macros expanded, in Solr's order (a JSON body is the
/// first value of `json`).
///
/// # Errors
/// As [`texts`].
pub(crate) fn expanded(req: &RequestView<'_>) -> Result<Vec<(String, String)>, EngineError> {
    let map = solr_map(req)?;
    let mut ex = Expander {
        map: &map,
        expanded: 0,
        resolved: 0,
    };
    map.iter()
        .map(|(k, v)| Ok((k.clone(), ex.expand(v, 1)?)))
        .collect()
}

/// Every text Solr may read out of `req`'s parameters and JSON.
///
/// # Errors
/// [`EngineError::Malformed`] for what Solr reads in a way not resolved here.
pub(super) fn texts(req: &RequestView<'_>) -> Result<Vec<String>, EngineError> {
    let map = solr_map(req)?;
    let mut ex = Expander {
        map: &map,
        expanded: 0,
        resolved: 0,
    };
    let mut out = Vec::new();
    for (k, v) in &map {
        let e = ex.expand(v, 1)?;
        let is_json = k == "json" || (k.starts_with("json.") && k != "json.nl" && k != "json.wrf");
        if is_json {
            json_texts(k, v, &mut out)?;
            if e != *v {
                json_texts(k, &e, &mut out)?;
            }
        }
        out.push(v.clone());
        if e != *v {
            out.push(e);
        }
    }
    let unescaped: Vec<String> = out
        .iter()
        .filter(|t| t.contains('\\'))
        .map(|t| unescape(t))
        .collect();
    out.extend(unescaped);
    Ok(out)
}

/// Solr's parameter map of `req` before macros: the JSON body as the first `json` value, the
/// query string's and a form body's parameters, then the `params` of each JSON request.
fn solr_map(req: &RequestView<'_>) -> Result<Vec<(String, String)>, EngineError> {
    let mut pairs = request_pairs(req)?;
    // The JSON request: the body (not a form) first, then `json` parameters.
    let mut jsons = Vec::new();
    if has_body(req.body) && !is_form(req.content_type) {
        jsons.push(
            std::str::from_utf8(req.body)
                .map_err(|_| malformed("JSON"))?
                .to_owned(),
        );
    }
    jsons.extend(
        pairs
            .iter()
            .filter(|(k, _)| k == "json")
            .map(|(_, v)| v.clone()),
    );
    let mut json_params = Vec::new();
    for j in &jsons {
        let v = parse_json(j.as_bytes())?;
        if let Some(Value::Object(params)) = v.get("params") {
            for (k, val) in params {
                let present = |k: &str| pairs.iter().chain(&json_params).any(|(p, _)| p == k);
                if present(k) {
                    continue;
                }
                for s in param_strings(val)? {
                    json_params.push((k.clone(), s));
                }
            }
        }
    }
    // Solr's map: the JSON bodies are the first values of `json`.
    let mut map: Vec<(String, String)> = jsons
        .iter()
        .take(usize::from(
            has_body(req.body) && !is_form(req.content_type),
        ))
        .map(|j| ("json".to_owned(), j.clone()))
        .collect();
    map.append(&mut pairs);
    map.append(&mut json_params);
    if let Some((k, _)) = map.iter().find(|(k, _)| k.contains(MACRO_START)) {
        return Err(malformed(format!(
            "a Solr parameter name with a macro ({k:?})"
        )));
    }
    Ok(map)
}

/// Whether `req` may ask Solr to leave fields out of its documents: `fl` (or `fields`,
/// `json.fields`) as a parameter, a JSON request's `fields` or `params.fl`; and, since the name
/// could be made by one, any macro in a key or in a JSON request, or JSON not read here.
pub(super) fn hides_fields(req: &RequestView<'_>) -> bool {
    let Ok(pairs) = request_pairs(req) else {
        return true;
    };
    let mut jsons: Vec<&str> = Vec::new();
    if has_body(req.body) && !is_form(req.content_type) {
        let Ok(body) = std::str::from_utf8(req.body) else {
            return true;
        };
        jsons.push(body);
    }
    for (k, v) in &pairs {
        if matches!(k.as_str(), "fl" | "fields" | "json.fields")
            || k.starts_with("json.params")
            || k.contains(MACRO_START)
        {
            return true;
        }
        if k == "json" {
            jsons.push(v);
        }
    }
    jsons.iter().any(|j| {
        j.contains(MACRO_START)
            || serde_json::from_str::<Value>(j).map_or(true, |v| {
                v.get("fields").is_some() || v.get("params").and_then(|p| p.get("fl")).is_some()
            })
    })
}

/// The strings of a JSON value Solr reads as a `json` or `json.*` parameter. `json` must be
/// JSON; a `json.*` value Solr's lenient parser takes as a bare string is read as it is, unless
/// it holds a comment (which that parser would drop).
fn json_texts(key: &str, v: &str, out: &mut Vec<String>) -> Result<(), EngineError> {
    match serde_json::from_str::<Value>(v) {
        Ok(parsed) => all_strings(&parsed, &[], out),
        Err(_) if key != "json" && !["/*", "//", "#"].iter().any(|c| v.contains(c)) => Ok(()),
        Err(_) => Err(malformed(format!("JSON in the Solr parameter {key}"))),
    }
}

/// A JSON `params` value as Solr's parameter values: a list gives one value per element.
fn param_strings(v: &Value) -> Result<Vec<String>, EngineError> {
    let one = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(_) | Value::Bool(_) => Ok(v.to_string()),
        _ => Err(malformed("a Solr JSON parameter that is not a string")),
    };
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

/// Solr's macro expansion over one parameter map.
struct Expander<'m> {
    map: &'m [(String, String)],
    expanded: usize,
    resolved: usize,
}

impl<'m> Expander<'m> {
    fn first(&self, name: &str) -> Option<&'m str> {
        let map: &'m [(String, String)] = self.map;
        map.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// `val` with its macros expanded, as `MacroExpander.expand` at nesting `level`.
    fn expand(&mut self, val: &str, level: usize) -> Result<String, EngineError> {
        if level >= MAX_LEVELS {
            return Err(malformed(format!(
                "Solr macros nested {MAX_LEVELS} levels deep"
            )));
        }
        if !val.contains(MACRO_START) {
            return Ok(val.to_owned());
        }
        let mut out = String::new();
        let mut start = 0; // start of the part not yet copied
        let mut idx = 0;
        while let Some(found) = val[idx..].find(MACRO_START).map(|i| i + idx) {
            if found > 0 && val.as_bytes()[found - 1] == b'\\' {
                idx = found + MACRO_START.len();
                continue;
            }
            let inner = found + MACRO_START.len();
            let Some(rbrace) = val[inner..].find('}').map(|i| i + inner) else {
                break;
            };
            out.push_str(&val[start..found]);
            start = rbrace + 1;
            idx = start;
            match macro_name(&val[inner..rbrace])? {
                None => out.push_str(&val[found..start]),
                Some((name, default)) => {
                    self.resolved += 1;
                    if self.resolved > MAX_RESOLVED {
                        return Err(malformed("more Solr macros than searchward resolves"));
                    }
                    let replacement = self.first(name).or(default);
                    if let Some(r) = replacement {
                        let r = self.expand(r, level + 1)?;
                        self.expanded += r.len();
                        if self.expanded > MAX_EXPANDED {
                            return Err(malformed("Solr macros expanding past the size bound"));
                        }
                        out.push_str(&r);
                    }
                }
            }
        }
        out.push_str(&val[start..]);
        Ok(out)
    }
}

/// Java's `Character.isWhitespace` on ASCII.
fn java_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f)
}

/// Java's `Character.isJavaIdentifierPart` on ASCII, plus `.` (`StrParser.getId`).
fn id_part(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'.' | 0x00..=0x08 | 0x0e..=0x1b | 0x7f)
}

/// The name and default of a macro's inside (between `${` and `}`), as `StrParser` reads them:
/// `None` when there is no name (Solr then keeps the macro's text).
///
/// # Errors
/// A character that is not ASCII where the name or the `:` is read: Java's notion of letters
/// and spaces is not reproduced here.
fn macro_name(inner: &str) -> Result<Option<(&str, Option<&str>)>, EngineError> {
    let b = inner.as_bytes();
    let non_ascii = || malformed("a Solr macro name that is not ASCII");
    let skip = |mut i: usize| -> Result<usize, EngineError> {
        while i < b.len() && java_space(b[i]) {
            i += 1;
        }
        if i < b.len() && !b[i].is_ascii() {
            return Err(non_ascii());
        }
        Ok(i)
    };
    let begin = skip(0)?;
    let Some(&c) = b.get(begin) else {
        return Ok(None);
    };
    if !(c.is_ascii_alphabetic() || c == b'_') {
        return Ok(None);
    }
    let mut end = begin + 1;
    while end < b.len() && id_part(b[end]) {
        end += 1;
    }
    if end < b.len() && !b[end].is_ascii() {
        return Err(non_ascii());
    }
    let after = skip(end)?;
    let default = (b.get(after) == Some(&b':')).then(|| &inner[after + 1..]);
    Ok(Some((&inner[begin..end], default)))
}

/// A value with backslash escapes undone as Solr's string parser and the Lucene query parser
/// undo them: `\n`, `\t`, `\r`, `\b`, `\f`, `\uXXXX` (UTF-16 pairs joined), any other `\c` is
/// `c`.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut units: Vec<u16> = Vec::new();
    let flush = |units: &mut Vec<u16>, out: &mut String| {
        out.extend(char::decode_utf16(units.drain(..)).map(|c| c.unwrap_or('\u{fffd}')));
    };
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            flush(&mut units, &mut out);
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else { break };
        let plain = match e {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'u' => {
                let hex: String = chars.clone().take(4).collect();
                if let (4, Ok(u)) = (hex.len(), u16::from_str_radix(&hex, 16)) {
                    chars.nth(3);
                    units.push(u);
                    continue;
                }
                'u'
            }
            other => other,
        };
        flush(&mut units, &mut out);
        out.push(plain);
    }
    flush(&mut units, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_like_solr() {
        let cases = [
            ("zorv\\u0065xil", "zorvexil"),
            ("a\\nb\\tc", "a\nb\tc"),
            ("zorv\\exil", "zorvexil"),
            ("\\\\u0065", "\\u0065"),
            ("\\ud83d\\ude00x", "\u{1f600}x"),
            ("\\u00", "u00"),
            ("end\\", "end"),
        ];
        for (input, want) in cases {
            assert_eq!(unescape(input), want, "{input}");
        }
    }

    #[test]
    fn reads_macro_names_like_solr() {
        type Name<'a> = Option<(&'a str, Option<&'a str>)>;
        let cases: &[(&str, Name<'_>)] = &[
            ("x", Some(("x", None))),
            (" x.y_1 ", Some(("x.y_1", None))),
            ("x:def:more", Some(("x", Some("def:more")))),
            ("x :d", Some(("x", Some("d")))),
            ("x y", Some(("x", None))),
            ("", None),
            ("1x", None),
            ("$x", None),
            (":d", None),
        ];
        for (inner, want) in cases {
            assert_eq!(macro_name(inner).unwrap(), *want, "{inner:?}");
        }
        assert!(macro_name("\u{e9}").is_err());
        assert!(macro_name("x\u{e9}").is_err());
    }

    #[test]
    fn expands_like_solr() {
        let map: Vec<(String, String)> = [("a", "A"), ("b", "${a}${a}"), ("a", "second")]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut ex = Expander {
            map: &map,
            expanded: 0,
            resolved: 0,
        };
        let cases = [
            ("${a}", "A"),
            ("x${b}y", "xAAy"),
            ("${none}", ""),
            ("${none:d}", "d"),
            ("${a:d}", "A"),
            ("\\${a}", "\\${a}"),
            ("${a", "${a"),
            ("${}", "${}"),
            ("${1}${a}", "${1}A"),
            ("$a {a}", "$a {a}"),
        ];
        for (input, want) in cases {
            assert_eq!(ex.expand(input, 1).unwrap(), want, "{input}");
        }
    }
}
