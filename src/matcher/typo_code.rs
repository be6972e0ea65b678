//! One byte per letter for the typo index, which counts edits in bytes: ASCII stays as it is,
//! the lower-case Cyrillic (`а`–`џ`) and Greek (`ΐ`–`ϏΏ`) letters the normaliser leaves
//! get one byte each above 0x7F. A token with any other character is not typo-corrected.

/// Cyrillic `а` (U+0430) to `џ` (U+045F) are written 0x80–0xAF.
const CYRILLIC: (u32, u32, u8) = (0x430, 0x45F, 0x80);
/// Greek U+03B0 to U+03CF (`ΰ`, `α`–`ω`, `ϊ`–`ώ`) are written 0xB0–0xCF.
const GREEK: (u32, u32, u8) = (0x3B0, 0x3CF, 0xB0);

/// Appends the one-byte code of `text` to `out`; false (with `out` as it was) when a character
/// has no code.
pub(super) fn encode(text: &str, out: &mut Vec<u8>) -> bool {
    let at = out.len();
    for c in text.chars() {
        match byte(c) {
            Some(b) => out.push(b),
            None => {
                out.truncate(at);
                return false;
            }
        }
    }
    true
}

fn byte(c: char) -> Option<u8> {
    if c.is_ascii() {
        return u8::try_from(c).ok();
    }
    let cp = u32::from(c);
    [CYRILLIC, GREEK].into_iter().find_map(|(lo, hi, base)| {
        (lo..=hi)
            .contains(&cp)
            .then(|| u8::try_from(cp - lo).ok().map(|o| base + o))
            .flatten()
    })
}

/// Appends the text `bytes` encode to `out`.
pub(super) fn decode(bytes: &[u8], out: &mut Vec<u8>) {
    let mut buf = [0u8; 4];
    for &b in bytes {
        let c = match b {
            0..=0x7F => char::from(b),
            0x80..=0xAF => char::from_u32(CYRILLIC.0 + u32::from(b - CYRILLIC.2)).unwrap_or('?'),
            0xB0..=0xCF => char::from_u32(GREEK.0 + u32::from(b - GREEK.2)).unwrap_or('?'),
            _ => '?',
        };
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        for text in [
            "zorvexil",
            "зорвексил",
            "ζορβεξιλ",
            "шщыэюя",
            "αωϊύώ",
            "a\u{1}b",
        ] {
            let mut code = Vec::new();
            assert!(encode(text, &mut code), "{text}");
            assert_eq!(code.len(), text.chars().count(), "{text}");
            let mut back = Vec::new();
            decode(&code, &mut back);
            assert_eq!(String::from_utf8(back).unwrap(), text);
        }
        let mut code = b"kept".to_vec();
        assert!(!encode("世界", &mut code));
        assert!(!encode("zorЖ", &mut code), "capitals are folded before");
        assert_eq!(code, b"kept");
    }
}
