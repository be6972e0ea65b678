//! Table-driven tests of the indexing guard over every adapter: documents found, bodies rebuilt
//! (golden files in `testdata/engines/indexing/`), malformed and unsupported requests, and a
//! property: re-reading a filtered body gives exactly the kept documents.

use std::path::PathBuf;

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::engines::generic::GenericOptions;
use crate::engines::{Engine, EngineError, RequestView, build};

/// A request to an indexing endpoint.
struct Req {
    engine: &'static str,
    method: http::Method,
    path: &'static str,
    query: Option<&'static str>,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

impl Req {
    fn post(
        engine: &'static str,
        path: &'static str,
        ct: &'static str,
        body: impl Into<Vec<u8>>,
    ) -> Self {
        Self {
            engine,
            method: http::Method::POST,
            path,
            query: None,
            content_type: (!ct.is_empty()).then_some(ct),
            body: body.into(),
        }
    }
    fn query(mut self, q: &'static str) -> Self {
        self.query = Some(q);
        self
    }
    fn method(mut self, m: http::Method) -> Self {
        self.method = m;
        self
    }
    fn view(&self) -> RequestView<'_> {
        RequestView {
            method: &self.method,
            path: self.path,
            query: self.query,
            content_type: self.content_type,
            body: &self.body,
        }
    }
    fn adapter(&self) -> std::sync::Arc<dyn Engine> {
        engine(self.engine)
    }
    fn documents(&self) -> Result<Vec<Value>, EngineError> {
        self.adapter().documents(&self.view())
    }
    fn filter(&self, keep: &[bool]) -> Result<Vec<u8>, EngineError> {
        self.adapter().filter_documents(&self.view(), keep)
    }
}

fn engine(name: &str) -> std::sync::Arc<dyn Engine> {
    let (name, documents) = match name {
        "generic-nested" => ("generic", Some("/batch/docs")),
        "generic-root" => ("generic", Some("")),
        other => (other, None),
    };
    let opts = GenericOptions {
        documents: documents.map(str::to_owned),
        ..Default::default()
    };
    build(name, Some(&opts)).unwrap()
}

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/engines/indexing")
        .join(name)
}

fn input(name: &str) -> Vec<u8> {
    std::fs::read(path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Compares bytes with a golden file. With `SEARCHWARD_BLESS=1` a golden file that differs is
/// rewritten and the test still fails (naming the file): a blessing run never passes unchecked.
fn assert_golden(name: &str, actual: &[u8]) {
    let expected = std::fs::read(path(name)).unwrap_or_default();
    if expected == actual {
        return;
    }
    if std::env::var_os("SEARCHWARD_BLESS").is_some() {
        std::fs::write(path(name), actual).unwrap();
        panic!("{name}: golden file rewritten; review the diff and rerun without SEARCHWARD_BLESS");
    }
    assert_eq!(
        String::from_utf8_lossy(actual),
        String::from_utf8_lossy(&expected),
        "{name}"
    );
}

/// The request for each input file.
fn request(file: &str) -> Req {
    let body = input(file);
    match file {
        "es-bulk.ndjson" => Req::post("elasticsearch", "/_bulk", "application/x-ndjson", body),
        "es-bulk-crlf.ndjson" => Req::post("opensearch", "/pages/_bulk", "application/json", body),
        "meili-docs.json" => Req::post(
            "meilisearch",
            "/indexes/pages/documents",
            "application/json",
            body,
        ),
        "meili-docs.ndjson" => Req::post(
            "meilisearch",
            "/indexes/pages/documents",
            "application/x-ndjson",
            body,
        ),
        "meili-docs.csv" => Req::post(
            "meilisearch",
            "/indexes/pages/documents",
            "text/csv; charset=utf-8",
            body,
        ),
        "meili-semicolon.csv" => {
            Req::post("meilisearch", "/indexes/pages/documents", "text/csv", body)
                .query("csvDelimiter=%3B")
        }
        "solr-commands.json" => Req::post("solr", "/solr/pages/update", "application/json", body),
        "solr-array.json" => Req::post("solr", "/solr/pages/update/json/docs", "", body),
        "typesense-import.jsonl" => Req::post(
            "typesense",
            "/collections/pages/documents/import",
            "text/plain",
            body,
        )
        .query("action=upsert"),
        "generic-nested.json" => Req::post("generic-nested", "/ingest", "application/json", body),
        other => panic!("no request for {other}"),
    }
}

const G: &str = "https://garden.example/";
const Z: &str = "https://zorvexil.example/";

#[test]
fn documents_of_each_body() {
    let cases: &[(&str, &[&str])] = &[
        ("es-bulk.ndjson", &["a", "!b", "c", "d"]),
        ("es-bulk-crlf.ndjson", &["a", "-", "u", "z"]),
        ("meili-docs.json", &["a", "!b", "c"]),
        ("meili-docs.ndjson", &["a", "!b", "c"]),
        ("meili-docs.csv", &["a", "!b", "c", "d"]),
        ("meili-semicolon.csv", &["a", "!b"]),
        ("solr-commands.json", &["a", "!b", "c", "!d"]),
        ("solr-array.json", &["a", "!b", "c"]),
        ("typesense-import.jsonl", &["a", "!b", "c"]),
        ("generic-nested.json", &["a", "!b", "c"]),
    ];
    for (file, want) in cases {
        let docs = request(file)
            .documents()
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let urls: Vec<String> = docs
            .iter()
            .map(|d| match d.get("url").and_then(Value::as_str) {
                Some(u) if u.starts_with(G) => u.trim_start_matches(G).to_owned(),
                Some(u) if u.starts_with(Z) => format!("!{}", u.trim_start_matches(Z)),
                Some(u) => panic!("{file}: unexpected {u}"),
                None => "-".to_owned(),
            })
            .collect();
        assert_eq!(urls, *want, "{file}");
        let all = vec![true; docs.len()];
        assert_eq!(
            request(file).filter(&all).unwrap(),
            input(file),
            "{file}: keep all is unchanged"
        );
    }
}

#[test]
fn csv_documents_are_header_to_cell() {
    let docs = request("meili-docs.csv").documents().unwrap();
    assert_eq!(
        docs,
        vec![
            json!({"id": "1", "url": format!("{G}a"), "title": "Quillfeather, Ada"}),
            json!({"id": "2", "url": format!("{Z}b"), "title": "two\r\nlines"}),
            json!({"id": "3", "url": format!("{G}c"), "title": "say \"velmorik\""}),
            json!({"id": "4", "url": format!("{G}d"), "title": ""}),
        ]
    );
}

#[test]
#[rustfmt::skip]
fn filtered_bodies_match_golden_files() {
    let cases: &[(&str, &str, &[bool])] = &[
        ("es-bulk.ndjson", "es-bulk.drop-listed.out", &[true, false, true, true]),
        ("es-bulk.ndjson", "es-bulk.drop-all.out", &[false, false, false, false]),
        ("es-bulk.ndjson", "es-bulk.drop-last.out", &[true, true, true, false]),
        ("es-bulk-crlf.ndjson", "es-bulk-crlf.drop-upsert.out", &[true, true, false, true]),
        ("meili-docs.json", "meili-docs.json.drop-middle.out", &[true, false, true]),
        ("meili-docs.json", "meili-docs.json.drop-all.out", &[false, false, false]),
        ("meili-docs.ndjson", "meili-docs.ndjson.drop-middle.out", &[true, false, true]),
        ("meili-docs.csv", "meili-docs.csv.drop-listed.out", &[true, false, true, true]),
        ("meili-docs.csv", "meili-docs.csv.drop-first.out", &[false, true, true, true]),
        ("meili-docs.csv", "meili-docs.csv.drop-all.out", &[false, false, false, false]),
        ("meili-semicolon.csv", "meili-semicolon.csv.drop-last.out", &[true, false]),
        ("solr-commands.json", "solr-commands.drop-listed.out", &[true, false, true, false]),
        ("solr-array.json", "solr-array.drop-middle.out", &[true, false, true]),
        ("typesense-import.jsonl", "typesense-import.drop-middle.out", &[true, false, true]),
        ("generic-nested.json", "generic-nested.drop-middle.out", &[true, false, true]),
    ];
    for (file, golden, keep) in cases {
        let out = request(file).filter(keep).unwrap_or_else(|e| panic!("{golden}: {e}"));
        assert_golden(golden, &out);
    }
}

#[derive(Debug, PartialEq)]
enum Want {
    Malformed,
    Unsupported,
}

#[test]
#[rustfmt::skip]
fn unreadable_requests_fail_closed() {
    use Want::*;
    let nd = "application/x-ndjson";
    let js = "application/json";
    let docs = "/indexes/p/documents";
    let cases: Vec<(&str, Req, Want)> = vec![
        ("es action without source", Req::post("elasticsearch", "/_bulk", nd, "{\"index\":{}}\n"), Malformed),
        ("es unknown action", Req::post("elasticsearch", "/_bulk", nd, "{\"upsert\":{}}\n{}\n"), Malformed),
        ("es two actions on a line", Req::post("elasticsearch", "/_bulk", nd, "{\"index\":{},\"delete\":{}}\n{}\n"), Malformed),
        ("es source not an object", Req::post("elasticsearch", "/_bulk", nd, "{\"index\":{}}\n[1]\n"), Malformed),
        ("es blank source line", Req::post("elasticsearch", "/_bulk", nd, "{\"index\":{}}\n\n{\"url\":\"x\"}\n"), Malformed),
        ("es repeated key", Req::post("elasticsearch", "/_bulk", nd, format!("{{\"index\":{{}}}}\n{{\"url\":\"{G}a\",\"url\":\"{Z}b\"}}\n")), Malformed),
        ("es update without doc", Req::post("elasticsearch", "/_bulk", nd, "{\"update\":{}}\n{\"detect_noop\":true}\n"), Malformed),
        ("es scripted bulk update", Req::post("elasticsearch", "/_bulk", nd, "{\"update\":{}}\n{\"script\":{\"source\":\"x\"},\"upsert\":{}}\n"), Unsupported),
        ("es scripted update", Req::post("elasticsearch", "/p/_update/1", js, "{\"script\":\"x\"}"), Unsupported),
        ("es update by query", Req::post("elasticsearch", "/p/_update_by_query", js, "{}"), Unsupported),
        ("es json on an unknown path", Req::post("elasticsearch", "/p/_search", js, "{}"), Unsupported),
        ("es _doc with an array", Req::post("elasticsearch", "/p/_doc", js, "[{}]"), Malformed),
        ("es gzip body", Req::post("elasticsearch", "/_bulk", nd, vec![0x1f, 0x8b, 8, 0, 0, 0]), Malformed),
        ("meili without content type", Req::post("meilisearch", docs, "", "[]"), Unsupported),
        ("meili edit function", Req::post("meilisearch", "/indexes/p/documents/edit", js, "{}"), Unsupported),
        ("meili trailing garbage", Req::post("meilisearch", docs, js, "[{}] x"), Malformed),
        ("meili array of numbers", Req::post("meilisearch", docs, js, "[1,2]"), Malformed),
        ("meili ndjson bad line", Req::post("meilisearch", docs, nd, "{}\n{\n"), Malformed),
        ("meili csv quote in field", Req::post("meilisearch", docs, "text/csv", "id,url\n1,a\"b\n"), Malformed),
        ("meili csv field count", Req::post("meilisearch", docs, "text/csv", "id,url\n1\n"), Malformed),
        ("meili csv repeated header", Req::post("meilisearch", docs, "text/csv", "url,url:string\n1,2\n"), Malformed),
        ("meili csv bad delimiter", Req::post("meilisearch", docs, "text/csv", "id\n1\n").query("csvDelimiter=ab"), Malformed),
        ("solr not a command", Req::post("solr", "/solr/p/update", js, "{\"id\":\"1\"}"), Malformed),
        ("solr add without doc", Req::post("solr", "/solr/p/update", js, "{\"add\":{\"id\":\"1\"}}"), Malformed),
        ("solr xml", Req::post("solr", "/solr/p/update", "application/xml", "<add/>"), Unsupported),
        ("solr stream.body", Req::post("solr", "/solr/p/update", js, "").query("stream.body=%5B%5D"), Unsupported),
        ("solr command off, mapped", Req::post("solr", "/solr/p/update", js, "{}").query("json.command=false&f=url:/link"), Unsupported),
        ("solr field mapping", Req::post("solr", "/solr/p/update/json/docs", js, "{}").query("split=/a&f=url:/link"), Unsupported),
        ("typesense bad line", Req::post("typesense", "/collections/c/documents/import", "text/plain", "{}\nnope\n"), Malformed),
        ("typesense unknown path", Req::post("typesense", "/keys", js, "{}"), Unsupported),
        ("generic without option", Req::post("generic", "/ingest", js, "[]"), Unsupported),
        ("generic pointer missing", Req::post("generic-nested", "/ingest", js, "{\"batch\":{}}"), Malformed),
        ("generic pointer repeated", Req::post("generic-nested", "/ingest", js, "{\"batch\":{\"docs\":[]},\"batch\":{\"docs\":[]}}"), Malformed),
        ("generic not an array", Req::post("generic-nested", "/ingest", js, "{\"batch\":{\"docs\":{}}}"), Malformed),
    ];
    for (name, req, want) in cases {
        let got = match req.documents() {
            Err(EngineError::Malformed { .. }) => Malformed,
            Err(EngineError::Unsupported(_)) => Unsupported,
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(got, want, "{name}");
        assert!(req.filter(&[]).is_err(), "{name}: filter");
    }
}

#[test]
#[rustfmt::skip]
fn requests_without_documents_pass_unchanged() {
    let cases = vec![
        ("es delete", Req::post("elasticsearch", "/p/_doc/1", "", "").method(http::Method::DELETE)),
        ("es empty body", Req::post("elasticsearch", "/_bulk", "application/x-ndjson", "\n")),
        ("es only deletes", Req::post("elasticsearch", "/_bulk", "application/x-ndjson", "{\"delete\":{\"_id\":\"1\"}}\n")),
        ("meili delete batch", Req::post("meilisearch", "/indexes/p/documents/delete-batch", "application/json", "[1,2]")),
        ("meili delete all", Req::post("meilisearch", "/indexes/p/documents", "", "").method(http::Method::DELETE)),
        ("solr delete", Req::post("solr", "/solr/p/update", "application/json", "{\"delete\":{\"query\":\"*:*\"},\"commit\":{}}")),
        ("generic empty array", Req::post("generic-root", "/ingest", "application/json", " [ ] ")),
    ];
    for (name, req) in cases {
        assert_eq!(req.documents().unwrap(), Vec::<Value>::new(), "{name}");
        assert_eq!(req.filter(&[]).unwrap(), req.body, "{name}");
    }
}

#[test]
#[rustfmt::skip]
fn single_document_requests() {
    let js = "application/json";
    let update = format!("{{\"doc\":{{\"title\":\"t\"}},\"upsert\":{{\"url\":\"{Z}b\"}}}}");
    let cases = vec![
        ("es _doc", Req::post("elasticsearch", "/p/_doc/1", js, format!("{{\"url\":\"{G}a\"}}")), 1),
        ("es _create", Req::post("elasticsearch", "/p/_create/1", js, format!("{{\"url\":\"{G}a\"}}")), 1),
        ("es _update", Req::post("elasticsearch", "/p/_update/1", js, update), 2),
        ("meili one object", Req::post("meilisearch", "/indexes/p/documents", js, "{\"id\":1}"), 1),
        ("solr json.command=false", Req::post("solr", "/solr/p/update", js, "{\"add\":\"1\"}").query("json.command=false"), 1),
        ("solr json docs object", Req::post("solr", "/solr/p/update/json/docs", js, "{\"id\":\"1\"}"), 1),
        ("typesense document", Req::post("typesense", "/collections/c/documents", js, "{\"id\":\"1\"}"), 1),
        ("typesense patch", Req::post("typesense", "/collections/c/documents/1", js, "{\"id\":\"1\"}").method(http::Method::PATCH), 1),
    ];
    for (name, req, n) in cases {
        assert_eq!(req.documents().unwrap().len(), n, "{name}");
        assert_eq!(req.filter(&vec![true; n]).unwrap(), req.body, "{name}");
        // Part of one request cannot be cut out: the proxy fails closed.
        if n > 1 {
            let mut some = vec![true; n];
            some[n - 1] = false;
            assert!(matches!(req.filter(&some), Err(EngineError::Unsupported(_))), "{name}");
        }
    }
}

#[test]
fn solr_atomic_updates_and_child_documents_are_checked() {
    let body = format!(
        r#"{{"add": {{"doc": {{"id": "1", "url": {{"set": "{G}a"}}, "_childDocuments_": [{{"id": "1.1", "url": "{Z}b"}}]}}}},
            "add": {{"doc": {{"id": "2", "url": "{G}c", "reply": {{"id": "2.1", "url": "{G}d"}}, "pages": [{{"id": "2.2", "url": "{Z}e"}}]}}}},
            "add": {{"doc": {{"id": "3", "url": "{G}f"}}}}}}"#
    );
    let req = Req::post("solr", "/solr/p/update", "application/json", body);
    let docs = req.documents().unwrap();
    let urls: Vec<&str> = docs.iter().map(|d| d["url"].as_str().unwrap()).collect();
    let want = [
        format!("{G}a"),
        format!("{Z}b"),
        format!("{G}c"),
        format!("{G}d"),
        format!("{Z}e"),
        format!("{G}f"),
    ];
    assert_eq!(urls, want);
    // A listed child takes its parent's whole add command with it.
    let out = req.filter(&[true, true, true, true, false, true]).unwrap();
    let again = Req { body: out, ..req };
    let ids: Vec<Value> = again
        .documents()
        .unwrap()
        .iter()
        .map(|d| d["id"].clone())
        .collect();
    assert_eq!(ids, ["1", "1.1", "3"]);
}

#[test]
fn keep_flags_must_match_the_documents() {
    let req = request("meili-docs.json");
    assert!(matches!(
        req.filter(&[true, false]),
        Err(EngineError::Shape(_))
    ));
}

/// One document of the property test: a URL slug, a title with CSV-hostile characters, and
/// whether an ES delete action precedes it.
fn doc_strategy() -> impl Strategy<Value = (String, String, bool)> {
    ("[a-z]{1,6}", "[a-z ,;\"\n]{0,8}", any::<bool>())
}

fn bodies(docs: &[(String, String, bool)]) -> Vec<Req> {
    let values: Vec<Value> = docs
        .iter()
        .map(|(slug, title, _)| json!({"url": format!("{G}{slug}"), "title": title}))
        .collect();
    let line = |v: &Value| v.to_string();
    let mut bulk = String::new();
    for ((_, _, delete), v) in docs.iter().zip(&values) {
        if *delete {
            bulk.push_str("{\"delete\":{\"_id\":\"x\"}}\n");
        }
        bulk.push_str("{\"index\":{}}\n");
        bulk.push_str(&line(v));
        bulk.push('\n');
    }
    let ndjson: String = values.iter().map(|v| line(v) + "\n").collect();
    let array = serde_json::to_string_pretty(&values).unwrap();
    let mut csv = String::from("url,title\r\n");
    for (slug, title, _) in docs {
        csv.push_str(&format!("{G}{slug},\"{}\"\r\n", title.replace('"', "\"\"")));
    }
    let mut commands: Vec<String> = values
        .iter()
        .map(|v| format!("\"add\":{{\"doc\":{v}}}"))
        .collect();
    commands.push("\"commit\":{}".to_owned());
    let solr = format!("{{{}}}", commands.join(","));
    vec![
        Req::post("elasticsearch", "/_bulk", "application/x-ndjson", bulk),
        Req::post("typesense", "/collections/c/documents/import", "", ndjson),
        Req::post(
            "meilisearch",
            "/indexes/p/documents",
            "application/json",
            array.clone(),
        ),
        Req::post("meilisearch", "/indexes/p/documents", "text/csv", csv),
        Req::post("solr", "/solr/p/update", "application/json", solr),
        Req::post("generic-root", "/ingest", "application/json", array),
    ]
}

proptest! {
    /// Reading a filtered body back gives exactly the kept documents, in order, for every format.
    #[test]
    fn filtered_bodies_hold_exactly_the_kept_documents(
        docs in proptest::collection::vec(doc_strategy(), 0..8),
        mask in proptest::collection::vec(any::<bool>(), 8),
    ) {
        let keep = &mask[..docs.len()];
        for req in bodies(&docs) {
            let all = req.documents().unwrap();
            prop_assert_eq!(all.len(), docs.len());
            let out = req.filter(keep).unwrap();
            let again = Req { body: out, ..req };
            let kept: Vec<Value> = all.into_iter().zip(keep).filter(|(_, k)| **k).map(|(d, _)| d).collect();
            prop_assert_eq!(again.documents().unwrap(), kept, "{}", again.engine);
        }
    }

    /// Arbitrary bytes never panic the indexing parsers.
    #[test]
    fn arbitrary_bodies_do_not_panic(body in proptest::collection::vec(any::<u8>(), 0..96)) {
        for file in ["es-bulk.ndjson", "meili-docs.json", "meili-docs.csv", "solr-commands.json", "typesense-import.jsonl", "generic-nested.json"] {
            let req = Req { body: body.clone(), ..request(file) };
            if let Ok(docs) = req.documents() {
                let _ = req.filter(&vec![false; docs.len()]);
            }
        }
    }
}
