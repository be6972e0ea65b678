//! Engine adapter throughput: extracting texts from a nested Elasticsearch query, and rewriting
//! a 100-hit Elasticsearch response and an OpenSearch suggestion list. Each answer is checked in
//! full once before timing, and each timed iteration checks its size against that answer (a cheap
//! check that cannot hide a wrong answer of another size).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use searchward::engines::{
    self, Hit, HitDecision, HitFields, RequestView, ResponseFilter, hit_text,
};
use searchward::signpost::Notice;
use serde_json::{Value, json};

struct Filter {
    fields: HitFields,
}

impl ResponseFilter for Filter {
    fn keep_suggestion(&mut self, text: &str) -> bool {
        !text.contains("zorvexil")
    }
    fn hit_pointers(&self) -> &[String] {
        &self.fields.url
    }
    fn judge_hit(&mut self, hit: &Hit<'_>) -> HitDecision {
        if hit_text(hit, &self.fields.url).is_some_and(|u| u.contains("zorvexil")) {
            HitDecision::Delist
        } else {
            HitDecision::Keep
        }
    }
    fn notice(&self) -> Option<&Notice> {
        None
    }
    fn notice_key(&self) -> &str {
        "searchward_notice"
    }
}

fn es_response(n: usize) -> Vec<u8> {
    let hits: Vec<Value> = (0..n)
        .map(|i| {
            let url = if i % 50 == 7 {
                format!("https://example.org/zorvexil/{i}")
            } else {
                format!("https://example.org/page/{i}")
            };
            json!({"_index": "pages", "_id": i.to_string(), "_score": 1.0,
                   "_source": {"url": url, "title": format!("Velmorik {i}"), "snippet": "A synthetic snippet of some length for the benchmark."}})
        })
        .collect();
    serde_json::to_vec(&json!({
        "took": 3, "timed_out": false,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {"total": {"value": n, "relation": "eq"}, "max_score": 1.0, "hits": hits}
    }))
    .expect("serialisable")
}

fn bench(c: &mut Criterion) {
    let es = engines::build("elasticsearch", None).expect("known adapter");
    let method = http::Method::POST;
    let query_body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/engines/elasticsearch/bool.request.json"
    ))
    .expect("golden request");
    let req = RequestView {
        method: &method,
        path: "/pages/_search",
        query: Some("q=velmorik"),
        content_type: Some("application/json"),
        body: &query_body,
    };
    // 18 texts, and 5 patterns of the queries the engine expands (prefix, wildcard, fuzzy…).
    assert_eq!(es.extract(&req).expect("parses").len(), 23);
    c.bench_function("es_extract_bool_query", |b| {
        b.iter(|| {
            let n = es.extract(black_box(&req)).map(|t| t.len());
            assert_eq!(n.ok(), Some(23));
        })
    });

    let response = es_response(100);
    let check = |out: &[u8]| {
        let v: Value = serde_json::from_slice(out).expect("JSON");
        assert_eq!(v["hits"]["hits"].as_array().map(Vec::len), Some(98));
    };
    let mut filter = Filter {
        fields: es.hit_fields(),
    };
    let rewritten = es
        .rewrite(&req, &response, &mut filter)
        .expect("ok")
        .expect("changed");
    check(&rewritten);
    c.bench_function("es_rewrite_100_hits", |b| {
        b.iter(|| {
            let n = es
                .rewrite(&req, black_box(&response), &mut filter)
                .map(|o| o.map(|v| v.len()));
            assert_eq!(n.ok().flatten(), Some(rewritten.len()));
        })
    });

    let suggest = engines::build("opensearch-suggest", None).expect("known adapter");
    let list: Vec<String> = (0..10)
        .map(|i| {
            if i == 3 {
                "velmorik zorvexil".into()
            } else {
                format!("velmorik {i}")
            }
        })
        .collect();
    let body = serde_json::to_vec(&json!(["velm", list])).expect("serialisable");
    let mut filter = Filter {
        fields: HitFields::default(),
    };
    let out = suggest
        .rewrite(&req, &body, &mut filter)
        .expect("ok")
        .expect("changed");
    let v: Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(v[1].as_array().map(Vec::len), Some(9));
    c.bench_function("opensearch_suggest_rewrite_10", |b| {
        b.iter(|| {
            let n = suggest
                .rewrite(&req, black_box(&body), &mut filter)
                .map(|o| o.map(|v| v.len()));
            assert_eq!(n.ok().flatten(), Some(out.len()));
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
