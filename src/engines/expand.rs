//! Texts an engine expands before it searches: a prefix (`zorvex*`, a `prefix` query, the last
//! word of `match_phrase_prefix`), a wildcard or regular expression (`zor?ex*l`, `/zorv.*/`), a
//! fuzzy term (`zorvexab~2`). Read as text they match nothing, yet the engine finds the listed
//! entry they reach. Such a text is handed on as a pattern, `*` standing for any run of
//! characters, marked with [`EXPANDS`]: the policy judges it also by the entries it reaches. A
//! pattern with few letters outside its stars (`z*l`) is judged by its text only: it reaches
//! entries and ordinary words alike.

/// Marks a text the engine expands (see the module documentation). A private-use character:
/// were a user to send it, their text would only be judged more strictly.
pub const EXPANDS: char = '\u{E000}';

/// `pattern` (`*`: any run of characters) marked as expanded by the engine.
pub fn expanding(pattern: &str) -> String {
    let mut s = String::with_capacity(pattern.len() + EXPANDS.len_utf8());
    s.push(EXPANDS);
    s.push_str(pattern);
    s
}

/// A start the engine completes: `start*`.
pub fn start(text: &str) -> String {
    let mut s = expanding(text);
    s.push('*');
    s
}

/// A wildcard query's pattern (`*` any run, `?` one character, read as any run).
pub fn wildcard(pattern: &str) -> String {
    expanding(&pattern.replace('?', "*"))
}

/// A Lucene regular expression as a pattern: its letters kept, every operator (and a letter it
/// makes optional or repeats) read as any run. Wider than the expression, never narrower.
pub fn regexp(expr: &str) -> String {
    let expr = expr
        .strip_prefix('/')
        .map_or(expr, |p| p.strip_suffix('/').unwrap_or(p));
    let mut out = String::new();
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        let optional = chars.peek().is_some_and(|n| matches!(n, '?' | '*' | '{'));
        match c {
            '\\' => match chars.next() {
                Some(e) if e.is_alphanumeric() && !optional => out.push(e),
                _ => push_star(&mut out),
            },
            c if c.is_alphanumeric() && !optional => out.push(c),
            _ => push_star(&mut out),
        }
    }
    expanding(&out)
}

fn push_star(out: &mut String) {
    if !out.ends_with('*') {
        out.push('*');
    }
}

/// The start a fuzzy term (`term~2`, or with `fuzziness` edits) surely keeps: every letter but
/// the last `edits` (the engine may change any letters; a prefix of the listed word is what a
/// few changes at the end leave).
pub fn fuzzy_start(term: &str, edits: usize) -> &str {
    let n = term.chars().count().saturating_sub(edits);
    let end = term.char_indices().nth(n).map_or(term.len(), |(i, _)| i);
    term.get(..end).unwrap_or("")
}

/// The edits a `fuzziness` value allows (Elasticsearch's `AUTO`: 0 for up to 2 characters, 1
/// for up to 5, else 2).
pub fn fuzziness(value: Option<&str>, term: &str) -> usize {
    let auto = || match term.chars().count() {
        0..=2 => 0,
        3..=5 => 1,
        _ => 2,
    };
    match value {
        Some(v) if v.starts_with("AUTO") || v.is_empty() => auto(),
        Some(v) => v
            .parse::<f32>()
            .map_or(2, |f| if f < 1.0 { 1 } else { f.min(2.0) as usize }),
        None => auto(),
    }
}

/// Appends the expanded terms of a Lucene-syntax query string (`query_string`, Solr's `q`):
/// `word*`, `wo?d*`, `word~`, `word~2`, `/regex/`, each as its marked pattern.
pub fn query_string(query: &str, out: &mut Vec<String>) {
    let mut rest = query;
    loop {
        let trimmed = rest.trim_start_matches(|c: char| c.is_whitespace() || "()+-!".contains(c));
        if trimmed.is_empty() {
            break;
        }
        // A regular expression runs to its closing slash, spaces and all.
        if let Some(body) = trimmed.strip_prefix('/') {
            let close = body.find('/').unwrap_or(body.len());
            out.push(regexp(body.get(..close).unwrap_or("")));
            rest = body.get(close + 1..).unwrap_or("");
            continue;
        }
        let end = trimmed
            .find(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .unwrap_or(trimmed.len());
        let word = trimmed.get(..end).unwrap_or("");
        rest = trimmed.get(end..).unwrap_or("");
        // A field name before the term (`body:zorvex*`).
        let term = word
            .split_once(':')
            .map_or(word, |(_, t)| t)
            .trim_matches('"');
        if term.starts_with('/') {
            out.push(regexp(term));
        } else if let Some((t, edits)) = term.split_once('~') {
            let edits = if edits.is_empty() {
                2
            } else {
                fuzziness(Some(edits), t)
            };
            out.push(start(fuzzy_start(t, edits)));
        } else if term.contains(['*', '?']) {
            out.push(wildcard(term));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert_eq!(wildcard("zorv?x*"), expanding("zorv*x*"));
        assert_eq!(regexp("/zorvex.*/"), expanding("zorvex*"));
        assert_eq!(regexp("zorvexi?l"), expanding("zorvex*l"));
        assert_eq!(regexp("zo(r|x)vexil"), expanding("zo*r*x*vexil"));
        assert_eq!(regexp(".*vexil"), expanding("*vexil"));
        assert_eq!(regexp("zor\\.vex"), expanding("zor*vex"));
        assert_eq!(fuzzy_start("zorvexab", 2), "zorvex");
        assert_eq!(fuzzy_start("ab", 2), "");
        assert_eq!(fuzziness(Some("AUTO"), "zorvexab"), 2);
        assert_eq!(fuzziness(Some("1"), "zorvexab"), 1);
        assert_eq!(fuzziness(None, "zorv"), 1);
    }

    #[test]
    fn query_string_terms() {
        let cases: &[(&str, &[&str])] = &[
            ("zorvex*", &["zorvex*"]),
            ("body:zorvex* AND title:x", &["zorvex*"]),
            ("body:/zorv.*/", &["zorv*"]),
            ("watch zorvexab~2 now", &["zorvex*"]),
            ("zorvexil~", &["zorvex*"]),
            ("/zorv.*/ OR /ab c.*/", &["zorv*", "ab*c*"]),
            ("(+zorv?xil -other)", &["zorv*xil"]),
            ("plain words only", &[]),
            ("*vexil", &["*vexil"]),
        ];
        for (q, want) in cases {
            let mut out = Vec::new();
            query_string(q, &mut out);
            let want: Vec<String> = want.iter().map(|s| expanding(s)).collect();
            assert_eq!(out, want, "{q}");
        }
    }
}
