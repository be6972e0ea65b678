//! Other readings of Cyrillic and Greek text as Latin: the keys a Latin word was typed on with a
//! Russian, Ukrainian or Greek layout active, and transliteration back from two common schemes
//! (a BGN/PCGN-like one and the informal one people type); and upside-down text turned back.
//! Used to re-read a whole query.

use super::styles::TURNED;

/// How a Cyrillic or Greek text is read back as Latin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// The Latin keys under each letter on the ru/uk (ЙЦУКЕН) or Greek layout.
    Layout,
    /// Transliteration, BGN/PCGN-like for Cyrillic (`х` kh, `ц` ts, `й` y, `кс` ks), ICU-like
    /// for Greek (`β` b, `ου` ou, `χ` ch).
    Formal,
    /// Informal transliteration (`х` h, `ц` c, `й` j, `кс` x, `дж` j; Greek `β` v, `ου` u).
    Informal,
    /// Upside-down text turned back: reversed, turned letters read upright, `b`/`q`, `d`/`p`
    /// and `n`/`u` swapped.
    Upside,
}

/// The readings worth trying for `text` (none for plain ASCII, the common case).
pub fn readings(text: &str) -> impl Iterator<Item = Reading> {
    let (mut other, mut turned) = (false, false);
    if !text.is_ascii() {
        // A Latin word with a few Cyrillic or Greek lookalikes in it is a disguise the skeleton
        // view already reads: the text is read again only when a word is at least half
        // Cyrillic or Greek letters, or has one that looks like no Latin letter (`ы`, `ж`).
        let (mut foreign, mut letters) = (0u32, 0u32);
        for c in text.chars().chain([' ']) {
            if c.is_alphabetic() {
                letters += 1;
                if key(c).is_some() {
                    foreign += 1;
                    other |= super::fold::confusable(c).is_none_or(|p| p.len() != 1);
                }
            } else if c.is_whitespace() {
                other |= foreign > 0 && foreign * 2 >= letters;
                (foreign, letters) = (0, 0);
            }
            turned |= c != '\u{131}' && turn(c).is_some();
        }
    }
    let scripts = [Reading::Layout, Reading::Formal, Reading::Informal];
    scripts
        .into_iter()
        .filter(move |_| other)
        .chain(turned.then_some(Reading::Upside))
}

/// The letter a turned letter shows upright.
fn turn(c: char) -> Option<char> {
    TURNED
        .binary_search_by_key(&c, |&(k, _)| k)
        .ok()
        .and_then(|i| TURNED.get(i))
        .map(|&(_, p)| p)
}

/// Writes `text` read the `how` way into `out` (cleared first); other characters are copied.
pub fn reread(text: &str, how: Reading, out: &mut String) {
    out.clear();
    if how == Reading::Upside {
        out.extend(text.chars().rev().map(|c| {
            turn(c).unwrap_or(match c {
                'b' => 'q',
                'q' => 'b',
                'd' => 'p',
                'p' => 'd',
                'n' => 'u',
                'u' => 'n',
                '¡' => 'i',
                other => other,
            })
        }));
        return;
    }
    let mut it = text.chars().peekable();
    let mut prev = ' ';
    while let Some(c) = it.next() {
        let lower = base(c);
        if how == Reading::Layout {
            // On the Greek layout the Q key types `;` and shifted W types `΅`: inside a Greek
            // word they are those letters, not punctuation.
            let greek = |c: char| matches!(c, '\u{0370}'..='\u{03FF}');
            let in_greek = greek(prev) || it.peek().is_some_and(|&n| greek(n));
            prev = c;
            match (c, key(lower)) {
                (';', _) if in_greek => out.push('q'),
                ('\u{0385}', _) => out.push('w'),
                (_, Some(k)) => out.push(k),
                (_, None) => out.push(c),
            }
            continue;
        }
        // Two-letter clusters written as one Latin letter.
        let next = it.peek().map(|&n| base(n));
        let pair = match (how, lower, next) {
            (Reading::Informal, 'к', Some('с')) => Some("x"),
            (Reading::Informal, 'д', Some('ж')) => Some("j"),
            (Reading::Informal, 'к', Some('в')) => Some("qu"),
            (_, 'π', Some('σ')) => Some("ps"),
            (_, 'κ', Some('σ')) => Some("x"),
            (Reading::Informal, 'ο', Some('υ')) => Some("u"),
            (_, 'ο', Some('υ')) => Some("ou"),
            _ => None,
        };
        if let Some(p) = pair {
            it.next();
            out.push_str(p);
            continue;
        }
        match latin(lower, how) {
            Some(l) => out.push_str(l),
            None => out.push(c),
        }
    }
}

/// Lower case without accents (`Ά` → `α`, `ἱ` → `ι`; `Й` keeps its breve: it is its own
/// letter).
fn base(c: char) -> char {
    let lower = c.to_lowercase().next().unwrap_or(c);
    if matches!(lower, '\u{1F00}'..='\u{1FFF}') {
        // Polytonic Greek: the letter under its breathings, accents and iota subscript.
        let mut letter = lower;
        unicode_normalization::char::decompose_canonical(lower, |d| {
            if matches!(d, '\u{0370}'..='\u{03FF}') && letter == lower {
                letter = d;
            }
        });
        return base(letter);
    }
    match lower {
        'ά' => 'α',
        'έ' => 'ε',
        'ή' => 'η',
        'ί' | 'ϊ' | 'ΐ' => 'ι',
        'ό' => 'ο',
        'ύ' | 'ϋ' | 'ΰ' => 'υ',
        'ώ' => 'ω',
        other => other,
    }
}

/// The Latin key a letter sits on in the ЙЦУКЕН (Russian, Ukrainian) or Greek layout.
fn key(c: char) -> Option<char> {
    Some(match base(c) {
        'й' => 'q',
        'ц' => 'w',
        'у' => 'e',
        'к' => 'r',
        'е' => 't',
        'н' => 'y',
        'г' => 'u',
        'ш' => 'i',
        'щ' => 'o',
        'з' => 'p',
        'х' => '[',
        'ъ' | 'ї' => ']',
        'ф' => 'a',
        'ы' | 'і' => 's',
        'в' => 'd',
        'а' => 'f',
        'п' => 'g',
        'р' => 'h',
        'о' => 'j',
        'л' => 'k',
        'д' => 'l',
        'ж' => ';',
        'э' | 'є' => '\'',
        'я' => 'z',
        'ч' => 'x',
        'с' => 'c',
        'м' => 'v',
        'и' => 'b',
        'т' => 'n',
        'ь' => 'm',
        'б' => ',',
        'ю' => '.',
        'ё' | 'ґ' => '`',
        'ς' => 'w',
        'ε' => 'e',
        'ρ' => 'r',
        'τ' => 't',
        'υ' => 'y',
        'θ' => 'u',
        'ι' => 'i',
        'ο' => 'o',
        'π' => 'p',
        'α' => 'a',
        'σ' => 's',
        'δ' => 'd',
        'φ' => 'f',
        'γ' => 'g',
        'η' => 'h',
        'ξ' => 'j',
        'κ' => 'k',
        'λ' => 'l',
        'ζ' => 'z',
        'χ' => 'x',
        'ψ' => 'c',
        'ω' => 'v',
        'β' => 'b',
        'ν' => 'n',
        'μ' => 'm',
        _ => return None,
    })
}

/// The Latin letters of one Cyrillic or Greek letter in a transliteration scheme.
fn latin(c: char, how: Reading) -> Option<&'static str> {
    let informal = how == Reading::Informal;
    Some(match c {
        'а' | 'α' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' | 'δ' => "d",
        'е' | 'э' | 'ε' => "e",
        'ё' => "yo",
        'ж' => "zh",
        'з' | 'ζ' => "z",
        'и' | 'і' | 'ι' => "i",
        'й' if informal => "j",
        'й' => "y",
        'к' | 'κ' => "k",
        'л' | 'λ' => "l",
        'м' | 'μ' => "m",
        'н' | 'ν' => "n",
        'о' | 'ο' | 'ω' => "o",
        'п' | 'π' => "p",
        'р' | 'ρ' => "r",
        'с' | 'σ' | 'ς' => "s",
        'т' | 'τ' => "t",
        'у' => "u",
        'ф' | 'φ' => "f",
        'х' if informal => "h",
        'х' => "kh",
        'ц' if informal => "c",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'ю' => "yu",
        'я' => "ya",
        'ї' => "yi",
        'є' => "ye",
        'ґ' => "g",
        'β' if informal => "v",
        'β' => "b",
        'γ' => "g",
        'η' if informal => "e",
        'η' => "i",
        'θ' => "th",
        'ξ' => "x",
        'υ' if informal => "u",
        'υ' => "y",
        'χ' if informal => "h",
        'χ' => "ch",
        'ψ' => "ps",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_table() {
        let all = vec![Reading::Layout, Reading::Formal, Reading::Informal];
        let cases: [(&str, &str, Vec<Reading>); 8] = [
            ("ascii", "watch zorvexil", vec![]),
            ("a Cyrillic word", "watch зорвексил", all.clone()),
            // `о` and `е` are Cyrillic: a disguise the skeleton reads, not a Cyrillic word.
            ("a few lookalikes", "watch zоrvеxil", vec![]),
            ("half the word", "zоrвекs", all.clone()),
            ("a Greek word", "ζορωεχιλ online", all.clone()),
            ("turned", "ʃıxǝʌɹoz", vec![Reading::Upside]),
            ("accents only", "café zorvexil", vec![]),
            (
                "a letter unlike any Latin one",
                "styanlыm video",
                all.clone(),
            ),
        ];
        for (name, text, want) in cases {
            assert_eq!(readings(text).collect::<Vec<_>>(), want, "{name}");
        }
    }

    #[test]
    fn reread_table() {
        let cases = [
            (
                "ru layout",
                "смотреть ящкмучшд",
                Reading::Layout,
                "cvjnhtnm zorvexil",
            ),
            ("uk layout", "ьштщі", Reading::Layout, "minos"),
            ("greek layout", "ζορωεχιλ", Reading::Layout, "zorvexil"),
            (
                "greek layout q and shifted w",
                "Νε;εμ ΔΡ΅Ε; a;b",
                Reading::Layout,
                "neqem drweq a;b",
            ),
            (
                "formal",
                "зорвексил хатц",
                Reading::Formal,
                "zorveksil khatts",
            ),
            (
                "informal",
                "зорвексил джахц",
                Reading::Informal,
                "zorvexil jahc",
            ),
            ("greek", "ζορβεξίλ", Reading::Informal, "zorvexil"),
            (
                "polytonic greek",
                "ἰαικρυστ ῥοσα",
                Reading::Formal,
                "iaikryst rosa",
            ),
            ("latin kept", "abc зор", Reading::Formal, "abc zor"),
            (
                "upside down",
                "ǝɯɐu lıxǝʌɹoz",
                Reading::Upside,
                "zorvexil name",
            ),
        ];
        let mut out = String::new();
        for (name, text, how, want) in cases {
            reread(text, how, &mut out);
            assert_eq!(out, want, "{name}");
        }
        let all = |t: &str| readings(t).collect::<Vec<_>>();
        assert_eq!(all("abc зор").len(), 3);
        assert!(all("zorvexil").is_empty());
        assert_eq!(all("lıxǝʌɹoz"), [Reading::Upside]);
        assert!(all("kırmızı").is_empty());
    }
}
