//! Path canonicalisation: `/./` and `/../` resolved, runs of `/` collapsed, bytes escaped.

use super::push_escaped;

/// Appends the canonical form of `raw` (fully unescaped, empty or starting with `/`) to `out`.
///
/// A path ending in `/`, `/.` or `/..` names a directory and keeps its trailing slash; `..`
/// above the root stays at the root.
pub(super) fn push_canonical(raw: &[u8], out: &mut String) {
    let start = out.len();
    out.push('/');
    // While segments are added `out[start..]` always ends with `/`.
    let mut last_is_file = false;
    for seg in raw.split(|&b| b == b'/') {
        match seg {
            b"" | b"." => last_is_file = false,
            b".." => {
                last_is_file = false;
                let end = out.len().saturating_sub(1);
                if let Some(slash) = out.get(start..end).and_then(|s| s.rfind('/')) {
                    out.truncate(start + slash + 1);
                }
            }
            _ => {
                last_is_file = true;
                push_escaped(seg, out);
                out.push('/');
            }
        }
    }
    if last_is_file {
        out.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let cases = [
            ("empty", "", "/"),
            ("root", "/", "/"),
            ("file", "/foo.html", "/foo.html"),
            ("dots", "/foo/.././bar/./../foo.html", "/foo.html"),
            ("dir", "/a/b/", "/a/b/"),
            ("slashes", "//a//b///c////", "/a/b/c/"),
            ("trailing dotdot", "/blah/..", "/"),
            ("trailing dot", "/foo/.", "/foo/"),
            ("above root", "/../../x", "/x"),
            ("dotdot-like names", "/foo/..bar/.baz", "/foo/..bar/.baz"),
            ("escaped", "/a b/%/#", "/a%20b/%25/%23"),
            ("semicolon", "/foo;", "/foo;"),
        ];
        for (name, raw, want) in cases {
            let mut out = String::new();
            push_canonical(raw.as_bytes(), &mut out);
            assert_eq!(out, want, "{name}");
        }
    }
}
