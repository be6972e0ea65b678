//! Response filtering cost on ~50 KB Elasticsearch search responses, with the shipped synthetic
//! lists compiled into a real snapshot and the proxy's own `PolicyFilter`. Two honest shapes of
//! about 50 KB each: a typical page (15 hits with a large `_source` and highlights) and many
//! small hits (150). Per shape: filtering off (the body forwarded as it is: a copy), a clean
//! response (every hit's URL, hash and — optionally — title checked; nothing changes, so the
//! upstream bytes are forwarded as they are), one with two listed URLs (delisted), and the same
//! with a support notice injected (a signposted query). Each iteration checks its answer.
//!
//! Before criterion runs, each case is also timed call by call (`SEARCHWARD_FILTER_CALLS`
//! calls, default 2000) and its p50 / p90 / p99 printed, since the filtering goal is stated as a p50.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use searchward::config::RouteSpec;
use searchward::engines::{self, Engine, RequestView};
use searchward::lists::{HashAlgorithm, ListKind, ListSpec};
use searchward::policy::PolicyFilter;
use searchward::signpost::{Notice, NoticeKind, NoticeLink};
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

/// Deterministic filler prose of about `len` bytes (garden words, nothing listed).
fn prose(seed: usize, len: usize) -> String {
    const WORDS: &[&str] = &[
        "garden",
        "compost",
        "pruning",
        "sowing",
        "hedge",
        "lavender",
        "trellis",
        "mulch",
        "seedling",
        "greenhouse",
        "orchard",
        "borders",
        "watering",
        "loam",
        "perennial",
    ];
    let mut out = String::with_capacity(len + 16);
    let mut i = seed;
    while out.len() < len {
        out.push_str(WORDS[i % WORDS.len()]);
        out.push(if i.is_multiple_of(11) { '.' } else { ' ' });
        i = i.wrapping_mul(31).wrapping_add(7);
    }
    out
}

/// The two response shapes of about 50 KB.
#[derive(Clone, Copy)]
enum Shape {
    /// 15 hits, each with a ~2.6 KB body and highlight fragments.
    Page,
    /// 150 hits of about 330 bytes.
    Small,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Page => "page_15_hits",
            Shape::Small => "small_150_hits",
        }
    }

    fn hits(self) -> usize {
        match self {
            Shape::Page => 15,
            Shape::Small => 150,
        }
    }

    /// The response; with `listed`, two hits carry listed URLs.
    fn response(self, listed: bool) -> Vec<u8> {
        let n = self.hits();
        let hits: Vec<Value> = (0..n)
            .map(|i| {
                let url = match (listed, i) {
                    (true, 3) => "https://www.zorvexil-forum.example/t/3".to_owned(),
                    (true, 11) => "https://files.example.com/zorvexil/11.zip".to_owned(),
                    _ => format!("https://garden-{}.example/page/{i}", i % 7),
                };
                let mut source = json!({
                    "url": url,
                    "md5": format!("{:032x}", i * 7919),
                    "title": format!("Garden notes number {i}: sowing, pruning and compost"),
                    "snippet": "An ordinary page about gardens, with a snippet long enough to look like a real search result snippet.",
                });
                let mut hit = json!({"_index": "pages", "_id": i.to_string(), "_score": 1.0 / (i as f64 + 1.0)});
                if let Shape::Page = self {
                    source["body"] = json!(prose(i, 2600));
                    source["tags"] = json!(["garden", "compost", "how-to"]);
                    source["published"] = json!("2026-03-14T09:26:53Z");
                    hit["highlight"] = json!({"body": [
                        format!("the <em>garden</em> {}", prose(i + 1, 90)),
                        format!("a <em>garden</em> {}", prose(i + 2, 90)),
                    ]});
                }
                hit["_source"] = source;
                hit
            })
            .collect();
        serde_json::to_vec(&json!({
            "took": 3, "timed_out": false,
            "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {"total": {"value": n, "relation": "eq"}, "max_score": 1.0, "hits": hits}
        }))
        .expect("serialisable")
    }
}

fn route_spec(demote_matching_hits: bool) -> RouteSpec {
    toml::from_str(&format!(
        "name = \"search\"\npath = \"/{{index}}/_search\"\nkind = \"search\"\nengine = \"elasticsearch\"\ndemote_matching_hits = {demote_matching_hits}\nhash_fields = [{{ pointer = \"/_source/md5\", algorithm = \"md5\" }}]\n",
    ))
    .expect("valid route")
}

/// One measured case: what the proxy does with one response.
struct Case<'a> {
    name: String,
    body: &'a [u8],
    spec: Option<&'a RouteSpec>,
    delisted: usize,
    notice: bool,
}

struct Fixture {
    snapshot: Snapshot,
    notice: Notice,
    es: std::sync::Arc<dyn Engine>,
    method: http::Method,
}

impl Fixture {
    fn req(&self) -> RequestView<'_> {
        RequestView {
            method: &self.method,
            path: "/pages/_search",
            query: Some("q=garden"),
            content_type: None,
            body: b"",
        }
    }

    /// Runs one case once; the answer is checked.
    fn run(&self, case: &Case<'_>) {
        let Some(spec) = case.spec else {
            // Filtering off: the proxy forwards the buffered body (one copy).
            let copy = black_box(case.body).to_vec();
            assert_eq!(copy.len(), case.body.len());
            black_box(copy);
            return;
        };
        let mut f = PolicyFilter::new(
            &self.snapshot,
            spec,
            self.es.hit_fields(),
            case.notice.then(|| self.notice.clone()),
            "searchward_notice",
        )
        .with_engine(&*self.es, &self.req());
        let out = self
            .es
            .rewrite(&self.req(), black_box(case.body), &mut f)
            .expect("valid response");
        assert_eq!(f.listed.len(), case.delisted, "{}", case.name);
        assert_eq!(
            out.is_some(),
            case.delisted > 0 || case.notice,
            "{}",
            case.name
        );
        black_box(out);
    }
}

/// p50 / p90 / p99 of single calls, printed.
fn percentiles(fx: &Fixture, case: &Case<'_>, calls: usize) {
    for _ in 0..calls / 10 {
        fx.run(case);
    }
    let mut times: Vec<u128> = (0..calls)
        .map(|_| {
            let t = Instant::now();
            fx.run(case);
            t.elapsed().as_nanos()
        })
        .collect();
    times.sort_unstable();
    let at = |q: f64| {
        let i = ((times.len() as f64 - 1.0) * q).round() as usize;
        times.get(i).copied().unwrap_or_default() as f64 / 1000.0
    };
    let mean = times.iter().sum::<u128>() as f64 / times.len().max(1) as f64 / 1000.0;
    println!(
        "{:<48} p50 {:>8.1} µs  p90 {:>8.1} µs  p99 {:>8.1} µs  mean {:>8.1} µs",
        case.name,
        at(0.5),
        at(0.9),
        at(0.99),
        mean
    );
}

fn bench(c: &mut Criterion) {
    let fx = Fixture {
        snapshot: Snapshot::load(&lists()).expect("shipped lists load"),
        notice: Notice {
            kind: NoticeKind::Support,
            title: "Synthetic support notice".into(),
            message: "Confidential help is available.".into(),
            links: vec![NoticeLink {
                id: "help".into(),
                label: "Get help".into(),
                url: "/_searchward/go/help".into(),
            }],
            locale: "en-GB".into(),
            variant: "s1".into(),
        },
        es: engines::build("elasticsearch", None).expect("known adapter"),
        method: http::Method::GET,
    };
    let plain = route_spec(false);
    let titles = route_spec(true);
    let shapes = [Shape::Page, Shape::Small];
    let bodies: Vec<(Shape, Vec<u8>, Vec<u8>)> = shapes
        .iter()
        .map(|&s| (s, s.response(false), s.response(true)))
        .collect();
    let mut cases = Vec::new();
    for (shape, clean, listed) in &bodies {
        println!(
            "{}: clean {} bytes, listed {} bytes, {} hits",
            shape.name(),
            clean.len(),
            listed.len(),
            shape.hits()
        );
        for body in [clean, listed] {
            assert!(
                (45_000..=55_000).contains(&body.len()),
                "{} is {} bytes, not about 50 KB",
                shape.name(),
                body.len()
            );
        }
        let case = |what: &str, body: &'static [u8], spec, delisted, notice| Case {
            name: format!("{}/{what}", shape.name()),
            body,
            spec,
            delisted,
            notice,
        };
        // Leaked so that cases can borrow them for the whole run.
        let clean: &'static [u8] = Box::leak(clean.clone().into_boxed_slice());
        let listed: &'static [u8] = Box::leak(listed.clone().into_boxed_slice());
        let plain: &'static RouteSpec = Box::leak(Box::new(plain.clone()));
        let titles: &'static RouteSpec = Box::leak(Box::new(titles.clone()));
        cases.push(case("filtering_off_copy", clean, None, 0, false));
        cases.push(case("clean_unchanged", clean, Some(plain), 0, false));
        cases.push(case("two_listed_delisted", listed, Some(plain), 2, false));
        cases.push(case("two_listed_with_notice", listed, Some(plain), 2, true));
        cases.push(case(
            "clean_with_title_checks",
            clean,
            Some(titles),
            0,
            false,
        ));
    }
    let calls = std::env::var("SEARCHWARD_FILTER_CALLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    println!("single-call timings over {calls} calls:");
    for case in &cases {
        percentiles(&fx, case, calls);
    }

    let mut g = c.benchmark_group("filter_50kb");
    for case in &cases {
        g.bench_function(&case.name, |b| b.iter(|| fx.run(case)));
    }
    for (shape, clean, _) in &bodies {
        g.bench_function(format!("{}/parse_value_only", shape.name()), |b| {
            b.iter(|| {
                let v: Value = serde_json::from_slice(black_box(clean)).expect("valid JSON");
                assert_eq!(
                    v["hits"]["hits"].as_array().map(Vec::len),
                    Some(shape.hits())
                );
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
