//! URL index tables: entry forms × URLs, errors with file and line.

use std::path::PathBuf;

use super::*;
use crate::lists::{ListKind, parse_reader};

fn spec(name: &str) -> ListSpec {
    ListSpec::from_flag(ListKind::Urls, PathBuf::from(format!("{name}.txt")))
}

fn entries(text: &str) -> Vec<Entry> {
    parse_reader(text.as_bytes(), std::path::Path::new("t.txt")).unwrap()
}

const LIST: &str = "# synthetic URL list
zorvexil-forum.example/
http://quandrith.example.net/gallery/
https://velmorik.example.com/page.html
tobin-marsk.invalid/a/b?id=7
http://10.0.0.7/
ZORVEXIL-FORUM.EXAMPLE:8080/
deep.a.b.c.d.example/
";

#[test]
fn entry_forms_match_the_urls_they_cover() {
    let e = entries(LIST);
    let s = spec("urls");
    let index = UrlIndex::build(&[UrlList {
        id: 3,
        spec: &s,
        entries: &e,
    }])
    .unwrap();
    let m = |line| Match { list: 3, line };
    let cases: &[(&str, &str, Vec<Match>)] = &[
        (
            "whole host, root",
            "http://zorvexil-forum.example/",
            vec![m(2), m(7)],
        ),
        (
            "whole host, page",
            "https://zorvexil-forum.example/t/1?x#y",
            vec![m(2), m(7)],
        ),
        (
            "whole host, subdomain",
            "http://www.zorvexil-forum.example/a",
            vec![m(2), m(7)],
        ),
        (
            "whole host, odd spelling",
            "HTTP://ZorVexil-Forum.Example.:443/%61",
            vec![m(2), m(7)],
        ),
        ("other host", "http://zorvexil-forum.example.org/", vec![]),
        (
            "prefix",
            "http://quandrith.example.net/gallery/1.jpg",
            vec![m(3)],
        ),
        (
            "prefix itself",
            "quandrith.example.net/gallery/",
            vec![m(3)],
        ),
        (
            "prefix with dot segments",
            "http://quandrith.example.net/x/../gallery/./a",
            vec![m(3)],
        ),
        (
            "outside prefix",
            "http://quandrith.example.net/other/",
            vec![],
        ),
        (
            "prefix needs its slash",
            "http://quandrith.example.net/gallery",
            vec![],
        ),
        (
            "parent host of prefix",
            "http://example.net/gallery/",
            vec![],
        ),
        ("page", "http://velmorik.example.com/page.html", vec![m(4)]),
        (
            "page with query",
            "http://velmorik.example.com/page.html?a=1",
            vec![m(4)],
        ),
        (
            "other page",
            "http://velmorik.example.com/other.html",
            vec![],
        ),
        (
            "page with query entry",
            "http://tobin-marsk.invalid/a/b?id=7",
            vec![m(5)],
        ),
        ("other query", "http://tobin-marsk.invalid/a/b?id=8", vec![]),
        ("ip", "http://10.0.0.7/x", vec![m(6)]),
        ("ip in decimal", "http://167772167/x", vec![m(6)]),
        (
            "deep host itself",
            "http://deep.a.b.c.d.example/",
            vec![m(8)],
        ),
        ("unparseable", "mailto:x@zorvexil-forum.example", vec![]),
    ];
    for (name, url, want) in cases {
        assert_eq!(&index.lookup(url), want, "{name}");
        let listed = crate::url::canonicalize(url)
            .map(|c| index.is_listed(&c))
            .unwrap_or(false);
        assert_eq!(listed, !want.is_empty(), "{name}");
    }
    assert_eq!(index.len(), 6);
    assert_eq!(
        index.narrowed(),
        1,
        "deep.a.b.c.d.example has six components"
    );
}

#[test]
fn several_lists_report_each() {
    let (a, b) = (
        entries("zorvexil.example/\n"),
        entries("# x\nzorvexil.example/p\n"),
    );
    let (sa, sb) = (spec("a"), spec("b"));
    let index = UrlIndex::build(&[
        UrlList {
            id: 0,
            spec: &sa,
            entries: &a,
        },
        UrlList {
            id: 1,
            spec: &sb,
            entries: &b,
        },
    ])
    .unwrap();
    assert_eq!(
        index.lookup("http://zorvexil.example/p"),
        vec![Match { list: 0, line: 1 }, Match { list: 1, line: 2 }]
    );
    assert!(
        UrlIndex::default()
            .lookup("http://zorvexil.example/")
            .is_empty()
    );
}

#[test]
fn bad_entries_name_file_and_line() {
    let cases = [
        ("no host", "ok.example/\nhttp:///\n", 2, "no host"),
        (
            "mailto",
            "mailto:ada@quandrith.example\n",
            1,
            "scheme without //",
        ),
        (
            "inner space",
            "# c\n\nzorvexil.example/ trailing words\n",
            3,
            "white space",
        ),
        ("bad ipv6", "http://[velmorik]/\n", 1, "invalid host"),
    ];
    for (name, text, line, reason) in cases {
        let e = entries(text);
        let s = spec("bad");
        let err = UrlIndex::build(&[UrlList {
            id: 0,
            spec: &s,
            entries: &e,
        }])
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("bad.txt:{line}: ")),
            "{name}: {msg}"
        );
        assert!(msg.contains(reason), "{name}: {msg}");
        assert!(!msg.contains("example"), "{name}: entry text leaked: {msg}");
    }
}

#[test]
fn many_pages_on_one_host() {
    let text: String = (0..2000)
        .map(|i| format!("files.example.com/u/{i}.html\n"))
        .collect();
    let e = entries(&text);
    let s = spec("big");
    let index = UrlIndex::build(&[UrlList {
        id: 0,
        spec: &s,
        entries: &e,
    }])
    .unwrap();
    for i in [0u32, 777, 1999] {
        let url = format!("https://www.files.example.com/u/{i}.html?dl=1");
        assert_eq!(
            index.lookup(&url),
            vec![Match {
                list: 0,
                line: i + 1
            }]
        );
    }
    assert!(
        index
            .lookup("https://files.example.com/u/2000.html")
            .is_empty()
    );
    assert!(index.lookup("https://files.example.com/u/").is_empty());
}

#[test]
fn shipped_synthetic_list() {
    let text = include_str!("../../lists/urls.txt");
    let e = entries(text);
    let s = spec("urls");
    let index = UrlIndex::build(&[UrlList {
        id: 0,
        spec: &s,
        entries: &e,
    }])
    .unwrap();
    let listed = [
        "http://zorvexil-forum.example/",
        "https://www.zorvexil-forum.example/t/1",
        "http://quandrith-pics.invalid/img/9.jpg",
        "https://cdn.velmorik.example.net/x",
        "https://files.example.com/zorvexil/a.zip",
        "http://share.example.net/u/tobin-marsk/1/2",
        "http://blog.example.com/2026/quandrith-gallery.html",
        "https://mirror.velmorik.example/index.php?album=42",
        "http://forum.example.net/t/zorvexil-thread?page=2",
        "http://192.0.2.77/any",
    ];
    for url in listed {
        assert!(!index.lookup(url).is_empty(), "{url}");
    }
    let clean = [
        "http://example.com/",
        "https://files.example.com/other/",
        "https://mirror.velmorik.example/index.php?album=43",
        "http://blog.example.com/2026/",
        "http://192.0.2.78/",
    ];
    for url in clean {
        assert!(index.lookup(url).is_empty(), "{url}");
    }
}
