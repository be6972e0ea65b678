//! Fuzz entry points for the engine adapters: extraction from requests, rewriting of responses.

use std::sync::OnceLock;

use crate::engines::{self, Engine, Hit, HitDecision, RequestView, ResponseFilter};
use crate::signpost::{Notice, NoticeKind};

use super::LISTED;

// === engine adapters ===

/// The adapters, and paths each serves (index = selector).
fn adapter(sel: u8) -> (&'static dyn Engine, &'static [&'static str]) {
    static ENGINES: OnceLock<Vec<std::sync::Arc<dyn Engine>>> = OnceLock::new();
    let engines = ENGINES.get_or_init(|| {
        let generic: engines::generic::GenericOptions = toml::from_str(
            r#"
            hits = "/results"
            total = "/number_of_results"
            url = "/url"
            title = "/title"
            snippet = "/content"
            suggestions = "/suggestions"
            related = ["/corrections"]
            documents = ""
            "#,
        )
        .expect("generic options");
        engines::NAMES
            .iter()
            .map(|n| engines::build(n, Some(&generic)).expect("adapter builds"))
            .collect()
    });
    const PATHS: &[&[&str]] = &[
        &[
            "/pages/_search",
            "/_msearch",
            "/pages/_search/template",
            "/_bulk",
        ],
        &[
            "/pages/_search",
            "/_msearch",
            "/pages/_search/template",
            "/_bulk",
        ],
        &[
            "/indexes/movies/search",
            "/multi-search",
            "/indexes/movies/documents",
        ],
        &[
            "/solr/pages/select",
            "/solr/pages/query",
            "/solr/pages/suggest",
            "/solr/pages/update",
        ],
        &[
            "/collections/pages/documents/search",
            "/multi_search",
            "/collections/pages/documents/import",
        ],
        &["/suggest"],
        &["/search"],
        &["/search"],
    ];
    let i = usize::from(sel) % engines.len();
    (engines[i].as_ref(), PATHS[i % PATHS.len()])
}

/// An owned request built from the fuzzer's bytes: `[engine, mode, rest…]`.
struct FuzzRequest {
    method: http::Method,
    path: &'static str,
    query: Option<String>,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

impl FuzzRequest {
    fn new(paths: &[&'static str], mode: u8, rest: &[u8]) -> FuzzRequest {
        let path = paths[usize::from(mode >> 4) % paths.len()];
        let content_type = match (mode >> 2) & 3 {
            0 => None,
            1 => Some("application/json"),
            2 => Some("application/x-ndjson"),
            _ => Some("application/x-www-form-urlencoded"),
        };
        if mode & 1 == 0 {
            FuzzRequest {
                method: http::Method::GET,
                path,
                query: Some(String::from_utf8_lossy(rest).into_owned()),
                content_type,
                body: Vec::new(),
            }
        } else {
            FuzzRequest {
                method: http::Method::POST,
                path,
                query: (mode & 2 != 0).then(|| "q=velmorik".to_owned()),
                content_type,
                body: rest.to_vec(),
            }
        }
    }

    fn view(&self) -> RequestView<'_> {
        RequestView {
            method: &self.method,
            path: self.path,
            query: self.query.as_deref(),
            content_type: self.content_type,
            body: &self.body,
        }
    }
}

fn notice() -> Notice {
    Notice {
        kind: NoticeKind::Deterrence,
        title: "Fuzz notice".into(),
        message: "Synthetic notice text.".into(),
        links: Vec::new(),
        locale: "en-GB".into(),
        variant: "f1".into(),
    }
}

/// Extracting the user texts, shaping blocked and empty answers and reading indexing bodies
/// never panic, whatever the request.
pub fn engine_extract(data: &[u8]) {
    let [sel, mode, rest @ ..] = data else {
        return;
    };
    let (engine, paths) = adapter(*sel);
    let req = FuzzRequest::new(paths, *mode, rest);
    let view = req.view();
    let _ = engine.extract(&view);
    let _ = engine.hides_fields(&view);
    let _ = engine.blocked(&view, &notice(), "searchward_notice");
    let _ = engine.empty_suggestions(&view);
    if let Ok(docs) = engine.documents(&view) {
        let keep: Vec<bool> = (0..docs.len()).map(|i| i % 2 == 0).collect();
        let _ = engine.filter_documents(&view, &keep);
    }
}

/// Delists hits and drops suggestions that mention [`LISTED`]; in `check` mode, any such item
/// it is still shown is a leak.
struct ListedFilter {
    pointers: Vec<String>,
    notice: Option<Notice>,
    check: bool,
    leaks: Vec<String>,
}

impl ListedFilter {
    fn new(engine: &dyn Engine, notice: bool, check: bool) -> Self {
        let f = engine.hit_fields();
        Self {
            pointers: f.url.into_iter().chain(f.title).chain(f.snippet).collect(),
            notice: notice.then(self::notice),
            check,
            leaks: Vec::new(),
        }
    }
}

impl ResponseFilter for ListedFilter {
    fn keep_suggestion(&mut self, text: &str) -> bool {
        let listed = text.contains(LISTED);
        if listed && self.check {
            self.leaks.push(format!("suggestion {text:?}"));
        }
        !listed
    }
    fn judge_hit(&mut self, hit: &Hit<'_>) -> HitDecision {
        let listed = self
            .pointers
            .iter()
            .any(|p| hit.strs_at(p).into_iter().any(|s| s.contains(LISTED)));
        if listed && self.check {
            self.leaks.push("hit".into());
        }
        if listed {
            HitDecision::Delist
        } else {
            HitDecision::Keep
        }
    }
    fn hit_pointers(&self) -> &[String] {
        &self.pointers
    }
    fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }
    fn notice_key(&self) -> &str {
        "searchward_notice"
    }
}

/// `[engine, mode, response body…]`: the rewritten response (or the original, when nothing
/// changed) must show no listed hit or suggestion when it is rewritten again.
pub fn engine_rewrite(data: &[u8]) {
    let [sel, mode, body @ ..] = data else {
        return;
    };
    let (engine, paths) = adapter(*sel);
    let req = FuzzRequest::new(paths, *mode & 0xF0, b"q=velmorik");
    let view = req.view();
    let mut first = ListedFilter::new(engine, mode & 2 != 0, false);
    let Ok(rewritten) = engine.rewrite(&view, body, &mut first) else {
        return;
    };
    let out = rewritten.as_deref().unwrap_or(body);
    let mut second = ListedFilter::new(engine, false, true);
    let again = engine.rewrite(&view, out, &mut second);
    assert!(
        second.leaks.is_empty(),
        "{}: listed items survive the rewrite: {:?}",
        engine.name(),
        second.leaks
    );
    if rewritten.is_some() {
        assert!(
            again.is_ok(),
            "{}: rewritten body unreadable: {again:?}",
            engine.name()
        );
    }
}
