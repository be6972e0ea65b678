//! Safe Browsing suffix/prefix expressions of a canonical URL, borrowed from it (no allocation).

use super::Canonical;

/// Most host suffixes tried: the exact host plus four shorter ones.
pub const MAX_HOSTS: usize = 5;
/// Most path prefixes tried: path with query, path, and four directory prefixes.
pub const MAX_PATHS: usize = 6;

/// The host suffixes and path prefixes of a [`Canonical`] URL.
///
/// Hosts: the exact host, then (for names, not IP addresses) the hosts formed from its last five
/// components by removing the leading component one at a time, never the last component alone.
/// Paths: the path with its query, the path without it, then the directories from the root
/// (`/`, `/a/`, `/a/b/`, `/a/b/c/`, deepest first). Duplicates are dropped. An expression is a
/// host followed by a path; [`Expressions::iter`] yields them most specific first.
#[derive(Clone, Copy, Debug)]
pub struct Expressions<'a> {
    hosts: [&'a str; MAX_HOSTS],
    host_count: usize,
    paths: [&'a str; MAX_PATHS],
    path_count: usize,
}

impl<'a> Expressions<'a> {
    pub(super) fn new(c: &'a Canonical) -> Self {
        let mut e = Expressions {
            hosts: [""; MAX_HOSTS],
            host_count: 0,
            paths: [""; MAX_PATHS],
            path_count: 0,
        };
        let host = c.host();
        e.push_host(host);
        if !c.host_is_ip() {
            // dots[i] is the offset of the (i + 1)-th dot from the end, so the suffix with
            // k components starts just after dots[k - 1].
            let mut dots = [0usize; MAX_HOSTS];
            let mut found = 0;
            for (i, b) in host.bytes().enumerate().rev() {
                if b == b'.' {
                    if let Some(slot) = dots.get_mut(found) {
                        *slot = i;
                    }
                    found += 1;
                    if found == MAX_HOSTS {
                        break;
                    }
                }
            }
            for k in (2..=found.min(MAX_HOSTS)).rev() {
                if let Some(suffix) = dots.get(k - 1).and_then(|&d| host.get(d + 1..)) {
                    e.push_host(suffix);
                }
            }
        }

        let path = c.path();
        let full = c
            .url
            .get(c.path.start..c.query.as_ref().map_or(c.path.end, |q| q.end))
            .unwrap_or(path);
        e.push_path(full);
        e.push_path(path);
        let mut dirs = [0usize; 4];
        let mut n = 0;
        for (i, b) in path.bytes().enumerate() {
            if b == b'/' && n < dirs.len() {
                if let Some(slot) = dirs.get_mut(n) {
                    *slot = i + 1;
                }
                n += 1;
            }
        }
        for &end in dirs.iter().take(n).rev() {
            if let Some(prefix) = path.get(..end) {
                e.push_path(prefix);
            }
        }
        e
    }

    // Every host candidate is a suffix of the host and every path candidate a prefix of the
    // path-and-query, so two candidates are equal exactly when their lengths are.

    fn push_host(&mut self, h: &'a str) {
        let known = self.hosts.get(..self.host_count).unwrap_or_default();
        if !known.iter().any(|k| k.len() == h.len())
            && let Some(slot) = self.hosts.get_mut(self.host_count)
        {
            *slot = h;
            self.host_count += 1;
        }
    }

    fn push_path(&mut self, p: &'a str) {
        let known = self.paths.get(..self.path_count).unwrap_or_default();
        if !known.iter().any(|k| k.len() == p.len())
            && let Some(slot) = self.paths.get_mut(self.path_count)
        {
            *slot = p;
            self.path_count += 1;
        }
    }

    /// The host suffixes, exact host first.
    pub fn hosts(&self) -> &[&'a str] {
        self.hosts.get(..self.host_count).unwrap_or_default()
    }

    /// The path prefixes, most specific first.
    pub fn paths(&self) -> &[&'a str] {
        self.paths.get(..self.path_count).unwrap_or_default()
    }

    /// `(host, path)` pairs, most specific first: every path of the exact host, then every path
    /// of the next host suffix, and so on.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.hosts()
            .iter()
            .flat_map(move |&h| self.paths().iter().map(move |&p| (h, p)))
    }

    /// The expressions as strings (`host/path?query`), most specific first.
    pub fn to_strings(&self) -> Vec<String> {
        self.iter().map(|(h, p)| format!("{h}{p}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::url::canonicalize;

    #[test]
    fn expressions_from_the_spec_and_more() {
        let cases: [(&str, &str, &[&str]); 9] = [
            (
                "spec: query, two hosts",
                "http://a.b.c/1/2.html?param=1",
                &[
                    "a.b.c/1/2.html?param=1",
                    "a.b.c/1/2.html",
                    "a.b.c/1/",
                    "a.b.c/",
                    "b.c/1/2.html?param=1",
                    "b.c/1/2.html",
                    "b.c/1/",
                    "b.c/",
                ],
            ),
            (
                "spec: many host components",
                "http://a.b.c.d.e.f.g/1.html",
                &[
                    "a.b.c.d.e.f.g/1.html",
                    "a.b.c.d.e.f.g/",
                    "c.d.e.f.g/1.html",
                    "c.d.e.f.g/",
                    "d.e.f.g/1.html",
                    "d.e.f.g/",
                    "e.f.g/1.html",
                    "e.f.g/",
                    "f.g/1.html",
                    "f.g/",
                ],
            ),
            (
                "spec: ip address only exact",
                "http://1.2.3.4/1/",
                &["1.2.3.4/1/", "1.2.3.4/"],
            ),
            ("spec: two components", "http://a.b/", &["a.b/"]),
            ("single label", "http://b/", &["b/"]),
            (
                "deep directory: four prefixes",
                "http://a.b/1/2/3/4/5/",
                &["a.b/1/2/3/4/5/", "a.b/1/2/3/", "a.b/1/2/", "a.b/1/", "a.b/"],
            ),
            (
                "six paths",
                "http://zorvexil.example/a/b/c/d/e.html?x=1",
                &[
                    "zorvexil.example/a/b/c/d/e.html?x=1",
                    "zorvexil.example/a/b/c/d/e.html",
                    "zorvexil.example/a/b/c/",
                    "zorvexil.example/a/b/",
                    "zorvexil.example/a/",
                    "zorvexil.example/",
                ],
            ),
            (
                "empty query kept in the exact expression",
                "http://a.b/q?",
                &["a.b/q?", "a.b/q", "a.b/"],
            ),
            (
                "ipv6 only exact",
                "http://[2001:db8::1]/a/b",
                &["[2001:db8::1]/a/b", "[2001:db8::1]/a/", "[2001:db8::1]/"],
            ),
        ];
        for (name, url, want) in cases {
            let c = canonicalize(url).unwrap();
            assert_eq!(c.expressions().to_strings(), want, "{name}");
        }
    }

    #[test]
    fn at_most_thirty() {
        let c = canonicalize("http://a.b.c.d.e.f.g.h/1/2/3/4/5/6.html?q").unwrap();
        let e = c.expressions();
        assert_eq!(e.hosts().len(), 5);
        assert_eq!(e.paths().len(), 6);
        assert_eq!(e.iter().count(), 30);
    }
}
