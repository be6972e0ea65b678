//! Matching by sound, for Latin entries written in Cyrillic or Greek letters by ear and read
//! back into Latin: the coarse key both sides are reduced to, and the spellings a letter read
//! back may have had in the entry.
//!
//! People who write an English-like word in Russian letters follow its sound, not a scheme: `c`
//! may become `к`, `с` or `ц`, `h` `х` or `г`, `w` `в` or `у`, `th` `т`, `с`, `з` or `ф`, a vowel
//! whatever it sounds like (`i` `и` or `ай`, `u` `у`, `а` or `ю`, `ee` `и`). (The common
//! practice of English–Russian practical transcription, written here from its description, not
//! taken from any table of the test corpus.) Read back letter by letter, such a word differs
//! from the entry in its vowels and in a few consonants. The coarse key drops what vowels say
//! (a run of them is one mark) and merges what schemes disagree on; for the consonants that
//! still differ, a word read back is tried under each spelling it may stand for
//! ([`spellings`]), bounded per word. Entries are indexed under one coarse key each, so the
//! index does not grow with the ambiguity; the cost falls on the queries that have Cyrillic or
//! Greek words, and only on them.

/// First byte of the coarse keys: they live in the term FST beside the others, reached only by
/// walks that start with it.
pub(super) const COARSE: u8 = 2;

/// First byte of the Latin keys of Cyrillic and Greek entries: the coarse keys of their Latin
/// spellings, met by Latin queries (an entry written in Latin letters by ear).
pub(super) const ROMAN: u8 = 3;

/// Where an entry's words meet in its Latin keys. A walk of those keys crosses white space in
/// the query only here: two ordinary English words side by side (`clever ant`) are not read as
/// one entry word (`кливорант`), as coarse keys run together would let them.
pub(super) const WORD_BREAK: u8 = b' ';

/// Spellings of one word tried at most (the word as read first, then one letter respelt, then
/// two, …).
pub(super) const MAX_SPELLINGS: usize = 32;

/// Respellings written at most per word, counting those that give a key already found: bounds
/// the work on a word whose respellings keep coinciding.
const MAX_WRITES: u32 = 128;

/// Letters respelt in one word at most: each respelling is a guess at the writer's ear, and
/// several guesses at once turn ordinary words into entries.
const MAX_CHANGES: usize = 2;

/// Fewest consonants (bytes other than the vowel mark) a coarse key has: a shorter one is met
/// by chance in ordinary words of another language.
pub(super) const MIN_CONSONANTS: usize = 5;

/// Whether a coarse key is specific enough to be indexed and matched.
pub(super) fn specific(key: &[u8]) -> bool {
    key.iter()
        .filter(|&&b| !matches!(b, b'a' | COARSE | ROMAN | WORD_BREAK))
        .count()
        >= MIN_CONSONANTS
}

/// Longest word (in bytes) that is respelt; a longer one keeps its own key only.
const MAX_RESPELT: usize = 48;

/// Appends the coarse form of `text` to `out`: the sounds transliteration schemes disagree on
/// merged, so that a Latin entry and a Cyrillic or Greek spelling of it read back into Latin
/// meet (`bruwavakis` and `βρυβαβακις` read `vravavakas`). Lossy on purpose: `b v w` → `v`;
/// `c k q` → `k`; `x` → `ks`; `mp` → `v`; `ng` → `g`, `gk` → `nk`; `sh ch zh kh th ph` →
/// `s c z k t f`; other `h` dropped; `i j y` and every other vowel are vowels, and a run of
/// vowels is one `a`; repeats squeezed. Other bytes are copied. An entry's words are joined
/// before this and a query's are not, so pairs that often span two words (`…t s…`) are not
/// merged: `ц` is met by respelling instead.
pub(super) fn coarse(text: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    let start = out.len();
    while let Some(&b) = text.get(i) {
        let next = text.get(i + 1).copied();
        let (mapped, used): (&[u8], usize) = match (b, next) {
            (b's', Some(b'h')) => (b"s", 2),
            (b'c', Some(b'h')) => (b"c", 2),
            (b'z', Some(b'h')) => (b"z", 2),
            (b'k', Some(b'h')) => (b"k", 2),
            (b't', Some(b'h')) => (b"t", 2),
            (b'p', Some(b'h')) => (b"f", 2),
            (b'm', Some(b'p')) => (b"v", 2),
            (b'n', Some(b'g')) => (b"g", 2),
            // Greek writes `nk` as `γκ`.
            (b'g', Some(b'k')) => (b"n", 1),
            (b'b' | b'v' | b'w', _) => (b"v", 1),
            (b'c' | b'k' | b'q', _) => (b"k", 1),
            (b'x', _) => (b"ks", 1),
            (b'a' | b'e' | b'i' | b'j' | b'o' | b'u' | b'y', _) => (b"a", 1),
            (b'h', _) => (b"", 1),
            _ => (std::slice::from_ref(&b), 1),
        };
        for &m in mapped {
            let repeat = out.len() > start && out.last() == Some(&m) && m.is_ascii_alphabetic();
            if !repeat {
                out.push(m);
            }
        }
        i += used;
    }
}

/// Respellings: what a letter or pair may have been written as, besides itself. Longer patterns
/// first.
pub(super) type Respell = &'static [(&'static [u8], &'static [&'static [u8]])];

/// What a letter (or pair) of a word read back from Cyrillic or Greek may have been in a Latin
/// entry, besides itself: the other Latin spellings written with the same Cyrillic letter.
pub(super) const RESPELL: Respell = &[
    // ш: `sh`, or `sch`; ч: `ch`, or `tch`; ж: `zh`, or `j`.
    (b"sh", &[b"sch"]),
    (b"ch", &[b"tch"]),
    (b"zh", &[b"j"]),
    // с: `s`, or `c` (a soft c), or `th`; з: `z`, or `s` between vowels, `x`, `th`.
    (b"s", &[b"c", b"th"]),
    (b"z", &[b"s", b"x", b"th"]),
    // г: `g`, or `h`; дж (read `j`): `j`, or a soft `g`; х (and Greek χ): `h`, `kh` or `ch`.
    (b"g", &[b"h"]),
    (b"j", &[b"g"]),
    (b"h", &[b"kh", b"ch"]),
    // у: `u`, or `w`; ф: `f`, or `th`; к: `k`, or a hard `ch`; ц (read `c`): `c`, `ts` or `tz`.
    (b"u", &[b"w"]),
    (b"f", &[b"th"]),
    (b"k", &[b"ch"]),
    (b"c", &[b"ts", b"tz"]),
];

/// What a letter of a Cyrillic or Greek entry, as a scheme writes it in Latin, may be written as
/// by someone spelling it by ear (informal Russian and Ukrainian romanisation as commonly
/// described: `х` as `h` or `x`, `ш` as `w` for its look, `ц` as `c`, `ж` as `j`, `щ` as `sch`;
/// Greek `χ` as `h`, `ψ` as `ps`). Applied to an entry's readings when it is indexed, so a Latin
/// query costs one coarse walk.
pub(super) const ROMAN_RESPELL: Respell = &[
    (b"shch", &[b"sch", b"sh"]),
    (b"kh", &[b"h", b"x"]),
    (b"sh", &[b"w"]),
    (b"ts", &[b"c"]),
    (b"zh", &[b"j"]),
    (b"ch", &[b"h"]),
    (b"ks", &[b"x"]),
    (b"x", &[b"ks"]),
];

/// Appends to `out` the coarse keys of `word` (a word read back from Cyrillic or Greek, with
/// [`RESPELL`]; an entry's Latin reading, with [`ROMAN_RESPELL`]) and of its respellings by
/// `table`, at most [`MAX_SPELLINGS`] distinct keys, fewest changes first; `cuts` gets the range
/// of each key in `out`. Words of another script are copied.
pub(super) fn spellings(
    table: Respell,
    word: &[u8],
    sites: &mut Vec<(usize, usize, usize)>,
    out: &mut Vec<u8>,
    cuts: &mut Vec<(usize, usize)>,
) {
    let n = if word.len() > MAX_RESPELT {
        sites.clear();
        0
    } else {
        collect_sites(table, word, sites).len()
    };
    let mut pick = [0usize; MAX_RESPELT];
    let mut budget = MAX_WRITES;
    // Respell 0, 1, 2, … sites at a time, until the keys or the budget run out.
    for changes in 0..=n.min(MAX_CHANGES) {
        if cuts.len() >= MAX_SPELLINGS || budget == 0 {
            break;
        }
        let mut job = Job {
            table,
            word,
            sites: sites.as_slice(),
            pick: &mut pick,
            budget: &mut budget,
            out: &mut *out,
            cuts: &mut *cuts,
        };
        job.choose(0, changes);
    }
}

/// The respelling sites of `word`, as (start, length, index into `table`).
fn collect_sites<'a>(
    table: Respell,
    word: &[u8],
    sites: &'a mut Vec<(usize, usize, usize)>,
) -> &'a [(usize, usize, usize)] {
    sites.clear();
    let mut i = 0;
    while i < word.len() {
        let rest = word.get(i..).unwrap_or(&[]);
        match table.iter().position(|(p, _)| rest.starts_with(p)) {
            Some(r) => {
                let len = table.get(r).map_or(1, |(p, _)| p.len());
                sites.push((i, len, r));
                i += len;
            }
            None => i += 1,
        }
    }
    sites
}

/// One word's respelling: where it may change, what is picked, and what is written.
struct Job<'a> {
    table: Respell,
    word: &'a [u8],
    sites: &'a [(usize, usize, usize)],
    /// Per site: 0 kept, `n` its `n`th other spelling.
    pick: &'a mut [usize; MAX_RESPELT],
    budget: &'a mut u32,
    out: &'a mut Vec<u8>,
    cuts: &'a mut Vec<(usize, usize)>,
}

impl Job<'_> {
    /// Chooses `left` more sites from `from` on to respell, then writes the key.
    fn choose(&mut self, from: usize, left: usize) {
        if self.cuts.len() >= MAX_SPELLINGS || *self.budget == 0 {
            return;
        }
        if left == 0 {
            *self.budget -= 1;
            self.write();
            return;
        }
        for s in from..self.sites.len().min(MAX_RESPELT) {
            let others = self
                .sites
                .get(s)
                .and_then(|&(_, _, r)| self.table.get(r))
                .map_or(0, |(_, o)| o.len());
            for o in 1..=others {
                if let Some(slot) = self.pick.get_mut(s) {
                    *slot = o;
                }
                self.choose(s + 1, left - 1);
                if let Some(slot) = self.pick.get_mut(s) {
                    *slot = 0;
                }
            }
        }
    }

    /// Writes the coarse key of the word with the picked respellings, unless it is already
    /// there.
    fn write(&mut self) {
        let mut spelt = [0u8; 3 * MAX_RESPELT];
        let mut n = 0;
        let mut push = |bytes: &[u8]| {
            for &b in bytes {
                if let Some(slot) = spelt.get_mut(n) {
                    *slot = b;
                    n += 1;
                }
            }
        };
        let mut at = 0;
        for (s, &(start, len, r)) in self.sites.iter().enumerate() {
            let chosen = self.pick.get(s).copied().unwrap_or(0);
            push(self.word.get(at..start).unwrap_or(&[]));
            let original = self.word.get(start..start + len).unwrap_or(&[]);
            let other = self
                .table
                .get(r)
                .and_then(|(_, o)| chosen.checked_sub(1).and_then(|c| o.get(c)));
            push(other.copied().unwrap_or(original));
            at = start + len;
        }
        push(self.word.get(at..).unwrap_or(&[]));
        let from = self.out.len();
        coarse(spelt.get(..n).unwrap_or(&[]), self.out);
        let out = &*self.out;
        let key = out.get(from..).unwrap_or(&[]);
        let seen = self
            .cuts
            .iter()
            .any(|&(a, b)| out.get(a..b).is_some_and(|k| k == key));
        if seen || key.is_empty() {
            self.out.truncate(from);
        } else {
            self.cuts.push((from, self.out.len()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coarse_of(s: &str) -> String {
        let mut out = Vec::new();
        coarse(s.as_bytes(), &mut out);
        String::from_utf8(out).unwrap()
    }

    fn spellings_of(s: &str) -> Vec<String> {
        let (mut sites, mut out, mut cuts) = (Vec::new(), Vec::new(), Vec::new());
        spellings(RESPELL, s.as_bytes(), &mut sites, &mut out, &mut cuts);
        cuts.iter()
            .map(|&(a, b)| String::from_utf8(out[a..b].to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn coarse_table() {
        let cases = [
            ("schemes agree", "bruwavakis", "vravavakas"),
            ("greek read back", "vryvavakis", "vravavakas"),
            ("vowel runs are one", "zorvexil", "zarvaksal"),
            ("i read as ai", "zorvexail", "zarvaksal"),
            ("y j i are vowels", "yajoi", "a"),
            ("digraphs", "shchkhthph", "scktf"),
            ("h dropped", "hohoh", "a"),
            ("other bytes copied", "ab1cd", "av1kd"),
            ("greek gk", "blygkauv", "vlankav"),
        ];
        for (name, text, want) in cases {
            assert_eq!(coarse_of(text), want, "{name}");
        }
    }

    #[test]
    fn spellings_try_each_respelling_fewest_changes_first() {
        // `c`ь read back from `с`: the entry may have had `s`, `c` or `th` there.
        assert_eq!(spellings_of("sil"), ["sal", "kal", "tal"]);
        // Nothing to respell: the word's own key only.
        assert_eq!(spellings_of("vorbel"), ["varval"]);
        // Fewest changes first; keys that coincide are kept once.
        let keys = spellings_of("zugs");
        assert_eq!(keys.first().map(String::as_str), Some("zags"));
        assert!(keys.contains(&"sags".to_owned()));
        assert!(keys.contains(&"zvgs".to_owned()), "{keys:?}");
        let unique: std::collections::BTreeSet<_> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len());
    }

    #[test]
    fn spellings_are_bounded() {
        let word = "sgzjhukcfsgzjhukcfsgzjhukcf";
        let keys = spellings_of(word);
        assert_eq!(keys.len(), MAX_SPELLINGS);
        // A long word keeps its own key only.
        let long = "s".repeat(400);
        assert_eq!(spellings_of(&long), ["s"]);
    }
}
