//! Enforcement through the real binary with the shipped example configs: blocking without
//! calling the upstream, engine-shaped empty answers with the notice, autocomplete stripping,
//! URL delisting, the HTML interstitial, the counting redirect, the indexing guard with evidence,
//! and a list edited on disk taking effect for the next requests.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::util::{self, Proxy, Upstream, get, request};

fn example(name: &str, up: &Upstream, extra: &[&str]) -> Proxy {
    let path = util::root().join("config/examples").join(name);
    let mut cmd = std::process::Command::new(util::bin());
    cmd.arg("serve").arg("--config").arg(path);
    cmd.args([
        "--listen",
        "127.0.0.1:0",
        "--admin-listen",
        "127.0.0.1:0",
        "--upstream",
        &up.url(),
    ])
    .args(extra);
    Proxy::spawn(cmd, tempfile::tempdir().unwrap())
}

#[test]
fn tantivy_blocked_query_is_answered_without_the_upstream() {
    let up = Upstream::start();
    let p = example("tantivy.toml", &up, &[]);
    for q in [
        "zorvexil",
        "watch+z0rv3x1l+online",
        "Z%C3%B6RV%C3%89XIL",
        "z.o.r.v.e.x.i.l",
        "zor%E2%80%8Bvexil",
    ] {
        let r = get(p.proxy, &format!("/api/?q={q}&nhits=10"), &[]);
        assert_eq!(r.status, 200, "{q}");
        let v = r.json();
        assert_eq!(v["num_hits"], 0, "{q}: {v}");
        assert_eq!(v["hits"], serde_json::json!([]), "{q}");
        assert_eq!(v["searchward_notice"]["kind"], "deterrence", "{q}");
        assert!(
            v["searchward_notice"]["links"]
                .as_array()
                .is_some_and(|l| !l.is_empty())
        );
    }
    assert_eq!(
        up.connections.load(Ordering::SeqCst),
        0,
        "a blocked query reached the engine"
    );
    let r = get(p.proxy, "/api/?q=garden&nhits=10", &[]);
    assert_eq!(r.status, 200);
    assert!(r.json().get("searchward_notice").is_none());
}

#[test]
fn listed_urls_are_delisted_and_totals_reduced() {
    let up = Upstream::start();
    let dir = tempfile::tempdir().unwrap();
    let urls = util::write(dir.path(), "extra-urls.txt", "garden.example/tools\n");
    let p = example("tantivy.toml", &up, &["--urls", urls.to_str().unwrap()]);
    let v = get(p.proxy, "/api/?q=garden&nhits=10", &[]).json();
    let got: Vec<&str> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["doc"]["url"][0].as_str().unwrap())
        .collect();
    assert_eq!(got, ["https://garden.example/tips"], "{v}");
    assert_eq!(v["num_hits"], 1);
    let m = get(p.admin, "/metrics", &[]).text();
    assert!(
        m.contains("searchward_hits_filtered_total{list=\"urls\",effect=\"delist\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("searchward_hits_filtered_total{list=\"extra-urls\",effect=\"delist\"} 1"),
        "{m}"
    );
}

#[test]
fn autocomplete_is_stripped_and_flagged_prefixes_get_nothing() {
    let up = Upstream::start();
    let p = example("opensearch-suggest.toml", &up, &[]);
    let v = get(p.proxy, "/suggest?q=garden", &[]).json();
    assert_eq!(
        v,
        serde_json::json!(["garden", ["garden tips", "garden tools"]])
    );
    let before = up.connections.load(Ordering::SeqCst);
    let v = get(p.proxy, "/suggest?q=zorvexil", &[]).json();
    assert_eq!(v, serde_json::json!(["zorvexil", []]));
    assert_eq!(
        up.connections.load(Ordering::SeqCst),
        before,
        "a flagged prefix reached the engine"
    );
}

#[test]
fn html_route_serves_the_interstitial_and_help_links_redirect_through_the_proxy() {
    let up = Upstream::start();
    let p = example("html.toml", &up, &[]);
    let before = up.connections.load(Ordering::SeqCst);
    let r = get(
        p.proxy,
        "/search?q=zorvexil",
        &[("accept-language", "en-GB,en;q=0.8")],
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        up.connections.load(Ordering::SeqCst),
        before,
        "a blocked page query reached the engine"
    );
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    let page = r.text();
    assert!(page.contains("<main"), "not a page");
    for link in [
        "/_searchward/go/stop-it-now-uk",
        "/_searchward/go/iwf-report",
    ] {
        assert!(page.contains(link), "missing {link}");
    }
    let r = get(p.proxy, "/_searchward/go/stop-it-now-uk", &[]);
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("https://www.stopitnow.org.uk"));
    assert_eq!(
        get(p.proxy, "/_searchward/go/https:%2F%2Fevil.example", &[]).status,
        404
    );
    let m = get(p.admin, "/metrics", &[]).text();
    assert!(m.contains("searchward_notice_clicks_total"), "{m}");
}

#[test]
fn indexing_guard_drops_listed_documents_and_records_evidence() {
    let up = Upstream::start();
    let dir = tempfile::tempdir().unwrap();
    let evidence = dir.path().join("evidence.jsonl");
    let config = format!(
        "[upstream]\nurl = \"{}\"\n[[routes]]\nname = \"bulk\"\npath = \"/echo\"\nkind = \"index\"\nengine = \"elasticsearch\"\nurl_fields = [\"/url\"]\nhash_fields = [{{ pointer = \"/md5\", algorithm = \"md5\" }}]\n[[lists]]\nname = \"urls\"\nkind = \"urls\"\npath = \"{}\"\n[[lists]]\nname = \"md5\"\nkind = \"hashes\"\nalgorithm = \"md5\"\npath = \"{}\"\n[evidence]\npath = \"{}\"\nheaders = [\"x-uploader-id\"]\n",
        up.url(),
        util::root().join("lists/urls.txt").display(),
        util::root().join("lists/hashes-md5.txt").display(),
        evidence.display()
    );
    let p = Proxy::serve(&config, &[]);
    let bulk = concat!(
        "{\"index\":{\"_index\":\"pages\",\"_id\":\"1\"}}\n{\"url\":\"https://garden.example/a\",\"title\":\"ok\"}\n",
        "{\"index\":{\"_index\":\"pages\",\"_id\":\"2\"}}\n{\"url\":\"https://www.zorvexil-forum.example/t/9\",\"title\":\"listed url\"}\n",
        "{\"index\":{\"_index\":\"pages\",\"_id\":\"3\"}}\n{\"url\":\"https://garden.example/c\",\"md5\":\"3dbcfd15b317557b3d3f9b5c78d7cc18\"}\n",
        "{\"index\":{\"_index\":\"pages\",\"_id\":\"4\"}}\n{\"url\":\"https://garden.example/d\",\"title\":\"ok\"}\n",
    );
    let r = request(
        p.proxy,
        "POST",
        "/echo",
        &[
            ("content-type", "application/x-ndjson"),
            ("x-uploader-id", "uploader-77"),
        ],
        bulk.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let received = r.json()["body"].as_str().unwrap().to_owned();
    assert!(
        received.contains("garden.example/a") && received.contains("garden.example/d"),
        "{received}"
    );
    assert!(
        !received.contains("zorvexil-forum"),
        "listed URL reached the index: {received}"
    );
    assert!(
        !received.contains("3dbcfd15"),
        "listed hash reached the index: {received}"
    );
    assert_eq!(r.header("x-searchward-refused"), Some("1,2"));
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&evidence)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2, "{records:?}");
    assert!(
        records
            .iter()
            .all(|r| r["stage"] == "index" && r["headers"]["x-uploader-id"] == "uploader-77")
    );
    assert!(
        records
            .iter()
            .any(|r| r["kind"] == "url" && r["url"] == "https://www.zorvexil-forum.example/t/9")
    );
    assert!(records.iter().any(|r| r["kind"] == "hash"
        && r["hash"] == "3dbcfd15b317557b3d3f9b5c78d7cc18"
        && r["algorithm"] == "md5"));
}

#[test]
fn indexing_guard_drops_listed_csv_rows_and_refuses_malformed_bodies() {
    let up = Upstream::start();
    let config = format!(
        "[upstream]\nurl = \"{}\"\n[[routes]]\nname = \"docs\"\npath = \"/echo\"\nkind = \"index\"\nengine = \"meilisearch\"\n[[lists]]\nname = \"urls\"\nkind = \"urls\"\npath = \"{}\"\n",
        up.url(),
        util::root().join("lists/urls.txt").display(),
    );
    let p = Proxy::serve(&config, &[]);
    let csv = concat!(
        "id:number;url;title\r\n",
        "1;https://garden.example/a;\"Quillfeather; Ada\"\r\n",
        "2;https://zorvexil-forum.example/t/9;\"two\r\nlines\"\r\n",
        "3;https://garden.example/c;\"say \"\"hi\"\"\"\r\n",
    );
    let r = request(
        p.proxy,
        "POST",
        "/echo?csvDelimiter=%3B",
        &[("content-type", "text/csv")],
        csv.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let received = r.json()["body"].as_str().unwrap().to_owned();
    let want = "id:number;url;title\r\n1;https://garden.example/a;\"Quillfeather; Ada\"\r\n3;https://garden.example/c;\"say \"\"hi\"\"\"\r\n";
    assert_eq!(received, want);
    assert_eq!(r.header("x-searchward-refused"), Some("1"));
    // A row a lenient reader could split two ways never reaches the index.
    let bad = "id,url\n1,https://garden.example/a\"x\n";
    let r = request(
        p.proxy,
        "POST",
        "/echo",
        &[("content-type", "text/csv")],
        bad.as_bytes(),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        r.json().get("body").is_none(),
        "the malformed body reached the upstream: {}",
        r.text()
    );
}

#[test]
fn a_term_added_on_disk_comes_into_force_and_a_broken_rewrite_is_refused() {
    let up = Upstream::start();
    let dir = tempfile::tempdir().unwrap();
    let held = util::write(dir.path(), "held.txt", "# synthetic\nbrindlequoft\n");
    let p = example("tantivy.toml", &up, &["--terms", held.to_str().unwrap()]);
    let blocked = |q: &str| {
        get(p.proxy, &format!("/api/?q={q}"), &[])
            .json()
            .get("searchward_notice")
            .is_some()
    };
    let errors = || util::metric(p.admin, "searchward_list_reloads_total{result=\"error\"}");
    assert!(blocked("brindlequoft"));
    assert!(!blocked("snorvantic"));
    // Replace by rename, as editors do. (How fast is measured by the soak bench, not here.)
    let tmp = dir.path().join(".held.tmp");
    std::fs::write(&tmp, "# synthetic\nbrindlequoft\nsnorvantic\n").unwrap();
    std::fs::rename(&tmp, &held).unwrap();
    util::wait_for("the new entry in force", || blocked("snorvantic"));
    let errors_before = errors().unwrap_or(0.0);
    // Invalid UTF-8: the reload is attempted and refused, and the previous entries stay.
    std::fs::write(&held, b"brindlequoft\n\xff\n").unwrap();
    util::wait_for("the broken list refused", || {
        errors().unwrap_or(0.0) > errors_before
    });
    assert!(blocked("snorvantic"), "a broken list replaced the good one");
    assert!(blocked("brindlequoft"));
}

#[test]
fn stale_lists_are_reported_and_can_fail_closed() {
    let up = Upstream::start();
    let dir = tempfile::tempdir().unwrap();
    let list = util::write(dir.path(), "old.txt", "# synthetic\nbrindlequoft\n");
    let two_hours_ago = std::time::SystemTime::now() - Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&list)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();
    let config = |fail_closed: bool| {
        format!(
            "[upstream]\nurl = \"{}\"\n[reload]\nfail_closed_when_stale = {fail_closed}\n[[routes]]\nname = \"search\"\npath = \"/api*\"\nkind = \"search\"\nengine = \"generic\"\n[routes.generic]\nhits = \"/hits\"\ntotal = \"/num_hits\"\nurl = \"/doc/url/0\"\n[[lists]]\nname = \"old\"\nkind = \"terms\"\npath = \"{}\"\nmax_age = \"1h\"\n",
            up.url(),
            list.display()
        )
    };
    let p = Proxy::serve(&config(false), &[]);
    assert!(
        get(p.admin, "/metrics", &[])
            .text()
            .contains("searchward_list_stale{list=\"old\"} 1")
    );
    let v = get(p.proxy, "/api/?q=garden", &[]).json();
    assert_eq!(
        v["num_hits"], 3,
        "stale lists keep being enforced by default: {v}"
    );
    drop(p);
    let p = Proxy::serve(&config(true), &[]);
    let v = get(p.proxy, "/api/?q=garden", &[]).json();
    assert_eq!(v["num_hits"], 0, "{v}");
    assert_eq!(v["searchward_notice"]["kind"], "support");
}
