//! A strict RFC 4180 record splitter for CSV document bodies: quoted fields may hold the
//! delimiter, newlines and doubled quotes. Anything a lenient reader could read two ways (a quote
//! inside an unquoted field, text after a closing quote, a lone carriage return) is malformed,
//! so the guard never sees different fields than the engine.

use std::ops::Range;

use super::malformed;
use crate::engines::EngineError;

/// One record: its bytes in the body (line terminator included) and its decoded fields.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Record {
    /// The record's bytes, terminator included.
    pub span: Range<usize>,
    /// The fields, unquoted. Empty for a blank line (which readers skip).
    pub fields: Vec<String>,
}

/// Splits `body` into records separated by `\n` or `\r\n`.
pub(super) fn records(body: &[u8], delimiter: u8) -> Result<Vec<Record>, EngineError> {
    if std::str::from_utf8(body).is_err() {
        return Err(malformed("UTF-8 CSV"));
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let start = i;
        let n = out.len() + 1;
        if let Some(end) = line_break(body, i) {
            out.push(Record {
                span: start..end,
                fields: Vec::new(),
            });
            i = end;
            continue;
        }
        let mut fields = Vec::new();
        loop {
            let (field, next) = field(body, i, delimiter, n)?;
            fields.push(field);
            i = next;
            match body.get(i) {
                Some(&b) if b == delimiter => i += 1,
                _ => match line_break(body, i) {
                    Some(end) => {
                        i = end;
                        break;
                    }
                    None if i >= body.len() => break,
                    None => return Err(malformed(format!("CSV record {n}"))),
                },
            }
        }
        out.push(Record {
            span: start..i,
            fields,
        });
    }
    Ok(out)
}

/// The end of a line break at `i`, if one starts there.
fn line_break(body: &[u8], i: usize) -> Option<usize> {
    match (body.get(i), body.get(i + 1)) {
        (Some(b'\n'), _) => Some(i + 1),
        (Some(b'\r'), Some(b'\n')) => Some(i + 2),
        _ => None,
    }
}

/// One field starting at `i`: its text and the index just after it.
fn field(
    body: &[u8],
    mut i: usize,
    delimiter: u8,
    n: usize,
) -> Result<(String, usize), EngineError> {
    let bad = |why: &str| malformed(format!("CSV record {n}: {why}"));
    let mut text = Vec::new();
    if body.get(i) == Some(&b'"') {
        i += 1;
        loop {
            match body.get(i) {
                None => return Err(bad("unterminated quoted field")),
                Some(b'"') if body.get(i + 1) == Some(&b'"') => {
                    text.push(b'"');
                    i += 2;
                }
                Some(b'"') => {
                    i += 1;
                    break;
                }
                Some(&b) => {
                    text.push(b);
                    i += 1;
                }
            }
        }
        let after = body.get(i);
        if !(after.is_none() || after == Some(&delimiter) || line_break(body, i).is_some()) {
            return Err(bad("text after a closing quote"));
        }
    } else {
        while let Some(&b) = body.get(i) {
            if b == delimiter || b == b'\n' {
                break;
            }
            if b == b'\r' {
                if line_break(body, i).is_some() {
                    break;
                }
                return Err(bad("carriage return inside an unquoted field"));
            }
            if b == b'"' {
                return Err(bad("quote inside an unquoted field"));
            }
            text.push(b);
            i += 1;
        }
    }
    // The whole body is UTF-8 and fields split at ASCII bytes, so this cannot fail.
    let text = String::from_utf8(text).map_err(|_| bad("UTF-8"))?;
    Ok((text, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_records() {
        type Case = (
            &'static str,
            &'static str,
            &'static [&'static [&'static str]],
        );
        let cases: &[Case] = &[
            ("plain", "a,b\n1,2\n", &[&["a", "b"], &["1", "2"]]),
            (
                "crlf and no final newline",
                "a,b\r\n1,2",
                &[&["a", "b"], &["1", "2"]],
            ),
            ("blank line", "a\n\n1\n", &[&["a"], &[], &["1"]]),
            ("empty fields", ",\n", &[&["", ""]]),
            ("quoted comma", "\"x,y\",z\n", &[&["x,y", "z"]]),
            ("quoted newline", "\"x\ny\",z\n", &[&["x\ny", "z"]]),
            ("doubled quote", "\"say \"\"hi\"\"\"\n", &[&["say \"hi\""]]),
            ("quoted empty", "\"\"\n", &[&[""]]),
            (
                "utf8",
                "Ada Quillfeather,é\n",
                &[&["Ada Quillfeather", "é"]],
            ),
        ];
        for (name, body, want) in cases {
            let got: Vec<Vec<String>> = records(body.as_bytes(), b',')
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .into_iter()
                .map(|r| r.fields)
                .collect();
            assert_eq!(got, *want, "{name}");
        }
    }

    #[test]
    fn spans_cover_the_body() {
        let body = b"a,b\r\n\"1\n2\",3\n\n4,5";
        let spans: Vec<_> = records(body, b',')
            .unwrap()
            .into_iter()
            .map(|r| r.span)
            .collect();
        assert_eq!(spans, vec![0..5, 5..13, 13..14, 14..17]);
    }

    #[test]
    fn ambiguous_csv_is_malformed() {
        let cases = [
            ("unterminated", "\"abc\n"),
            ("text after quote", "\"a\"b,c\n"),
            ("quote in unquoted", "a\"b,c\n"),
            ("lone cr", "a\rb\n"),
            ("not utf8", "a,\u{0}\n"),
        ];
        for (name, body) in cases {
            let body = if name == "not utf8" {
                b"a,\xff\n".to_vec()
            } else {
                body.as_bytes().to_vec()
            };
            assert!(records(&body, b',').is_err(), "{name}");
        }
    }

    #[test]
    fn other_delimiter() {
        let got = records(b"a;b\n\"x;y\";z\n", b';').unwrap();
        assert_eq!(got[1].fields, vec!["x;y", "z"]);
    }
}
