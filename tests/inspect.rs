//! Inspected routes fail closed: oversize requests, unusable upstream responses (garbage,
//! truncated, too big, decompression bombs) and a process without lists all get the route's safe
//! answer, never unevaluated upstream content; clean responses pass byte for byte.

use crate::util::{self, Proxy, Upstream, get, request};

fn config(up: &Upstream, lists: bool) -> String {
    let mut c = format!(
        "[upstream]\nurl = \"{}\"\n[limits]\nmax_request_body = 1024\nmax_response_body = 1048576\nresponse_timeout_ms = 2000\n",
        up.url()
    );
    for (name, path) in [
        ("json", "/json"),
        ("gzip", "/gzip"),
        ("garbage", "/garbage"),
        ("bomb", "/bomb"),
        ("big", "/big"),
        ("echo", "/echo"),
    ] {
        c.push_str(&format!(
            "[[routes]]\nname = \"{name}\"\npath = \"{path}\"\nkind = \"search\"\nengine = \"generic\"\n[routes.generic]\nhits = \"/hits\"\ntotal = \"/total\"\nurl = \"/url\"\ntitle = \"/title\"\n"
        ));
    }
    c.push_str("[[routes]]\nname = \"suggest\"\npath = \"/suggest-garbage\"\nkind = \"suggest\"\nengine = \"opensearch-suggest\"\n");
    if lists {
        c.push_str(&format!(
            "[[lists]]\nname = \"terms\"\nkind = \"terms\"\npath = \"{}\"\n",
            util::root().join("lists/terms.txt").display()
        ));
    }
    c
}

#[test]
fn oversize_inspected_body_is_413_without_contacting_upstream() {
    let up = Upstream::start();
    let p = Proxy::serve(&config(&up, true), &[]);
    let before = up.connections.load(std::sync::atomic::Ordering::SeqCst);
    let r = request(
        p.proxy,
        "POST",
        "/echo",
        &[("content-type", "application/json")],
        &vec![b'x'; 4096],
    );
    assert_eq!(r.status, 413);
    assert_eq!(
        up.connections.load(std::sync::atomic::Ordering::SeqCst),
        before,
        "upstream was contacted"
    );
    // Pass-through routes are not limited.
    let r = request(p.proxy, "POST", "/sink", &[], &vec![b'x'; 4096]);
    assert_eq!(r.status, 200);
}

#[test]
fn unusable_upstream_responses_fail_closed() {
    let up = Upstream::start();
    let p = Proxy::serve(&config(&up, true), &[]);
    for path in ["/garbage?q=garden", "/bomb?q=garden", "/big?q=garden"] {
        let r = get(p.proxy, path, &[]);
        assert_eq!(r.status, 502, "{path}: {}", r.text());
        assert_eq!(r.json()["error"], "upstream_unusable", "{path}");
    }
    // Suggest routes answer with no suggestions instead.
    let r = get(p.proxy, "/suggest-garbage?q=ga", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), serde_json::json!(["ga", []]));
    let m = get(p.admin, "/metrics", &[]).text();
    assert!(
        m.contains("searchward_fail_closed_total{route=\"bomb\",reason=\"upstream_unusable\"} 1"),
        "{m}"
    );
}

#[test]
fn clean_responses_are_forwarded_byte_for_byte() {
    let up = Upstream::start();
    let p = Proxy::serve(&config(&up, true), &[]);
    let r = get(p.proxy, "/json?q=garden", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, util::CLEAN_JSON);
    let r = get(p.proxy, "/gzip?q=garden", &[("accept-encoding", "gzip")]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(r.body, util::gzip(util::CLEAN_JSON).to_vec());
}

#[test]
fn without_lists_inspected_routes_never_reach_upstream() {
    let up = Upstream::start();
    let p = Proxy::serve(&config(&up, false), &[]);
    assert_eq!(get(p.admin, "/readyz", &[]).status, 503);
    let r = get(p.proxy, "/json?q=garden", &[]);
    assert_eq!(r.status, 503);
    let r = get(p.proxy, "/suggest-garbage?q=ga", &[]);
    assert_eq!(r.json(), serde_json::json!(["ga", []]));
    assert_eq!(up.connections.load(std::sync::atomic::Ordering::SeqCst), 0);
}
