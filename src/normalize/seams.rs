//! Seams: places inside a word where the writing itself shows a second word beginning, so an
//! entry run into a neighbouring word can be read apart from it whatever its length:
//! - a capital after a small letter (`whoisZorvexil`, `новыеBen`);
//! - a small letter after two or more capitals (`ZORVEXILreddit`);
//! - a change between Latin, Cyrillic and Greek where both sides have three or more letters of
//!   their own script, or two that make up the whole of their side of the word
//!   (`zorvexilтелеграм`, `isкира`; a Latin word with a lookalike or two from another script
//!   inside it is a disguise, not two words);
//! - a Greek final sigma (`ς`) before another letter: Greek writes it only at a word's end
//!   (`ταστωςφωτογραφίες`);
//! - a number of two or more digits ending a word (`zorvexil2025`).
//!
//! The query is read again with a space at each seam; the normaliser is not changed, so a word
//! split at a seam by mistake costs only that second reading.

/// The scripts a seam can lie between.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Script {
    Latin,
    Cyrillic,
    Greek,
    Other,
}

fn script(c: char) -> Script {
    match c {
        'a'..='z' | 'A'..='Z' | '\u{00C0}'..='\u{024F}' => Script::Latin,
        '\u{0400}'..='\u{052F}' => Script::Cyrillic,
        '\u{0370}'..='\u{03FF}' | '\u{1F00}'..='\u{1FFF}' => Script::Greek,
        _ => Script::Other,
    }
}

/// Letters from a script change that make each side a word of its own.
const MIN_SCRIPT_RUN: usize = 3;
/// Letters that make a side of a script change a word of its own when they are all of it (a
/// short word such as `is` run into the next one).
const MIN_WHOLE_SCRIPT_RUN: usize = 2;
/// Digits that make a number at the end of a word (one digit is more often leet).
const MIN_DIGITS: usize = 2;

/// Writes `text` with a space at each seam into `out` (cleared first); false, with `out`
/// unspecified, when there is none.
pub fn split(text: &str, out: &mut String) -> bool {
    out.clear();
    if text.is_ascii()
        && !text
            .bytes()
            .any(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return false;
    }
    let mut any = false;
    let mut before: [Option<char>; 2] = [None, None];
    for (at, c) in text.char_indices() {
        let (head, rest) = text.split_at(at);
        if seam_before(before, head, rest) {
            out.push(' ');
            any = true;
        }
        out.push(c);
        before = [before[1], Some(c)];
    }
    any
}

/// Whether a seam lies between `head` (ending in `before`'s two characters) and `rest`.
fn seam_before(before: [Option<char>; 2], head: &str, rest: &str) -> bool {
    let (Some(a), Some(b)) = (before[1], rest.chars().next()) else {
        return false;
    };
    if a.is_alphabetic() && b.is_alphabetic() {
        if a == 'ς' {
            return true;
        }
        if a.is_lowercase() && b.is_uppercase() {
            return true;
        }
        if b.is_lowercase() && a.is_uppercase() && before[0].is_some_and(char::is_uppercase) {
            return true;
        }
        let (sa, sb) = (script(a), script(b));
        return sa != sb
            && sa != Script::Other
            && sb != Script::Other
            && a_word(head.chars().rev(), sa)
            && a_word(rest.chars(), sb);
    }
    if a.is_alphabetic() && b.is_ascii_digit() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let word_ends = rest
            .get(digits..)
            .and_then(|r| r.chars().next())
            .is_none_or(|c| !c.is_alphanumeric());
        return digits >= MIN_DIGITS && word_ends;
    }
    false
}

/// Whether the letters of script `s` at the start of `chars` make a word of their own: three or
/// more, or two followed by no other letter.
fn a_word(mut chars: impl Iterator<Item = char>, s: Script) -> bool {
    let mut n = 0;
    let whole = loop {
        match chars.next() {
            Some(c) if script(c) == s => n += 1,
            Some(c) => break !c.is_alphabetic(),
            None => break true,
        }
        if n >= MIN_SCRIPT_RUN {
            return true;
        }
    };
    n >= MIN_WHOLE_SCRIPT_RUN && whole
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seams_table() {
        let cases = [
            ("no seam", "watch zorvexil online", None),
            ("camel case", "whoisZorvexil", Some("whois Zorvexil")),
            (
                "capitals then small",
                "ZORVEXILreddit",
                Some("ZORVEXIL reddit"),
            ),
            ("a capital alone starts a word", "Zorvexil", None),
            (
                "across scripts with a capital",
                "новыеBen",
                Some("новые Ben"),
            ),
            (
                "script change",
                "zorvexilтелеграм",
                Some("zorvexil телеграм"),
            ),
            ("Greek after Latin", "searchταστως", Some("search ταστως")),
            ("a lookalike or two is a disguise", "zоrvеxil", None),
            ("two lookalikes together", "zorvехil", None),
            ("two lookalikes ending a word", "zorvexiк", None),
            (
                "a two-letter word before",
                "isкира тясуин",
                Some("is кира тясуин"),
            ),
            (
                "a two-letter word after",
                "кира тясуинok",
                Some("кира тясуин ok"),
            ),
            ("one letter is a lookalike", "xкира", None),
            (
                "final sigma inside a word",
                "ταστωςφωτογραφίες",
                Some("ταστως φωτογραφίες"),
            ),
            ("final sigma ending a word", "ταστως φωτο", None),
            ("a year after a word", "zorvexil2025", Some("zorvexil 2025")),
            ("one digit is leet", "zorvexi1", None),
            ("digits inside a word", "z0rv3x1l", None),
            ("digits before more letters", "ab12cd", None),
            ("a number alone", "2025", None),
        ];
        for (name, text, want) in cases {
            let mut out = String::new();
            let got = split(text, &mut out).then_some(out.as_str());
            assert_eq!(got, want, "{name}");
        }
    }
}
