//! Judging a text the engine expands (a prefix query, a wildcard, a regular expression, a fuzzy
//! term): which listed entries can it reach? Read as text such a pattern matches nothing, yet
//! the engine finds what it reaches.

use fst::raw::Output;

use super::keys::{AMBIGUOUS, squeezes};
use super::{Hit, Scratch, TermMatcher};
use crate::lists::ListKind;
use crate::verdict::Verdict;

/// Fewest letters of a pattern (outside its stars) judged by the entries it reaches: a shorter
/// one reaches entries and ordinary words alike (a search typed as you go is judged from its
/// fourth letter on).
pub const MIN_PREFIX_LETTERS: usize = 4;

/// FST nodes visited at most per pattern, looking for the entries it reaches.
const MAX_VISITS: usize = 4096;

/// Entries reported at most per pattern.
const MAX_FOUND: usize = 16;

impl TermMatcher {
    /// Checks `pattern` (`*` stands for any run of characters, as a wildcard query's `*` and `?`
    /// or a regular expression's operators do) as a pattern the engine expands: matches are the
    /// terms and names it can reach, once it has [`MIN_PREFIX_LETTERS`] letters outside its
    /// stars. A pattern that only ends in a star is a start: its last word, or last words joined
    /// (entries are keyed without spaces), must begin the entry. Context lists gate names as
    /// for [`TermMatcher::check`]; an allowed phrase reached the same way allows nothing here.
    pub fn check_pattern(&self, pattern: &str) -> Verdict {
        self.check_pattern_with(pattern, &mut Scratch::default())
    }

    /// [`TermMatcher::check_pattern`] reusing `scratch`'s buffers.
    pub fn check_pattern_with(&self, pattern: &str, scratch: &mut Scratch) -> Verdict {
        scratch.hits.clear();
        let star = pattern.find('*');
        if star.is_none_or(|at| at + 1 == pattern.len()) {
            let start = pattern.strip_suffix('*').unwrap_or(pattern);
            self.check_start(start, scratch);
        } else {
            let mut glob = Vec::new();
            for (i, part) in pattern.split('*').enumerate() {
                if i > 0 {
                    glob.push(None);
                }
                scratch.views.normalize(part);
                let view = &scratch.views.skeleton;
                for t in &view.tokens {
                    glob.extend(
                        view.first(t)
                            .bytes()
                            .map(|b| Some(if b == AMBIGUOUS { b'i' } else { b })),
                    );
                }
            }
            let letters = glob.iter().flatten().filter(|&&b| b & 0xC0 != 0x80).count();
            if letters >= MIN_PREFIX_LETTERS {
                let end = u32::try_from(pattern.chars().count()).unwrap_or(u32::MAX);
                let hits = &mut scratch.hits;
                self.entries_matching(&glob, |list, line| {
                    hits.push(Hit {
                        list,
                        line,
                        start: 0,
                        end,
                    });
                });
            }
        }
        self.verdict(&mut scratch.hits)
    }

    /// The entries a start begins: tried from each of its words to its end.
    fn check_start(&self, text: &str, scratch: &mut Scratch) {
        scratch.views.normalize(text);
        let Scratch {
            views, hits, key, ..
        } = scratch;
        let view = &views.skeleton;
        let (Some(last), n) = (view.tokens.last(), view.tokens.len()) else {
            return;
        };
        for first in (0..n).rev() {
            key.clear();
            for t in view.tokens.get(first..).unwrap_or(&[]) {
                for b in view.first(t).bytes() {
                    let b = if b == AMBIGUOUS { b'i' } else { b };
                    if !squeezes(true, key.last().copied(), b) {
                        key.push(b);
                    }
                }
            }
            let letters = key.iter().filter(|&&b| b & 0xC0 != 0x80).count();
            if letters > MAX_START_LETTERS {
                // Longer than any entry: starting further back only adds letters.
                break;
            }
            if letters < MIN_PREFIX_LETTERS {
                continue;
            }
            let start = view.tokens.get(first).map_or(0, |t| t.start);
            let mut glob: Vec<Option<u8>> = key.iter().copied().map(Some).collect();
            glob.push(None);
            self.entries_matching(&glob, |list, line| {
                hits.push(Hit {
                    list,
                    line,
                    start,
                    end: last.end,
                });
            });
        }
    }

    /// Reports (list, line) of the terms and names whose keys `glob` matches (`None`: any run
    /// of bytes), walking the FST with the pattern's positions as a bit set.
    fn entries_matching(&self, glob: &[Option<u8>], mut report: impl FnMut(u32, u32)) {
        // Longer patterns keep their first positions, ended by a star: a wider pattern.
        let mut glob = glob.get(..MAX_GLOB).unwrap_or(glob).to_vec();
        if glob.len() == MAX_GLOB {
            glob.push(None);
        }
        let accept = 1u64 << glob.len();
        // Stars match nothing too: a position before a star also stands after it.
        let close = |mut set: u64| {
            for (i, g) in glob.iter().enumerate() {
                if g.is_none() && set & (1 << i) != 0 {
                    set |= 1 << (i + 1);
                }
            }
            set
        };
        let advance = |set: u64, b: u8| {
            let mut next = 0u64;
            for (i, g) in glob.iter().enumerate() {
                if set & (1 << i) != 0 {
                    match g {
                        None => next |= 1 << i,
                        Some(c) if *c == b => next |= 1 << (i + 1),
                        Some(_) => {}
                    }
                }
            }
            close(next)
        };
        let fst = self.keys.map.as_fst();
        let root = fst.root();
        let mut stack = vec![(root, Output::zero(), close(1))];
        let (mut visits, mut found) = (0, 0);
        while let Some((node, acc, set)) = stack.pop() {
            visits += 1;
            if visits > MAX_VISITS || found >= MAX_FOUND {
                return;
            }
            if node.is_final() && set & accept != 0 {
                for p in self.keys.postings(acc.cat(node.final_output())) {
                    let kind = self.lists.get(p.list as usize).map(|i| i.kind);
                    if matches!(kind, Some(ListKind::Terms | ListKind::Victims)) {
                        report(p.list, p.line);
                        found += 1;
                    }
                }
            }
            for t in node.transitions() {
                // Coarse keys are another alphabet; they are never reached by a pattern.
                if node.addr() == root.addr() && t.inp == super::sounds::COARSE {
                    continue;
                }
                let next = advance(set, t.inp);
                if next != 0 {
                    stack.push((fst.node(t.addr), acc.cat(t.out), next));
                }
            }
        }
    }
}

/// Letters of a start tried at most: its last words are joined only up to this many (an entry
/// is rarely longer), so a long text costs a bounded number of walks.
const MAX_START_LETTERS: usize = 96;

/// Pattern positions walked at most (one bit each).
const MAX_GLOB: usize = 62;

#[cfg(test)]
mod tests {
    use crate::lists::{Entry, ListSpec};
    use crate::matcher::{TermMatcher, TextList};

    fn matcher(terms: &[&str]) -> TermMatcher {
        let spec = ListSpec::from_flag(crate::lists::ListKind::Terms, "terms.txt".into());
        let entries: Vec<Entry> = terms
            .iter()
            .enumerate()
            .map(|(i, t)| Entry {
                line: i as u32 + 1,
                text: (*t).to_owned(),
            })
            .collect();
        TermMatcher::build(&[TextList {
            id: 0,
            spec: &spec,
            entries: &entries,
        }])
        .unwrap()
    }

    #[test]
    fn patterns_reach_entries() {
        let m = matcher(&["zorvexil", "quandrith moss"]);
        let cases = [
            ("a start of four letters", "zorv*", true),
            ("styled and split", "ZOR-vex*", true),
            ("the last words joined", "watch quandrith mo*", true),
            ("too short to judge", "zor*", false),
            ("no entry starts so", "zorvax*", false),
            ("the whole entry", "zorvexil", true),
            ("longer than the entry", "zorvexilian*", false),
            ("a star inside", "zor*xil", true),
            ("stars inside and around", "*rv*xi*", true),
            ("a star inside, no entry", "zor*xal", false),
            ("too few letters around the stars", "z*l", false),
        ];
        for (name, text, flagged) in cases {
            assert_eq!(!m.check_pattern(text).is_allow(), flagged, "{name}");
        }
        // A long text before the start is not joined onto it word by word from every word.
        let long = format!("{}zorve*", "ab ".repeat(20_000));
        assert!(!m.check_pattern(&long).is_allow());
    }
}
