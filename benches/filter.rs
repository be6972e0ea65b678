//! Response filtering cost on a ~50 KB Elasticsearch search response, with the shipped synthetic
//! lists compiled into a real snapshot and the proxy's own `PolicyFilter`: a clean response
//! (every hit's URL, hashes and title checked; nothing changes, so the upstream bytes would be
//! forwarded as they are) and one with two listed URLs (delisted, re-serialised). Each iteration
//! checks its answer.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use searchward::config::RouteSpec;
use searchward::engines::{self, RequestView};
use searchward::lists::{HashAlgorithm, ListKind, ListSpec};
use searchward::policy::PolicyFilter;
use searchward::snapshot::Snapshot;
use serde_json::{Value, json};

fn lists() -> Vec<ListSpec> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("lists");
    let mut md5 = ListSpec::from_flag(ListKind::Hashes, root.join("hashes-md5.txt"));
    md5.algorithm = Some(HashAlgorithm::Md5);
    vec![
        ListSpec::from_flag(ListKind::Terms, root.join("terms.txt")),
        ListSpec::from_flag(ListKind::Allow, root.join("allow.txt")),
        ListSpec::from_flag(ListKind::Urls, root.join("urls.txt")),
        md5,
    ]
}

fn response(listed: bool) -> Vec<u8> {
    let hits: Vec<Value> = (0..110)
        .map(|i| {
            let url = match (listed, i) {
                (true, 17) => "https://www.zorvexil-forum.example/t/17".to_owned(),
                (true, 60) => "https://files.example.com/zorvexil/60.zip".to_owned(),
                _ => format!("https://garden-{}.example/page/{i}", i % 7),
            };
            json!({"_index": "pages", "_id": i.to_string(), "_score": 1.0 / (i as f64 + 1.0),
                   "_source": {"url": url, "md5": format!("{:032x}", i * 7919),
                               "title": format!("Garden notes number {i}: sowing, pruning and compost"),
                               "snippet": "An ordinary page about gardens, with a snippet long enough to look like a real search result snippet."}})
        })
        .collect();
    serde_json::to_vec(&json!({
        "took": 3, "timed_out": false,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {"total": {"value": 110, "relation": "eq"}, "max_score": 1.0, "hits": hits}
    }))
    .expect("serialisable")
}

fn route_spec(demote_matching_hits: bool) -> RouteSpec {
    toml::from_str(&format!(
        "name = \"search\"\npath = \"/{{index}}/_search\"\nkind = \"search\"\nengine = \"elasticsearch\"\ndemote_matching_hits = {demote_matching_hits}\nhash_fields = [{{ pointer = \"/_source/md5\", algorithm = \"md5\" }}]\n",
    ))
    .expect("valid route")
}

fn bench(c: &mut Criterion) {
    let snapshot = Snapshot::load(&lists()).expect("shipped lists load");
    let es = engines::build("elasticsearch", None).expect("known adapter");
    let route = route_spec(false);
    let titles = route_spec(true);
    let method = http::Method::GET;
    let req = RequestView {
        method: &method,
        path: "/pages/_search",
        query: Some("q=garden"),
        content_type: None,
        body: b"",
    };
    let clean = response(false);
    let listed = response(true);
    println!(
        "response sizes: clean {} bytes, listed {} bytes",
        clean.len(),
        listed.len()
    );

    let mut g = c.benchmark_group("filter_50kb");
    for (name, spec) in [
        ("clean_unchanged", &route),
        ("clean_unchanged_with_title_checks", &titles),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut f =
                    PolicyFilter::new(&snapshot, spec, es.hit_fields(), None, "searchward_notice");
                let out = es
                    .rewrite(&req, black_box(&clean), &mut f)
                    .expect("valid response");
                assert!(
                    out.is_none(),
                    "a clean response must be forwarded unchanged"
                );
            })
        });
    }
    g.bench_function("two_listed_delisted", |b| {
        b.iter(|| {
            let mut f = PolicyFilter::new(
                &snapshot,
                &route,
                es.hit_fields(),
                None,
                "searchward_notice",
            );
            let out = es
                .rewrite(&req, black_box(&listed), &mut f)
                .expect("valid response")
                .expect("changed");
            assert_eq!(f.listed.len(), 2);
            black_box(out);
        })
    });
    g.bench_function("parse_only_baseline", |b| {
        b.iter(|| {
            let v: Value = serde_json::from_slice(black_box(&clean)).expect("valid JSON");
            assert_eq!(v["hits"]["hits"].as_array().map(Vec::len), Some(110));
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
