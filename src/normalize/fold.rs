//! Character folding: the per-character half of the normaliser (invisible characters removed,
//! NFKC, case folded, diacritics stripped, confusables folded to Latin prototypes).

use unicode_normalization::char::{decompose_canonical, decompose_compatible};

use super::confusables::CONFUSABLES;
use super::styles::STYLES;

/// Appends the folded form of `text` to `out`, one `char` per folded character.
///
/// The result is stable: folding the folded characters again yields them unchanged, which is
/// what makes the whole normaliser idempotent.
pub fn fold_into(text: &str, out: &mut Vec<char>) {
    fold_with_alts(text, out, &mut Vec::new());
}

/// Like [`fold_into`], and also records in `alts` (cleared first) the positions of capitals
/// whose own lookalike differs from their lower-case form's (Greek `Ν` looks like `N`, `ν` like
/// `v`): the views read such a word both ways; and the positions of capital I and its
/// lookalikes, with [`I_OR_L`], which the skeleton reads as `i` or `l`.
pub fn fold_with_alts(text: &str, out: &mut Vec<char>, alts: &mut Vec<(u32, char)>) {
    alts.clear();
    if text.is_ascii() {
        // ASCII is NFKC-stable and has no confusables or marks: the common case stays cheap.
        let at = out.len();
        out.extend(text.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        for (i, b) in text.bytes().enumerate() {
            if b == b'I' {
                alts.push(((at + i) as u32, I_OR_L));
            }
        }
        return;
    }
    let mut prev = ' ';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if is_invisible(c) {
            continue;
        }
        let before = std::mem::replace(&mut prev, c);
        // Lunate sigmas look like `c` but NFKC turns them into sigmas; the Greek iota subscript
        // and the ogonek look like `i` (UTS #39) but NFKC turns them into a space and a mark.
        match c {
            'ϲ' | 'Ϲ' => {
                out.push('c');
                continue;
            }
            'ͺ' | '˛' => {
                out.push('i');
                continue;
            }
            // Read as `o` and `l`/`I` by UTS #39; NFKC leaves them alone, and they are not
            // letters of the scripts the confusables table draws from.
            '〇' => {
                out.push('o');
                continue;
            }
            '׀' => {
                alts.push((out.len() as u32, I_OR_L));
                out.push('l');
                continue;
            }
            // The long s: NFKC makes it `s`, UTS #39 (and the eye) reads it as `f`.
            'ſ' => {
                alts.push((out.len() as u32, 'f'));
                out.push('s');
                continue;
            }
            _ => {}
        }
        // Compatibility decomposition first (fullwidth, mathematical, enclosed, ligatures),
        // then every resulting character is folded on its own.
        let at = out.len();
        decompose_compatible(c, |d| fold_one(d, out, alts));
        // UTS #39 reads `l`, `I` and their lookalikes as one glyph: a lookalike that folds to
        // `l` may stand for a capital I. A caseless one (Hebrew `ן`, Arabic `ا`, runic `ᛁ`)
        // always may; a styled small l (`𝐥`, `ⓛ`) only where no small letter touches it
        // (`KAR𝐥N`, `ꓑ𝐥`): beside one (`𝐥ove`) it is the l it is drawn as.
        if !c.is_ascii()
            && out.len() == at + 1
            && out.get(at) == Some(&'l')
            && (!(c.is_lowercase() || c.is_uppercase())
                || (c.is_lowercase()
                    && !(before.is_lowercase() || chars.peek().is_some_and(|n| n.is_lowercase()))))
            && !alts.iter().any(|&(p, a)| p as usize == at && a == I_OR_L)
        {
            alts.push((at as u32, I_OR_L));
        }
    }
}

fn fold_one(c: char, out: &mut Vec<char>, alts: &mut Vec<(u32, char)>) {
    if is_invisible(c) || is_stripped_mark(c) {
        return;
    }
    if is_capital_i(c) {
        // A capital I, or a letter shaped like one, also stands for `l` (`BIack`, `Ιena`).
        alts.push((out.len() as u32, I_OR_L));
        if is_word_script(c) {
            alts.push((out.len() as u32, LOOKALIKE));
        }
        out.push('i');
        return;
    }
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    // Case is folded before confusables, so a word and its capitals meet: `ДРАЗУНЕЛЬ` and
    // `дразунель` fold alike because every lookalike reads the same in both cases.
    let at = out.len();
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
    if is_word_script(c)
        && out
            .get(at..)
            .is_some_and(|f| f.iter().all(char::is_ascii_alphabetic))
    {
        for p in at..out.len() {
            alts.push((p as u32, LOOKALIKE));
        }
    }
    if out.len() == at + 1
        && let Some(own) = lookalike(c)
        && out.get(at) != Some(&own)
    {
        alts.push((at as u32, own));
    }
}
/// Recorded in the alternatives for a character that reads as `i` or as `l` (capital I and its
/// lookalikes); the skeleton view reads it both ways.
pub const I_OR_L: char = '\u{E000}';

/// Recorded in the alternatives for a Latin letter that was a lookalike from a script whose own
/// words can be spelt wholly in lookalikes (see [`is_word_script`]).
pub const LOOKALIKE: char = '\u{E001}';

/// Letters of scripts in which ordinary words can be made only of Latin lookalikes (Cyrillic
/// `хор`, Greek `ΤΟΝ`, Hebrew and Arabic letters shaped like `o` and `l`): a match made only of
/// such letters must be long enough not to be a real word of that language.
fn is_word_script(c: char) -> bool {
    matches!(c,
        '\u{0370}'..='\u{03FF}' | '\u{0400}'..='\u{052F}' | '\u{1F00}'..='\u{1FFF}'
        | '\u{0590}'..='\u{05FF}' | '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}')
}

/// Capital I and the letters shaped like it (after compatibility decomposition, so the
/// mathematical and fullwidth capitals are among them): Greek capital iota, Cyrillic capital
/// І and palochka, Latin iota and dental click.
fn is_capital_i(c: char) -> bool {
    matches!(
        c,
        'I' | '\u{0399}' | '\u{0406}' | '\u{04C0}' | '\u{04CF}' | '\u{0196}' | '\u{01C0}'
    )
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
    if let Some(p) = lookalike(c).or_else(|| style(c)) {
        return Some(ascii_letter(p));
    }
    Some(match c {
        // Not in UTS #39 as single letters: strokes, small capitals, ligatures, symbols.
        'ς' => "o",
        'ω' => "w",
        'Լ' => "l",
        'ȷ' => "j",
        'ᴀ' => "a",
        'ʙ' => "b",
        'ᴅ' | 'đ' | 'ð' => "d",
        'ᴇ' => "e",
        'ɢ' => "g",
        'ʜ' | 'ħ' => "h",
        'ᴊ' => "j",
        'ᴋ' => "k",
        'ʟ' | 'ł' => "l",
        'ᴍ' => "m",
        'ɴ' => "n",
        'ᴏ' | 'ø' | 'Ø' => "o",
        'ᴘ' => "p",
        'ᴛ' | 'ŧ' => "t",
        'ß' | 'ẞ' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'þ' | 'Þ' => "th",
        '€' => "e",
        '©' => "c",
        '®' => "r",
        '¡' => "i",
        _ => return None,
    })
}

/// The one ASCII letter `c` looks like, from the generated UTS #39 table.
fn lookalike(c: char) -> Option<char> {
    CONFUSABLES
        .binary_search_by_key(&c, |&(k, _)| k)
        .ok()
        .and_then(|i| CONFUSABLES.get(i))
        .map(|&(_, p)| p)
}

/// The letter a styled character NFKC leaves alone shows (negative circled and squared letters,
/// regional indicators, small capitals, modifier letters), from the generated table.
fn style(c: char) -> Option<char> {
    STYLES
        .binary_search_by_key(&c, |&(k, _)| k)
        .ok()
        .and_then(|i| STYLES.get(i))
        .map(|&(_, p)| p)
}

/// `c` as a static one-letter string (the table holds lower-case ASCII letters only).
fn ascii_letter(c: char) -> &'static str {
    const LETTERS: &str = "abcdefghijklmnopqrstuvwxyz";
    let i = (c as usize).wrapping_sub('a' as usize);
    LETTERS.get(i..i.saturating_add(1)).unwrap_or("")
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
                "greek capitals fold like lower case",
                "ΖΟΡΒΕΞΊΛ",
                "zopbeξiλ",
            ),
            ("greek lower case", "ζορβεξίλ", "zopbeξiλ"),
            (
                "zero width and bidi",
                "zor\u{200b}ve\u{202e}x\u{ad}il\u{e0041}",
                "zorvexil",
            ),
            ("variation selector", "zor\u{fe0f}vexil", "zorvexil"),
            ("cyrillic word keeps its other letters", "привет", "пpиbet"),
            (
                "cyrillic capitals fold like lower case",
                "ДРАЗУНЕЛЬ",
                "дpaзyheлb",
            ),
            ("cyrillic lower case", "дразунель", "дpaзyheлb"),
            ("added lookalikes", "гҽνѵѡυӏ", "revvwui"),
            ("lunate sigma", "ϲϹ", "cc"),
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
