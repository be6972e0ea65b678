//! Unit tests for [`Signposter`]: locale choice, rotation, links, redirect and counters.

use super::*;

const TWO_LOCALES: &str = r#"
default_locale = "en"
[[links]]
id = "help-uk"
label = "Help (UK)"
url = "https://help.example.org/uk"
locales = ["en-GB"]
[[links]]
id = "help-us"
label = "Help (US)"
url = "https://help.example.org/us"
locales = ["en-US"]
[[links]]
id = "report"
label = "Report"
url = "https://report.example.org"
[[locales.en.deterrence]]
id = "en-d1"
title = "Warning one"
message = "First wording."
links = ["help-uk", "help-us", "report"]
[[locales.en.deterrence]]
id = "en-d2"
title = "Warning two"
message = "Second wording."
links = ["help-uk", "help-us", "report"]
[[locales.en.deterrence]]
id = "en-d3"
title = "Warning three"
message = "Third wording."
links = ["report"]
[[locales.en.support]]
id = "en-s"
title = "Help"
message = "Support wording."
links = ["report"]
[[locales.de.deterrence]]
id = "de-d1"
title = "Warnung"
message = "Text."
links = ["report"]
"#;

fn two_locales() -> Signposter {
    Signposter::new(SignpostConfig::from_toml_str(TWO_LOCALES).unwrap()).unwrap()
}

#[test]
fn defaults_build_and_name_the_services() {
    let s = Signposter::new(SignpostConfig::from_toml_str("").unwrap()).unwrap();
    assert_eq!(s.notice_key(), "searchward_notice");
    let n = s.choose(NoticeKind::Deterrence, Some("en-GB,en;q=0.8"));
    assert_eq!(n.locale, "en");
    assert!(n.message.contains("illegal"));
    assert!(n.links.iter().any(|l| l.id == "stop-it-now-uk"));
    assert_eq!(
        s.link_target("iwf-report"),
        Some("https://report.iwf.org.uk")
    );
    assert_eq!(
        s.link_target("childline"),
        Some("https://www.childline.org.uk")
    );
    let support = s.choose(NoticeKind::Support, None);
    assert!(support.links.iter().any(|l| l.id == "childline"));
}

#[test]
fn locale_and_fallback_table() {
    let s = two_locales();
    let cases: &[(&str, NoticeKind, Option<&str>, &str)] = &[
        ("no header", NoticeKind::Deterrence, None, "en"),
        (
            "german",
            NoticeKind::Deterrence,
            Some("de-DE,de;q=0.9"),
            "de",
        ),
        ("unknown language", NoticeKind::Deterrence, Some("ja"), "en"),
        (
            "german has no support: default locale's",
            NoticeKind::Support,
            Some("de"),
            "en",
        ),
    ];
    for (name, kind, header, want) in cases {
        assert_eq!(s.choose(*kind, *header).locale, *want, "case {name}");
    }
}

#[test]
fn rotation_is_round_robin() {
    let s = two_locales();
    let seen: Vec<String> = (0..6)
        .map(|_| s.choose(NoticeKind::Deterrence, Some("en")).variant)
        .collect();
    assert_eq!(seen, ["en-d1", "en-d2", "en-d3", "en-d1", "en-d2", "en-d3"]);
    // German rotation is independent and has one variant.
    assert_eq!(
        s.choose(NoticeKind::Deterrence, Some("de")).variant,
        "de-d1"
    );
}

#[test]
fn links_go_through_the_counting_redirect_and_follow_region() {
    let s = two_locales();
    let cases: &[(&str, Option<&str>, &[&str])] = &[
        ("uk user", Some("en-GB"), &["help-uk", "report"]),
        ("us user", Some("en-US"), &["help-us", "report"]),
        ("no region", None, &["report"]),
    ];
    for (name, header, want) in cases {
        let n = s.choose(NoticeKind::Deterrence, *header);
        assert_eq!(n.variant, "en-d1", "case {name}: fresh rotation each time");
        let ids: Vec<&str> = n.links.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids, *want, "case {name}");
        // Reset rotation for the next case by taking the other two.
        s.choose(NoticeKind::Deterrence, None);
        s.choose(NoticeKind::Deterrence, None);
    }
    let n = s.choose(NoticeKind::Deterrence, Some("en-GB"));
    assert_eq!(n.links[0].url, "/_searchward/go/help-uk?v=en-d1");
}

#[test]
fn region_filter_never_leaves_a_notice_without_links() {
    let toml_text = TWO_LOCALES.replace(
        "links = [\"report\"]\n[[locales.en.support]]",
        "links = [\"help-uk\"]\n[[locales.en.support]]",
    );
    let s = Signposter::new(SignpostConfig::from_toml_str(&toml_text).unwrap()).unwrap();
    s.choose(NoticeKind::Deterrence, None);
    s.choose(NoticeKind::Deterrence, None);
    let n = s.choose(NoticeKind::Deterrence, Some("en-US"));
    assert_eq!(n.variant, "en-d3");
    assert_eq!(
        n.links.len(),
        1,
        "the UK-only link is shown rather than none"
    );
}

#[test]
fn prefix_and_direct_links_are_configurable() {
    let custom = format!("go_prefix = \"/help/out\"\n{TWO_LOCALES}");
    let s = Signposter::new(SignpostConfig::from_toml_str(&custom).unwrap()).unwrap();
    let n = s.choose(NoticeKind::Support, None);
    assert_eq!(n.links[0].url, "/help/out/report?v=en-s");
    assert_eq!(
        s.redirect("/help/out/report?v=en-s").as_deref(),
        Some("https://report.example.org")
    );

    let direct = format!("count_clicks = false\n{TWO_LOCALES}");
    let s = Signposter::new(SignpostConfig::from_toml_str(&direct).unwrap()).unwrap();
    assert_eq!(
        s.choose(NoticeKind::Support, None).links[0].url,
        "https://report.example.org"
    );
}

#[test]
fn redirect_only_for_configured_ids() {
    let s = two_locales();
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            "configured",
            "/_searchward/go/report?v=en-s",
            Some("https://report.example.org"),
        ),
        (
            "no query",
            "/_searchward/go/report",
            Some("https://report.example.org"),
        ),
        (
            "unknown variant still redirects",
            "/_searchward/go/help-uk?v=zzz",
            Some("https://help.example.org/uk"),
        ),
        ("unknown link", "/_searchward/go/evil?v=en-s", None),
        (
            "url as id",
            "/_searchward/go/https://evil.example?v=en-s",
            None,
        ),
        ("encoded", "/_searchward/go/%72eport", None),
        ("trailing slash", "/_searchward/go/report/", None),
        ("other prefix", "/go/report", None),
        ("prefix only", "/_searchward/go", None),
        ("prefix without slash", "/_searchward/goreport", None),
        ("empty id", "/_searchward/go/?v=en-s", None),
    ];
    for (name, path, want) in cases {
        assert_eq!(s.redirect(path).as_deref(), *want, "case {name}");
    }
    assert_eq!(s.link_target("nope"), None);
}

#[test]
fn counters_and_metrics() {
    let s = two_locales();
    s.choose(NoticeKind::Deterrence, None);
    s.choose(NoticeKind::Deterrence, None);
    s.choose(NoticeKind::Support, None);
    assert!(s.follow("/_searchward/go/report?v=en-d1").is_some());
    assert!(s.follow("/_searchward/go/report?x=1&v=en-d1").is_some());
    assert!(s.record_click("report", "en-s"));
    assert!(
        s.record_click("help-uk", "en-s"),
        "not shown by en-s: unattributed"
    );
    assert!(
        s.follow("/_searchward/go/report").is_some(),
        "no variant: unattributed"
    );
    assert!(!s.record_click("nope", "en-s"));
    assert!(s.follow("/_searchward/go/nope?v=en-s").is_none());

    let counts = s.counts();
    let d1 = counts.iter().find(|c| c.variant == "en-d1").unwrap();
    assert_eq!(d1.shown, 1);
    assert_eq!(
        d1.clicks,
        vec![
            ("help-uk".into(), 0),
            ("help-us".into(), 0),
            ("report".into(), 2)
        ]
    );
    let es = counts.iter().find(|c| c.variant == "en-s").unwrap();
    assert_eq!(
        (es.shown, es.clicks.clone()),
        (1, vec![("report".into(), 1)])
    );

    let mut out = String::new();
    s.render_metrics(&mut out);
    for want in [
        "# TYPE searchward_notice_shown_total counter\n",
        "searchward_notice_shown_total{kind=\"deterrence\",locale=\"en\",variant=\"en-d2\"} 1\n",
        "searchward_notice_shown_total{kind=\"deterrence\",locale=\"de\",variant=\"de-d1\"} 0\n",
        "searchward_notice_clicks_total{kind=\"deterrence\",locale=\"en\",variant=\"en-d1\",link=\"report\"} 2\n",
        "searchward_notice_clicks_total{kind=\"\",locale=\"\",variant=\"\",link=\"help-uk\"} 1\n",
        "searchward_notice_clicks_total{kind=\"\",locale=\"\",variant=\"\",link=\"report\"} 1\n",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
}

#[test]
fn invalid_config_lists_problems() {
    let bad = TWO_LOCALES.replace(
        "links = [\"report\"]\n[[locales.en.support]]",
        "links = [\"x\"]\n[[locales.en.support]]",
    );
    match Signposter::new(SignpostConfig::from_toml_str(&bad).unwrap()) {
        Err(SignpostConfigError::Invalid { problems }) => assert_eq!(
            problems,
            ["signpost.locales.en.deterrence[2].links: unknown link id \"x\""]
        ),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn concurrent_choose_counts_every_notice() {
    let s = std::sync::Arc::new(two_locales());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let s = s.clone();
            std::thread::spawn(move || {
                for _ in 0..300 {
                    s.choose(NoticeKind::Deterrence, Some("en"));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let shown: Vec<u64> = s
        .counts()
        .iter()
        .filter(|c| c.locale == "en" && c.kind == NoticeKind::Deterrence)
        .map(|c| c.shown)
        .collect();
    assert_eq!(shown, [400, 400, 400], "round robin spreads evenly");
}
