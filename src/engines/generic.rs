//! The configurable adapter for any JSON search API: where the query is, and JSON pointers to
//! hits, total, suggestions and related searches (tantivy `serve`, SearXNG, a site's own API).

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::query::{dedup, has_body, is_form, malformed, parse_json, request_params, shape};
use super::rewrite::{Rewriter, json_response, with_notice};
use super::{
    Engine, EngineError, HitFields, IndexingBody, RequestView, ResponseFilter, Synthesized,
    indexing,
};
use crate::signpost::Notice;

/// Options of the `generic` adapter (and `query_param`/`banner_marker` of `html`). Pointers are
/// RFC 6901 JSON pointers (`/a/0/b`); hit field pointers are relative to one hit.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct GenericOptions {
    /// Query-string (or form) parameter holding the user's text; `q` when unset.
    pub query_param: Option<String>,
    /// Pointer to the user's text (a string or array of strings) in a JSON request body.
    pub body_field: Option<String>,
    /// Pointer to the hits array in the response.
    pub hits: Option<String>,
    /// Pointer to the total number of results, reduced by the number of delisted hits.
    pub total: Option<String>,
    /// Pointers to a hit's URL (a string or a list; first string wins).
    #[serde(deserialize_with = "one_or_many")]
    pub url: Vec<String>,
    /// Pointers to a hit's title.
    #[serde(deserialize_with = "one_or_many")]
    pub title: Vec<String>,
    /// Pointers to a hit's snippet.
    #[serde(deserialize_with = "one_or_many")]
    pub snippet: Vec<String>,
    /// Pointers to suggestion arrays (of strings, or of objects with `text_field`).
    #[serde(deserialize_with = "one_or_many")]
    pub suggestions: Vec<String>,
    /// Pointers to related-search or correction arrays (same element rules).
    #[serde(deserialize_with = "one_or_many")]
    pub related: Vec<String>,
    /// Pointer, relative to an element, to the text of object suggestions (e.g. `/text`).
    pub text_field: Option<String>,
    /// The blocked response: a table, or a string holding JSON. Default: `{}` with an empty
    /// array at `hits`, `suggestions` and `related`, and 0 at `total`.
    pub empty: Option<Value>,
    /// For `html`: insert the banner before this marker instead of after `<body…>`.
    pub banner_marker: Option<String>,
    /// For indexing routes: pointer to the array of documents in a JSON request body; `""`
    /// means the body itself (a JSON array, or NDJSON by `Content-Type`). Unset: indexing
    /// requests are not supported.
    pub documents: Option<String>,
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// The `generic` adapter: [`GenericOptions`], validated.
#[derive(Clone, Debug)]
pub struct Generic {
    options: GenericOptions,
    empty: Value,
}

fn check_pointer(p: &str, key: &str) -> Result<(), EngineError> {
    if p.is_empty() || p.starts_with('/') {
        Ok(())
    } else {
        Err(EngineError::Config(format!(
            "{key} = {p:?} is not a JSON pointer (start it with /)"
        )))
    }
}

/// Writes `v` at pointer `p` inside `root`, creating objects on the way.
fn set_pointer(root: &mut Value, p: &str, v: Value) -> Result<(), EngineError> {
    let mut at = root;
    for raw in p.split('/').skip(1) {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        let map = at.as_object_mut().ok_or_else(|| {
            EngineError::Config(format!("cannot build the empty response at {p:?}"))
        })?;
        at = map
            .entry(seg)
            .or_insert_with(|| Value::Object(Default::default()));
    }
    *at = v;
    Ok(())
}

impl Generic {
    /// Validates the options and builds the blocked-response template.
    ///
    /// # Errors
    /// [`EngineError::Config`] for a pointer without a leading `/` or an `empty` string that
    /// is not JSON.
    pub fn new(options: GenericOptions) -> Result<Self, EngineError> {
        let o = &options;
        let singles = [
            ("body_field", &o.body_field),
            ("hits", &o.hits),
            ("total", &o.total),
            ("text_field", &o.text_field),
            ("documents", &o.documents),
        ];
        for (key, p) in singles {
            if let Some(p) = p {
                check_pointer(p, key)?;
            }
        }
        let lists = [
            ("url", &o.url),
            ("title", &o.title),
            ("snippet", &o.snippet),
            ("suggestions", &o.suggestions),
            ("related", &o.related),
        ];
        for (key, ps) in lists {
            ps.iter().try_for_each(|p| check_pointer(p, key))?;
        }
        let empty = match &o.empty {
            Some(Value::String(s)) => serde_json::from_str(s)
                .map_err(|e| EngineError::Config(format!("empty is not JSON: {e}")))?,
            Some(v) => v.clone(),
            None => {
                let mut v = Value::Object(Default::default());
                for p in o.hits.iter().chain(&o.suggestions).chain(&o.related) {
                    set_pointer(&mut v, p, Value::Array(Vec::new()))?;
                }
                if let Some(p) = &o.total {
                    set_pointer(&mut v, p, Value::from(0))?;
                }
                v
            }
        };
        Ok(Self { options, empty })
    }

    fn query_param(&self) -> &str {
        self.options.query_param.as_deref().unwrap_or("q")
    }
}

impl Engine for Generic {
    fn name(&self) -> &'static str {
        "generic"
    }

    fn indexing(&self, req: &RequestView<'_>) -> Result<IndexingBody, EngineError> {
        indexing::generic(req, self.options.documents.as_deref())
    }

    fn hit_fields(&self) -> HitFields {
        HitFields {
            url: self.options.url.clone(),
            title: self.options.title.clone(),
            snippet: self.options.snippet.clone(),
        }
    }

    fn extract(&self, req: &RequestView<'_>) -> Result<Vec<String>, EngineError> {
        let mut out = request_params(req, self.query_param())?;
        if let Some(p) = &self.options.body_field
            && has_body(req.body)
            && !is_form(req.content_type)
        {
            {
                match parse_json(req.body)?.pointer(p) {
                    Some(Value::String(s)) => out.push(s.clone()),
                    Some(Value::Array(items)) => {
                        for i in items {
                            let s = i
                                .as_str()
                                .ok_or_else(|| malformed("strings at body_field"))?;
                            out.push(s.to_owned());
                        }
                    }
                    None | Some(Value::Null) => {}
                    Some(_) => return Err(malformed("a string at body_field")),
                }
            }
        }
        Ok(dedup(out))
    }

    fn blocked(
        &self,
        _req: &RequestView<'_>,
        notice: &Notice,
        key: &str,
    ) -> Result<Synthesized, EngineError> {
        json_response(&with_notice(self.empty.clone(), notice, key))
    }

    fn empty_suggestions(&self, _req: &RequestView<'_>) -> Result<Synthesized, EngineError> {
        json_response(&self.empty)
    }

    fn rewrite(
        &self,
        _req: &RequestView<'_>,
        body: &[u8],
        filter: &mut dyn ResponseFilter,
    ) -> Result<Option<Vec<u8>>, EngineError> {
        let o = &self.options;
        let mut root = parse_json(body)?;
        let mut rw = Rewriter::new(filter);
        if let Some(p) = &o.hits {
            let hits = root
                .pointer_mut(p)
                .ok_or_else(|| shape(format!("no hits at {p}")))?;
            let removed = rw.hits(Some(hits), "hits")?;
            if let Some(t) = &o.total {
                rw.reduce_total(root.pointer_mut(t), removed, "total")?;
            }
        }
        // Suggestion sections are optional in many APIs: absent is fine, a wrong type is not.
        for p in o.suggestions.iter().chain(&o.related) {
            if let Some(list) = root.pointer_mut(p) {
                rw.texts(Some(list), o.text_field.as_deref(), "suggestions")?;
            }
        }
        rw.notice(&mut root);
        rw.finish(&root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::testkit::{FakeFilter, Req, assert_golden, assert_rewrites, notice};

    const E: &str = "generic";

    const TANTIVY: &str = r#"
        query_param = "q"
        hits = "/hits"
        total = "/num_hits"
        url = "/doc/url/0"
        title = "/doc/title/0"
        snippet = ["/doc/body/0"]
    "#;

    const SEARXNG: &str = r#"
        hits = "/results"
        total = "/number_of_results"
        url = "/url"
        title = "/title"
        snippet = "/content"
        suggestions = "/suggestions"
        related = ["/corrections"]
    "#;

    const DEMO: &str = r#"
        hits = "/hits"
        total = "/total"
        url = "/url"
        title = "/title"
        snippet = "/snippet"
        empty = '{"query":"","total":0,"hits":[]}'
    "#;

    fn engine(toml_src: &str) -> Generic {
        Generic::new(toml::from_str(toml_src).unwrap()).unwrap()
    }

    #[test]
    fn options_are_validated() {
        let cases: &[(&str, &str)] = &[
            ("unknown key", "hitz = \"/hits\""),
            ("not a pointer", "hits = \"hits\""),
            ("bad empty JSON", "empty = \"{\""),
            ("bad list pointer", "url = [\"/a\", \"b\"]"),
        ];
        for (name, src) in cases {
            let parsed: Result<GenericOptions, _> = toml::from_str(src);
            let built = parsed
                .map_err(|e| e.to_string())
                .and_then(|o| Generic::new(o).map_err(|e| e.to_string()));
            assert!(built.is_err(), "{name}");
        }
        let table = "empty = { hits = [], total = 0 }";
        let e = Generic::new(toml::from_str(table).unwrap()).unwrap();
        assert_eq!(e.empty, serde_json::json!({"hits": [], "total": 0}));
    }

    #[test]
    fn extracts_user_texts() {
        let body_opts = GenericOptions {
            body_field: Some("/search/text".into()),
            ..Default::default()
        };
        let body_engine = Generic::new(body_opts).unwrap();
        let (tantivy, searxng) = (engine(TANTIVY), engine(SEARXNG));
        let cases: Vec<(&str, &Generic, Req, Vec<&str>)> = vec![
            (
                "tantivy",
                &tantivy,
                Req::get("/api/", "q=velmorik&nhits=20"),
                vec!["velmorik"],
            ),
            (
                "searxng",
                &searxng,
                Req::get("/search", "q=tobin+marsk&format=json"),
                vec!["tobin marsk"],
            ),
            (
                "json body string",
                &body_engine,
                Req::post("/s", "application/json", br#"{"search":{"text":"velm"}}"#),
                vec!["velm"],
            ),
            (
                "json body array",
                &body_engine,
                Req::post(
                    "/s",
                    "application/json",
                    br#"{"search":{"text":["a","b"]}}"#,
                ),
                vec!["a", "b"],
            ),
        ];
        for (name, e, req, want) in cases {
            assert_eq!(e.extract(&req.view()).unwrap(), want, "{name}");
        }
        let bad = Req::post("/s", "application/json", br#"{"search":{"text":3}}"#);
        assert!(body_engine.extract(&bad.view()).is_err());
    }

    #[test]
    fn rewrites_responses() {
        let req = Req::get("/search", "q=velmorik");
        for (name, src, with_notice) in [
            ("tantivy", TANTIVY, true),
            ("searxng", SEARXNG, false),
            ("demo", DEMO, true),
        ] {
            let input = format!("{name}.response.json");
            let expected = format!("{name}.expected.json");
            assert_rewrites(&engine(src), E, &req, &[(&input, &expected, with_notice)]);
        }
    }

    #[test]
    fn unchanged_and_bad_responses() {
        let e = engine(DEMO);
        let req = Req::get("/search", "q=velmorik");
        let clean = br#"{"query":"velmorik","total":1,"hits":[{"title":"A","url":"https://example.org/a","snippet":"s"}]}"#;
        let mut f = FakeFilter::new(e.hit_fields(), false);
        assert!(e.rewrite(&req.view(), clean, &mut f).unwrap().is_none());
        let cases: &[(&str, &[u8])] = &[
            ("not JSON", b"{"),
            ("no hits", br#"{"query":"a"}"#),
            ("hits not array", br#"{"hits":{}}"#),
        ];
        for (name, body) in cases {
            let mut f = FakeFilter::new(e.hit_fields(), false);
            assert!(e.rewrite(&req.view(), body, &mut f).is_err(), "{name}");
        }
        let sx = engine(SEARXNG);
        let mut f = FakeFilter::new(sx.hit_fields(), false);
        let bad = br#"{"results":[],"suggestions":[1]}"#;
        assert!(sx.rewrite(&req.view(), bad, &mut f).is_err());
    }

    #[test]
    fn blocked_responses() {
        let req = Req::get("/search", "q=velmorik");
        for (name, src) in [("tantivy", TANTIVY), ("searxng", SEARXNG), ("demo", DEMO)] {
            let out = engine(src)
                .blocked(&req.view(), &notice(), "searchward_notice")
                .unwrap();
            assert_golden(E, &format!("{name}-blocked.expected.json"), &out.body);
        }
        let out = engine(SEARXNG).empty_suggestions(&req.view()).unwrap();
        let v: Value = serde_json::from_slice(&out.body).unwrap();
        assert_eq!(v["suggestions"], serde_json::json!([]));
    }
}
