//! Test support for adapters: a fake filter, owned requests and golden-file comparison.

use std::path::PathBuf;

use serde_json::Value;

use super::{Hit, HitDecision, HitFields, RequestView, ResponseFilter, hit_text};
use crate::signpost::{Notice, NoticeKind, NoticeLink};

/// Delists hits whose URL contains `zorvexil`, demotes hits whose title contains `quandrith`,
/// and drops suggestions containing `zorvexil`.
pub(crate) struct FakeFilter {
    fields: HitFields,
    pointers: Vec<String>,
    notice: Option<Notice>,
    /// How many hits were judged.
    pub judged: usize,
    /// Every question asked, in order: `hit <url> <title>` or `text <text>`.
    pub log: Vec<String>,
}

impl FakeFilter {
    pub(crate) fn new(fields: HitFields, with_notice: bool) -> Self {
        let pointers = fields.url.iter().chain(&fields.title).cloned().collect();
        Self {
            fields,
            pointers,
            notice: with_notice.then(notice),
            judged: 0,
            log: Vec::new(),
        }
    }
}

impl ResponseFilter for FakeFilter {
    fn keep_suggestion(&mut self, text: &str) -> bool {
        self.log.push(format!("text {text}"));
        !text.contains("zorvexil")
    }
    fn hit_pointers(&self) -> &[String] {
        &self.pointers
    }
    fn judge_hit(&mut self, hit: &Hit<'_>) -> HitDecision {
        self.judged += 1;
        let url = hit_text(hit, &self.fields.url);
        let title = hit_text(hit, &self.fields.title);
        self.log.push(format!("hit {url:?} {title:?}"));
        if hit_text(hit, &self.fields.url).is_some_and(|u| u.contains("zorvexil")) {
            HitDecision::Delist
        } else if hit_text(hit, &self.fields.title).is_some_and(|t| t.contains("quandrith")) {
            HitDecision::Demote
        } else {
            HitDecision::Keep
        }
    }
    fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }
    fn notice_key(&self) -> &str {
        "searchward_notice"
    }
}

/// A fixed synthetic notice.
pub(crate) fn notice() -> Notice {
    Notice {
        kind: NoticeKind::Deterrence,
        title: "Test notice".into(),
        message: "Synthetic notice text.".into(),
        links: vec![NoticeLink {
            id: "help".into(),
            label: "Get help".into(),
            url: "/_searchward/go/help".into(),
        }],
        locale: "en-GB".into(),
        variant: "t1".into(),
    }
}

/// An owned request to borrow a [`RequestView`] from.
pub(crate) struct Req {
    method: http::Method,
    path: String,
    query: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

impl Req {
    pub(crate) fn get(path: &str, query: &str) -> Self {
        Self {
            method: http::Method::GET,
            path: path.into(),
            query: (!query.is_empty()).then(|| query.into()),
            content_type: None,
            body: Vec::new(),
        }
    }
    pub(crate) fn post(path: &str, content_type: &str, body: &[u8]) -> Self {
        Self {
            method: http::Method::POST,
            path: path.into(),
            query: None,
            content_type: Some(content_type.into()),
            body: body.to_vec(),
        }
    }
    pub(crate) fn with_query(mut self, query: &str) -> Self {
        self.query = Some(query.into());
        self
    }
    pub(crate) fn view(&self) -> RequestView<'_> {
        RequestView {
            method: &self.method,
            path: &self.path,
            query: self.query.as_deref(),
            content_type: self.content_type.as_deref(),
            body: &self.body,
        }
    }
}

fn path(engine: &str, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/engines")
        .join(engine)
        .join(name)
}

/// The bytes of `testdata/engines/{engine}/{name}`.
pub(crate) fn golden(engine: &str, name: &str) -> Vec<u8> {
    let p = path(engine, name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Compares a JSON body with a golden file, key order included. With `SEARCHWARD_BLESS=1` a
/// golden file that differs is rewritten and the test still fails (naming the file), so a
/// blessing run can never pass without comparing.
pub(crate) fn assert_golden(engine: &str, name: &str, actual: &[u8]) {
    let actual: Value = serde_json::from_slice(actual).unwrap();
    let pretty = serde_json::to_string_pretty(&actual).unwrap() + "\n";
    let expected = std::fs::read(path(engine, name))
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .map(|v| serde_json::to_string_pretty(&v).unwrap() + "\n");
    if expected.as_deref() == Some(pretty.as_str()) {
        return;
    }
    if std::env::var_os("SEARCHWARD_BLESS").is_some() {
        std::fs::write(path(engine, name), &pretty).unwrap();
        panic!(
            "{engine}/{name}: golden file rewritten; review the diff and rerun without SEARCHWARD_BLESS"
        );
    }
    assert_eq!(pretty, expected.unwrap_or_default(), "{engine}/{name}");
}

/// Rewrites each `(input, expected, with_notice)` golden response of `dir` through `engine` for
/// `req` and compares the (changed) result with the expected golden file.
pub(crate) fn assert_rewrites(
    engine: &dyn super::Engine,
    dir: &str,
    req: &Req,
    cases: &[(&str, &str, bool)],
) {
    for &(input, expected, with_notice) in cases {
        let mut f = FakeFilter::new(engine.hit_fields(), with_notice);
        let out = engine
            .rewrite(&req.view(), &golden(dir, input), &mut f)
            .unwrap_or_else(|e| panic!("{dir}/{input}: {e}"))
            .unwrap_or_else(|| panic!("{dir}/{input}: nothing changed"));
        assert_golden(dir, expected, &out);
    }
}
