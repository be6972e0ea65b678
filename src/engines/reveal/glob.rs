//! Wildcard patterns as engines read field names: `*` stands for any run of characters
//! (dots included), everything else for itself.

/// Whether `pattern` matches the whole of `name`.
pub(super) fn matches(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    // Iterative matching with one backtrack point: linear in practice, never exponential.
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(c) if *c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == b'*'))
}

/// Whether `pattern` matches `field` (a dotted path) or one of the objects holding it: a
/// pattern naming an object takes the whole object.
pub(super) fn matches_or_holds(pattern: &str, field: &str) -> bool {
    matches(pattern, field)
        || field
            .match_indices('.')
            .any(|(i, _)| matches(pattern, &field[..i]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let cases: &[(&str, &str, bool)] = &[
            ("url", "url", true),
            ("url", "urls", false),
            ("u*", "url", true),
            ("*", "a.b", true),
            ("*rl", "url", true),
            ("a.*", "a.b.c", true),
            ("a*c", "abbbc", true),
            ("a*c", "abbb", false),
            ("", "", true),
            ("", "x", false),
            ("**", "x", true),
        ];
        for (p, n, want) in cases {
            assert_eq!(matches(p, n), *want, "{p} ~ {n}");
        }
        assert!(matches_or_holds("meta", "meta.url"));
        assert!(!matches_or_holds("meta.url", "meta"));
        assert!(!matches_or_holds("met", "meta.url"));
    }
}
