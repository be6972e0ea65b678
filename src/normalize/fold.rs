//! Character folding: the per-character half of the normaliser (invisible characters removed,
//! NFKC, confusables folded to Latin prototypes, case folded, diacritics stripped).

use unicode_normalization::char::{decompose_canonical, decompose_compatible};

/// Appends the folded form of `text` to `out`, one `char` per folded character.
///
/// The result is stable: folding the folded characters again yields them unchanged, which is
/// what makes the whole normaliser idempotent.
pub fn fold_into(text: &str, out: &mut Vec<char>) {
    if text.is_ascii() {
        // ASCII is NFKC-stable and has no confusables or marks: the common case stays cheap.
        out.extend(text.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        return;
    }
    for c in text.chars() {
        if is_invisible(c) {
            continue;
        }
        // Compatibility decomposition first (fullwidth, mathematical, enclosed, ligatures),
        // then every resulting character is folded on its own.
        decompose_compatible(c, |d| fold_one(d, out));
    }
}

fn fold_one(c: char, out: &mut Vec<char>) {
    if is_invisible(c) || is_stripped_mark(c) {
        return;
    }
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    // Confusables are looked up before lowercasing because several capitals (Greek Eta, Cyrillic
    // En) look like a Latin capital but lowercase to something that does not.
    if let Some(proto) = confusable(c) {
        out.extend(proto.chars());
        return;
    }
    for lower in c.to_lowercase() {
        decompose_canonical(lower, |d| {
            if is_stripped_mark(d) || is_invisible(d) {
                return;
            }
            match confusable(d) {
                Some(proto) => out.extend(proto.chars()),
                None => out.push(d),
            }
        });
    }
}

/// Format and invisible characters that carry no letters: zero-width characters, bidi controls,
/// soft hyphen, variation selectors, tag characters, fillers.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}' | '\u{FFA0}' | '\u{FEFF}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// Combining marks that decorate letters (diacritics, Zalgo stacks, Arabic and Hebrew points).
/// Marks that are letters' vowel signs in Indic or Thai scripts are kept.
fn is_stripped_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{0483}'..='\u{0489}'
        | '\u{0591}'..='\u{05C7}'
        | '\u{064B}'..='\u{065F}' | '\u{0670}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

/// The Latin prototype of a character that looks like Latin letters (UTS #39 style), for the
/// scripts and letter forms NFKC leaves alone.
pub fn confusable(c: char) -> Option<&'static str> {
    Some(match c {
        // Cyrillic
        'а' | 'А' => "a",
        'В' | 'Ь' => "b",
        'с' | 'С' => "c",
        'ԁ' => "d",
        'е' | 'Е' | 'ё' | 'Ё' | 'є' => "e",
        'һ' | 'Һ' | 'Н' => "h",
        'і' | 'І' | 'ї' | 'Ї' => "i",
        'ј' | 'Ј' => "j",
        'к' | 'К' => "k",
        'ӏ' | 'Ӏ' => "l",
        'М' => "m",
        'о' | 'О' => "o",
        'р' | 'Р' => "p",
        'ԛ' | 'Ԛ' => "q",
        'ѕ' | 'Ѕ' => "s",
        'Т' => "t",
        'у' | 'У' | 'ү' | 'Ү' => "y",
        'х' | 'Х' => "x",
        'ԝ' | 'Ԝ' => "w",
        // Greek
        'α' | 'Α' => "a",
        'β' | 'Β' => "b",
        'ϲ' | 'Ϲ' => "c",
        'ε' | 'Ε' => "e",
        'Ζ' => "z",
        'Η' => "h",
        'ι' | 'Ι' => "i",
        'ϳ' | 'Ϳ' => "j",
        'κ' | 'Κ' => "k",
        'Μ' => "m",
        'ν' | 'Ν' => "n",
        'ο' | 'Ο' | 'σ' | 'ς' => "o",
        'ρ' | 'Ρ' => "p",
        'τ' | 'Τ' => "t",
        'υ' | 'Υ' | 'γ' => "y",
        'χ' | 'Χ' => "x",
        'ω' => "w",
        // Armenian
        'ա' => "w",
        'զ' => "q",
        'հ' => "h",
        'ո' | 'ռ' => "n",
        'ս' | 'Ս' => "u",
        'ց' => "g",
        'օ' | 'Օ' => "o",
        'Լ' => "l",
        'Տ' => "s",
        // Cherokee (capitals; their lowercase forms fold through to_lowercase first)
        'Ꭺ' | 'ꭺ' => "a",
        'Ᏼ' | 'ᏼ' => "b",
        'Ꮯ' | 'ꮯ' => "c",
        'Ꭼ' | 'ꭼ' => "e",
        'Ꮐ' | 'ꮐ' => "g",
        'Ꮋ' | 'ꮋ' => "h",
        'Ꭻ' | 'ꭻ' => "j",
        'Ꮶ' | 'ꮶ' => "k",
        'Ꮮ' | 'ꮮ' => "l",
        'Ꮇ' | 'ꮇ' => "m",
        'Ꮲ' | 'ꮲ' => "p",
        'Ꮪ' | 'ꮪ' => "s",
        'Ꭲ' | 'ꭲ' => "t",
        'Ꮩ' | 'ꮩ' => "v",
        'Ꮃ' | 'ꮃ' => "w",
        'Ꮓ' | 'ꮓ' => "z",
        // Latin letter forms without a decomposition, small capitals, IPA
        'ı' | 'ɩ' | 'ɪ' => "i",
        'ȷ' => "j",
        'ɑ' | 'ᴀ' => "a",
        'ʙ' => "b",
        'ᴄ' => "c",
        'ᴅ' | 'đ' | 'ð' => "d",
        'ᴇ' => "e",
        'ɡ' | 'ɢ' => "g",
        'ʜ' | 'ħ' => "h",
        'ᴊ' => "j",
        'ᴋ' => "k",
        'ʟ' | 'ł' => "l",
        'ᴍ' => "m",
        'ɴ' => "n",
        'ᴏ' | 'ø' | 'Ø' => "o",
        'ᴘ' => "p",
        'ʀ' => "r",
        'ꜱ' => "s",
        'ᴛ' | 'ŧ' => "t",
        'ᴜ' => "u",
        'ᴠ' => "v",
        'ᴡ' => "w",
        'ʏ' => "y",
        'ᴢ' => "z",
        'ß' | 'ẞ' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'þ' | 'Þ' => "th",
        // Symbols used as letters
        '€' => "e",
        '©' => "c",
        '®' => "r",
        '¡' => "i",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(s: &str) -> String {
        let mut v = Vec::new();
        fold_into(s, &mut v);
        v.into_iter().collect()
    }

    #[test]
    fn folding_table() {
        let cases = [
            ("ascii case", "ZorVexil", "zorvexil"),
            ("fullwidth", "ｚｏｒｖｅｘｉｌ", "zorvexil"),
            ("math bold", "𝐳𝐨𝐫𝐯𝐞𝐱𝐢𝐥", "zorvexil"),
            ("enclosed", "ⓩⓞⓡⓥⓔⓧⓘⓛ", "zorvexil"),
            ("precomposed diacritics", "zörvéxíl", "zorvexil"),
            ("combining diacritics", "zo\u{308}rve\u{301}xil", "zorvexil"),
            ("cyrillic homoglyphs", "zоrvеxіl", "zorvexil"),
            ("greek capitals", "ΖΟRVΕΧΙL", "zorvexil"),
            (
                "zero width and bidi",
                "zor\u{200b}ve\u{202e}x\u{ad}il\u{e0041}",
                "zorvexil",
            ),
            ("variation selector", "zor\u{fe0f}vexil", "zorvexil"),
            ("cyrillic word stays itself", "привет", "пpивeт"),
            ("han untouched", "世界", "世界"),
            ("sharp s", "straße", "strasse"),
        ];
        for (name, input, want) in cases {
            assert_eq!(fold(input), want, "{name}");
        }
    }

    #[test]
    fn folding_is_stable() {
        for s in ["ΖΟRVΕΧΙL", "İstanbul", "Ǆemal", "한국어", "ﬁne", "ǅ", "ᾈ"] {
            let once = fold(s);
            assert_eq!(fold(&once), once, "{s}");
        }
    }
}
