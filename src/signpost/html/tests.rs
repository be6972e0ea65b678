//! Unit tests for the interstitial page and banner: escaping, structure, placement.

use super::*;
use crate::signpost::NoticeLink;

fn notice() -> Notice {
    Notice {
        kind: NoticeKind::Deterrence,
        title: "Stop <script>alert(1)</script> & think".into(),
        message: "Message with \"quotes\" and 'apostrophes' <b>bold</b>".into(),
        links: vec![
            NoticeLink {
                id: "help".into(),
                label: "Help <now>".into(),
                url: "/_searchward/go/help?v=d1&x=\"y\"".into(),
            },
            NoticeLink {
                id: "bad".into(),
                label: "Bad".into(),
                url: "javascript:alert(1)".into(),
            },
            NoticeLink {
                id: "ext".into(),
                label: "External".into(),
                url: "https://help.example.org/a".into(),
            },
        ],
        locale: "en-GB".into(),
        variant: "d1".into(),
    }
}

#[test]
fn escape_table() {
    let cases = [
        ("plain", "abc", "abc"),
        ("all specials", "<&>\"'", "&lt;&amp;&gt;&quot;&#39;"),
        ("already escaped is escaped again", "&amp;", "&amp;amp;"),
        ("non-ascii kept", "café ü 日本", "café ü 日本"),
    ];
    for (name, input, want) in cases {
        assert_eq!(escape(input), want, "case {name}");
    }
}

#[test]
fn interstitial_is_complete_escaped_and_script_free() {
    let page = interstitial_page(&notice(), "/search?q=a&b=<c>");
    for want in [
        "<!DOCTYPE html>",
        "<html lang=\"en-GB\">",
        "<meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<main",
        "<h1>Stop &lt;script&gt;alert(1)&lt;/script&gt; &amp; think</h1>",
        "Message with &quot;quotes&quot; and &#39;apostrophes&#39; &lt;b&gt;bold&lt;/b&gt;",
        "href=\"/_searchward/go/help?v=d1&amp;x=&quot;y&quot;\"",
        ">Help &lt;now&gt;</a>",
        "href=\"https://help.example.org/a\"",
        "<a class=\"back\" href=\"/search?q=a&amp;b=&lt;c&gt;\">Go back</a>",
        "overflow-wrap:break-word",
        "max-width:40rem",
    ] {
        assert!(page.contains(want), "missing {want:?} in\n{page}");
    }
    let lower = page.to_ascii_lowercase();
    for banned in [
        "<script",
        "javascript:",
        "<link",
        "<img",
        "url(",
        "@import",
        "<iframe",
    ] {
        assert!(!lower.contains(banned), "page contains {banned:?}");
    }
}

#[test]
fn interstitial_back_link_is_never_script() {
    let cases = [
        ("path", "/x", "href=\"/x\""),
        (
            "https",
            "https://search.example/",
            "href=\"https://search.example/\"",
        ),
        (
            "javascript",
            "javascript:alert(1)",
            "class=\"back\" href=\"/\"",
        ),
        (
            "protocol relative",
            "//evil.example",
            "class=\"back\" href=\"/\"",
        ),
        ("backslash", "/\\evil.example", "class=\"back\" href=\"/\""),
        ("data", "data:text/html,x", "class=\"back\" href=\"/\""),
        ("empty", "", "class=\"back\" href=\"/\""),
    ];
    for (name, back, want) in cases {
        let page = interstitial_page(&notice(), back);
        assert!(page.contains(want), "case {name}: missing {want:?}");
    }
}

#[test]
fn banner_placement_table() {
    let n = notice();
    let b = banner_html(&n);
    let cases: &[(&str, &str, Option<&str>, String)] = &[
        (
            "plain body",
            "<html><body><p>r</p></body></html>",
            None,
            format!("<html><body>{b}<p>r</p></body></html>"),
        ),
        (
            "upper case with attributes",
            "<HTML><BODY class=\"a>b\" id='x'>r",
            None,
            format!("<HTML><BODY class=\"a>b\" id='x'>{b}r"),
        ),
        (
            "marker found",
            "<body><nav>n</nav><div id=\"results\">r</div>",
            Some("<div id=\"results\">"),
            format!("<body><nav>n</nav>{b}<div id=\"results\">r</div>"),
        ),
        (
            "marker missing falls back to body",
            "<body>r",
            Some("<main>"),
            format!("<body>{b}r"),
        ),
        (
            "empty marker ignored",
            "<body>r",
            Some(""),
            format!("<body>{b}r"),
        ),
        (
            "no body, after head",
            "<html><head><title>t</title></head><p>r</p>",
            None,
            format!("<html><head><title>t</title></head>{b}<p>r</p>"),
        ),
        (
            "no body no head: prepend",
            "<p>r</p>",
            None,
            format!("{b}<p>r</p>"),
        ),
        ("empty input", "", None, b.clone()),
        (
            "bodyguard is not body",
            "<bodyguard>x</bodyguard><body>r",
            None,
            format!("<bodyguard>x</bodyguard><body>{b}r"),
        ),
        (
            "commented body skipped",
            "<!-- <body> --><body>r",
            None,
            format!("<!-- <body> --><body>{b}r"),
        ),
        (
            "body in script skipped",
            "<script>var s='<body>';</script><body>r",
            None,
            format!("<script>var s='<body>';</script><body>{b}r"),
        ),
        (
            "unterminated body tag: prepend",
            "<body class=\"x",
            None,
            format!("{b}<body class=\"x"),
        ),
        (
            "non-ascii around",
            "<p>é</p><BoDy data-x=\"ü\">日本",
            None,
            format!("<p>é</p><BoDy data-x=\"ü\">{b}日本"),
        ),
        ("self-closing-ish", "<body/>r", None, format!("<body/>{b}r")),
    ];
    for (name, html, marker, want) in cases {
        assert_eq!(inject_banner(html, &n, *marker), *want, "case {name}");
    }
}

#[test]
fn banner_is_accessible_and_escaped() {
    let b = banner_html(&notice());
    for want in [
        "role=\"region\"",
        "aria-label=\"Stop &lt;script&gt;alert(1)&lt;/script&gt; &amp; think\"",
        "lang=\"en-GB\"",
        "max-width:100%",
        "overflow-wrap:break-word",
    ] {
        assert!(b.contains(want), "missing {want:?} in {b}");
    }
    assert!(!b.contains("<script"));
    assert!(!b.contains("javascript:"));
    assert_eq!(
        b.matches("<li").count(),
        2,
        "the javascript: link is dropped"
    );
}

proptest::proptest! {
    #[test]
    fn inject_never_panics_and_keeps_the_input(html in "\\PC{0,200}", marker in proptest::option::of("\\PC{0,8}")) {
        let n = notice();
        let out = inject_banner(&html, &n, marker.as_deref());
        let b = banner_html(&n);
        proptest::prop_assert_eq!(out.len(), html.len() + b.len());
        let at = out.find(&b).unwrap();
        let mut back = out.clone();
        back.replace_range(at..at + b.len(), "");
        proptest::prop_assert_eq!(back, html);
    }

    #[test]
    fn inject_on_html_like_input(parts in proptest::collection::vec(proptest::sample::select(vec!["<body", ">", "<BODY ", "\"", "'", "<!--", "-->", "<script>", "</script>", "é", "x", "</head>", "<"]), 0..20)) {
        let html: String = parts.concat();
        let out = inject_banner(&html, &notice(), Some("<"));
        proptest::prop_assert!(out.len() > html.len());
    }
}
