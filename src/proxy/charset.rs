//! Response charsets: rewriting works on UTF-8, so single-byte Western charsets (ISO-8859-1,
//! Windows-1252, US-ASCII) are transcoded before a rewrite, and the rewritten response is
//! labelled UTF-8. Other non-UTF-8 charsets cannot be evaluated and fail closed on rewrite.

use bytes::Bytes;

/// Windows-1252 code points for bytes 0x80..=0x9F (ISO-8859-1 has C1 controls there).
const CP1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}', '\u{8F}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}', '\u{178}',
];

/// The `charset` parameter of a `Content-Type` value, lowercased.
pub fn charset(content_type: Option<&str>) -> Option<String> {
    content_type?
        .split(';')
        .skip(1)
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase())
}

/// Returns the body as UTF-8 and whether it was transcoded. Bodies without a charset or with a
/// UTF-8 one are returned as they are.
pub fn to_utf8(content_type: Option<&str>, body: Bytes) -> (Bytes, bool) {
    match charset(content_type).as_deref() {
        Some(
            "iso-8859-1" | "latin1" | "latin-1" | "iso8859-1" | "windows-1252" | "cp1252"
            | "us-ascii" | "ascii",
        ) => {
            if body.is_ascii() {
                return (body, true);
            }
            let s: String = body
                .iter()
                .map(|&b| match b {
                    0x80..=0x9F => CP1252_HIGH[usize::from(b - 0x80)],
                    _ => char::from(b),
                })
                .collect();
            (Bytes::from(s), true)
        }
        _ => (body, false),
    }
}

/// `content_type` with its charset replaced by UTF-8.
pub fn as_utf8(content_type: &str) -> String {
    let media = content_type.split(';').next().unwrap_or("text/html").trim();
    format!("{media}; charset=utf-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcodes_western_single_byte_charsets() {
        let (b, t) = to_utf8(
            Some("text/html; charset=ISO-8859-1"),
            Bytes::from_static(b"caf\xe9 \x80"),
        );
        assert!(t);
        assert_eq!(std::str::from_utf8(&b).unwrap(), "café €");
        let (b, t) = to_utf8(
            Some("text/html;charset=\"utf-8\""),
            Bytes::from_static(b"caf\xc3\xa9"),
        );
        assert!(!t);
        assert_eq!(&b[..], b"caf\xc3\xa9");
        assert!(!to_utf8(None, Bytes::from_static(b"x")).1);
        assert_eq!(
            as_utf8("text/html; charset=latin1"),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            charset(Some("text/html; Charset=Shift_JIS")).as_deref(),
            Some("shift_jis")
        );
    }
}
