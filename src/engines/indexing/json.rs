//! Strict JSON for indexing bodies: documents with repeated keys refused, and arrays and objects
//! split into the byte ranges of their elements without reserialising them.

use std::fmt;
use std::ops::Range;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};

use super::malformed;
use crate::engines::EngineError;

/// Parses one JSON value, refusing any object with a repeated key (at any depth).
pub(super) fn strict(bytes: &[u8], what: &str) -> Result<Value, EngineError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = de
        .deserialize_any(StrictVisitor)
        .map_err(|_| malformed(what))?;
    de.end().map_err(|_| malformed(what))?;
    Ok(v)
}

/// Parses `bytes` (a slice of `body`) as a JSON array: each element's range in `body`.
pub(super) fn items(
    body: &[u8],
    bytes: &[u8],
    what: &str,
) -> Result<Vec<Range<usize>>, EngineError> {
    let raws: Vec<&RawValue> = serde_json::from_slice(bytes).map_err(|_| malformed(what))?;
    raws.iter().map(|r| span(body, r)).collect()
}

/// Parses `bytes` (a slice of `body`) as a JSON object: each member's key and value range in
/// `body`, in order, repeated keys included.
pub(super) fn members(
    body: &[u8],
    bytes: &[u8],
    what: &str,
) -> Result<Vec<(String, Range<usize>)>, EngineError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let raws = de
        .deserialize_map(MembersVisitor)
        .map_err(|_| malformed(what))?;
    de.end().map_err(|_| malformed(what))?;
    raws.into_iter()
        .map(|(k, r)| Ok((k, span(body, r)?)))
        .collect()
}

/// The first byte that is not JSON whitespace.
pub(super) fn first_byte(bytes: &[u8]) -> Option<u8> {
    bytes
        .iter()
        .copied()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// Where `raw` (borrowed from `body`) sits in `body`.
fn span(body: &[u8], raw: &RawValue) -> Result<Range<usize>, EngineError> {
    let text = raw.get();
    let start = text
        .as_ptr()
        .addr()
        .checked_sub(body.as_ptr().addr())
        .ok_or_else(|| malformed("JSON inside the body"))?;
    let end = start + text.len();
    if end > body.len() {
        return Err(malformed("JSON inside the body"));
    }
    Ok(start..end)
}

struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Vec<(String, &'de RawValue)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            out.push((key, map.next_value::<&'de RawValue>()?));
        }
        Ok(out)
    }
}

struct StrictVisitor;

/// One strictly parsed value, for elements and members.
struct Strict(Value);

impl<'de> de::Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom("repeated key"));
            }
            let Strict(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_parsing() {
        let cases: &[(&str, &str, bool)] = &[
            ("object", r#"{"a":1,"b":[true,null,1.5,"x"]}"#, true),
            ("repeated key", r#"{"url":"a","url":"b"}"#, false),
            ("nested repeated key", r#"{"a":[{"k":1,"k":2}]}"#, false),
            ("same key in siblings", r#"[{"k":1},{"k":2}]"#, true),
            ("trailing garbage", r#"{"a":1} x"#, false),
            ("two values", "{} {}", false),
            ("not json", "zorvexil", false),
        ];
        for (name, text, ok) in cases {
            assert_eq!(strict(text.as_bytes(), "JSON").is_ok(), *ok, "{name}");
        }
        let v = strict(br#"{"n":-3,"f":2.5,"u":18446744073709551615}"#, "JSON").unwrap();
        assert_eq!(
            v,
            serde_json::json!({"n":-3,"f":2.5,"u":18446744073709551615u64})
        );
    }

    #[test]
    fn spans_point_into_the_body() {
        let body = br#" [ {"a":1} ,"x" , [2] ] "#;
        let got: Vec<&[u8]> = items(body, body, "array")
            .unwrap()
            .into_iter()
            .map(|r| &body[r])
            .collect();
        assert_eq!(got, vec![&br#"{"a":1}"#[..], b"\"x\"", b"[2]"]);
        let body = br#"{"add":{"doc":{}},"add" : [1],"commit":{}}"#;
        let got: Vec<(String, &[u8])> = members(body, body, "object")
            .unwrap()
            .into_iter()
            .map(|(k, r)| (k, &body[r]))
            .collect();
        assert_eq!(
            got,
            vec![
                ("add".to_owned(), &br#"{"doc":{}}"#[..]),
                ("add".to_owned(), b"[1]"),
                ("commit".to_owned(), b"{}"),
            ]
        );
        assert!(members(b"[1]", b"[1]", "object").is_err());
    }
}
