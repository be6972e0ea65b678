//! OpenSearch suggestions extension (`application/x-suggestions+json`): the `q` parameter in,
//! `["q", [suggestions], [descriptions], [urls]]` out.

use serde_json::{Value, json};

use super::query::{has_body, is_form, parse_json, request_params, shape};
use super::rewrite::{Rewriter, json_typed};
use super::{Engine, EngineError, RequestView, ResponseFilter, Synthesized};
use crate::signpost::Notice;

const CONTENT_TYPE: &str = "application/x-suggestions+json";

/// The OpenSearch suggestions adapter (`opensearch-suggest`).
#[derive(Clone, Copy, Debug)]
pub struct OpenSearchSuggest;

fn empty(req: &RequestView<'_>) -> Result<Synthesized, EngineError> {
    let q = request_params(req, "q")?
        .into_iter()
        .next()
        .unwrap_or_default();
    json_typed(&json!([q, []]), CONTENT_TYPE)
}

impl Engine for OpenSearchSuggest {
    fn name(&self) -> &'static str {
        "opensearch-suggest"
    }

    fn extract(&self, req: &RequestView<'_>) -> Result<Vec<String>, EngineError> {
        // Only a form body is read: any other body is refused rather than forwarded unread.
        if has_body(req.body) && !is_form(req.content_type) {
            return Err(EngineError::Unsupported(
                "a suggestion request body that is not a form",
            ));
        }
        request_params(req, "q")
    }

    /// The empty suggestion list: the array shape has no place for a notice.
    fn blocked(
        &self,
        req: &RequestView<'_>,
        _notice: &Notice,
        _key: &str,
    ) -> Result<Synthesized, EngineError> {
        empty(req)
    }

    fn empty_suggestions(&self, req: &RequestView<'_>) -> Result<Synthesized, EngineError> {
        empty(req)
    }

    fn rewrite(
        &self,
        _req: &RequestView<'_>,
        body: &[u8],
        filter: &mut dyn ResponseFilter,
    ) -> Result<Option<Vec<u8>>, EngineError> {
        let mut root = parse_json(body)?;
        let parts = root
            .as_array_mut()
            .ok_or_else(|| shape("suggestions response is not an array"))?;
        if !parts.first().is_some_and(Value::is_string) {
            return Err(shape("suggestions response does not start with the query"));
        }
        let mut rw = Rewriter::new(filter);
        let mut keep = Vec::new();
        if let Some(list) = parts.get(1) {
            let list = list
                .as_array()
                .ok_or_else(|| shape("suggestions are not an array"))?;
            for s in list {
                let text = s
                    .as_str()
                    .ok_or_else(|| shape("a suggestion is not a string"))?;
                keep.push(rw.keep(text));
            }
        }
        if keep.iter().all(|k| *k) {
            return Ok(None);
        }
        // Descriptions and URLs are parallel to the suggestions: drop the same positions.
        for part in parts.iter_mut().skip(1).take(3) {
            if let Value::Array(items) = part {
                let mut i = 0;
                items.retain(|_| {
                    let k = keep.get(i).copied().unwrap_or(true);
                    i += 1;
                    k
                });
            }
        }
        rw.finish(&root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::testkit::{FakeFilter, Req, assert_golden, golden, notice};

    const E: &str = "opensearch-suggest";

    #[test]
    fn extracts_q() {
        let cases: Vec<(&str, Req, Vec<&str>)> = vec![
            (
                "get",
                Req::get("/suggest", "q=velm+or&client=x"),
                vec!["velm or"],
            ),
            ("none", Req::get("/suggest", ""), vec![]),
            (
                "form post",
                Req::post("/suggest", "application/x-www-form-urlencoded", b"q=abc"),
                vec!["abc"],
            ),
        ];
        for (name, req, want) in cases {
            assert_eq!(
                OpenSearchSuggest.extract(&req.view()).unwrap(),
                want,
                "{name}"
            );
        }
    }

    #[test]
    fn rewrites_parallel_arrays() {
        let req = Req::get("/suggest", "q=velm");
        let mut f = FakeFilter::new(Default::default(), true);
        let out = OpenSearchSuggest
            .rewrite(&req.view(), &golden(E, "suggest.response.json"), &mut f)
            .unwrap()
            .unwrap();
        assert_golden(E, "suggest.expected.json", &out);
    }

    #[test]
    fn unchanged_is_forwarded_even_with_a_notice() {
        let req = Req::get("/suggest", "q=velm");
        let mut f = FakeFilter::new(Default::default(), true);
        let body = br#"["velm",["velmorik","velmorik faq"]]"#;
        assert!(
            OpenSearchSuggest
                .rewrite(&req.view(), body, &mut f)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn bad_responses_fail_closed() {
        let cases: &[(&str, &[u8])] = &[
            ("not JSON", b"[\"a\","),
            ("object", br#"{"q":"a"}"#),
            ("no query", br#"[["a"]]"#),
            ("suggestion not string", br#"["a",[1]]"#),
            ("suggestions not array", br#"["a","b"]"#),
        ];
        for (name, body) in cases {
            let req = Req::get("/suggest", "q=a");
            let mut f = FakeFilter::new(Default::default(), false);
            assert!(
                OpenSearchSuggest
                    .rewrite(&req.view(), body, &mut f)
                    .is_err(),
                "{name}"
            );
        }
    }

    #[test]
    fn empty_echoes_query() {
        let req = Req::get("/suggest", "q=velm");
        let out = OpenSearchSuggest
            .blocked(&req.view(), &notice(), "k")
            .unwrap();
        assert_eq!(out.content_type, CONTENT_TYPE);
        assert_eq!(out.body, br#"["velm",[]]"#);
    }
}
