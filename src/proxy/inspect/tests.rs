//! Inspected routes driven in-process against a loopback upstream: blocked queries are answered
//! without the upstream, signposted ones are forwarded with the notice added, and forwarded
//! responses are filtered (listed hits delisted, totals reduced).

use bytes::Bytes;
use http::{Request, StatusCode};

use crate::config::{Config, Overrides};
use crate::server::testing::Harness;
use crate::server::testing::upstream::Loopback;

/// Two hits, one of them on a listed URL.
const HITS: &str = r#"{"total":2,"hits":[{"url":"http://listed.example/page","title":"one"},{"url":"http://fine.example/","title":"two"}]}"#;

async fn harness(dir: &std::path::Path, up: &Loopback) -> Harness {
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let blocked = write("blocked.txt", "zorvexil\n");
    let signposted = write("signposted.txt", "quandrith\n");
    let urls = write("urls.txt", "http://listed.example/page\n");
    let text = format!(
        "[upstream]\nurl = \"{}\"\n\
         [[routes]]\nname = \"search\"\npath = \"/search\"\nkind = \"search\"\nengine = \"generic\"\n\
         [routes.generic]\nquery_param = \"q\"\nhits = \"/hits\"\ntotal = \"/total\"\nurl = \"/url\"\ntitle = \"/title\"\n\
         [[lists]]\nname = \"blocked\"\nkind = \"terms\"\npath = \"{blocked}\"\naction = \"block\"\n\
         [[lists]]\nname = \"signposted\"\nkind = \"terms\"\npath = \"{signposted}\"\naction = \"signpost\"\n\
         [[lists]]\nname = \"urls\"\nkind = \"urls\"\npath = \"{urls}\"\neffect = \"delist\"\n",
        up.url()
    );
    let config = Config::parse(&text, None, &Overrides::default()).unwrap();
    let h = Harness::new(config).unwrap();
    h.load_lists().await;
    assert!(h.state().proxy.snapshot.is_ready(), "lists did not load");
    h
}

async fn search(h: &Harness, q: &str) -> (StatusCode, serde_json::Value) {
    let req = Request::get(format!("/search?q={q}"))
        .body(Bytes::new())
        .unwrap();
    let resp = h
        .proxy(req, "192.0.2.9:6000".parse().unwrap())
        .await
        .unwrap();
    let json = serde_json::from_slice(resp.body()).unwrap_or(serde_json::Value::Null);
    (resp.status(), json)
}

#[tokio::test]
async fn blocked_query_is_answered_without_the_upstream() {
    let up = Loopback::start(HITS).await;
    let dir = tempfile::tempdir().unwrap();
    let h = harness(dir.path(), &up).await;
    for q in ["zorvexil", "Z%C3%96RVEXIL", "z.o.r.v.e.x.i.l"] {
        let (status, v) = search(&h, q).await;
        assert_eq!(status, StatusCode::OK, "{q}");
        assert_eq!(v["total"], 0, "{q}: {v}");
        assert_eq!(v["hits"], serde_json::json!([]), "{q}");
        assert_eq!(v["searchward_notice"]["kind"], "deterrence", "{q}");
    }
    assert_eq!(up.requests(), 0, "a blocked query reached the upstream");
}

#[tokio::test]
async fn signposted_query_is_forwarded_with_the_notice() {
    let up = Loopback::start(HITS).await;
    let dir = tempfile::tempdir().unwrap();
    let h = harness(dir.path(), &up).await;
    let (status, v) = search(&h, "quandrith").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(up.requests(), 1, "a signposted query was not forwarded");
    assert!(v.get("searchward_notice").is_some(), "no notice: {v}");
    assert_eq!(v["hits"][0]["url"], "http://fine.example/");
}

#[tokio::test]
async fn forwarded_results_are_filtered() {
    let up = Loopback::start(HITS).await;
    let dir = tempfile::tempdir().unwrap();
    let h = harness(dir.path(), &up).await;
    let (status, v) = search(&h, "garden").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(up.requests(), 1);
    assert!(
        v.get("searchward_notice").is_none(),
        "notice on a clean query: {v}"
    );
    let hits = v["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 1, "listed hit not delisted: {v}");
    assert_eq!(hits[0]["url"], "http://fine.example/");
    assert_eq!(v["total"], 1, "total not reduced: {v}");
}

#[tokio::test]
async fn without_lists_the_answer_is_not_ready_and_the_upstream_is_not_called() {
    let up = Loopback::start(HITS).await;
    let text = format!(
        "[upstream]\nurl = \"{}\"\n\
         [[routes]]\nname = \"search\"\npath = \"/search\"\nkind = \"search\"\nengine = \"generic\"\n\
         [routes.generic]\nquery_param = \"q\"\nhits = \"/hits\"\ntotal = \"/total\"\nurl = \"/url\"\ntitle = \"/title\"\n",
        up.url()
    );
    let config = Config::parse(&text, None, &Overrides::default()).unwrap();
    let h = Harness::new(config).unwrap();
    h.load_lists().await;
    let (status, v) = search(&h, "garden").await;
    assert_eq!(up.requests(), 0, "the upstream was called without lists");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(v["error"], "not_ready", "{v}");
}
