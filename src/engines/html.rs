//! A site's own HTML search page: the query parameter in, the notice banner or the blocking
//! interstitial out. Hits inside HTML are not rewritten.

use super::generic::GenericOptions;
use super::query::{malformed, request_params};
use super::{Engine, EngineError, RequestView, ResponseFilter, Synthesized};
use crate::signpost::{self, Notice};

const CONTENT_TYPE: &str = "text/html; charset=utf-8";

/// The `html` adapter.
#[derive(Clone, Debug)]
pub struct Html {
    query_param: String,
    marker: Option<String>,
}

impl Html {
    /// Reads `query_param` (default `q`) and `banner_marker` from the options, when given.
    pub fn new(options: Option<&GenericOptions>) -> Self {
        Self {
            query_param: options
                .and_then(|o| o.query_param.clone())
                .unwrap_or_else(|| "q".into()),
            marker: options.and_then(|o| o.banner_marker.clone()),
        }
    }
}

impl Engine for Html {
    fn name(&self) -> &'static str {
        "html"
    }

    fn extract(&self, req: &RequestView<'_>) -> Result<Vec<String>, EngineError> {
        request_params(req, &self.query_param)
    }

    fn blocked(
        &self,
        _req: &RequestView<'_>,
        notice: &Notice,
        _key: &str,
    ) -> Result<Synthesized, EngineError> {
        Ok(Synthesized {
            content_type: CONTENT_TYPE,
            body: signpost::interstitial_page(notice, "/").into_bytes(),
        })
    }

    fn empty_suggestions(&self, _req: &RequestView<'_>) -> Result<Synthesized, EngineError> {
        Err(EngineError::Unsupported("suggestions from an HTML page"))
    }

    fn rewrite(
        &self,
        _req: &RequestView<'_>,
        body: &[u8],
        filter: &mut dyn ResponseFilter,
    ) -> Result<Option<Vec<u8>>, EngineError> {
        let Some(notice) = filter.notice() else {
            return Ok(None);
        };
        let html = std::str::from_utf8(body).map_err(|_| malformed("UTF-8 HTML"))?;
        Ok(Some(
            signpost::inject_banner(html, notice, self.marker.as_deref()).into_bytes(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::testkit::{FakeFilter, Req, notice};

    #[test]
    fn extracts_configured_parameter() {
        let opts = GenericOptions {
            query_param: Some("search".into()),
            ..Default::default()
        };
        let cases: Vec<(&str, Html, Req, Vec<&str>)> = vec![
            (
                "default q",
                Html::new(None),
                Req::get("/search", "q=velmorik"),
                vec!["velmorik"],
            ),
            (
                "configured",
                Html::new(Some(&opts)),
                Req::get("/find", "q=x&search=tobin+marsk"),
                vec!["tobin marsk"],
            ),
            (
                "form post",
                Html::new(None),
                Req::post(
                    "/search",
                    "application/x-www-form-urlencoded; charset=UTF-8",
                    b"q=abc",
                ),
                vec!["abc"],
            ),
        ];
        for (name, engine, req, want) in cases {
            assert_eq!(engine.extract(&req.view()).unwrap(), want, "{name}");
        }
    }

    #[test]
    fn rewrite_only_with_notice() {
        let req = Req::get("/search", "q=velmorik");
        let page = b"<html><body><p>results</p></body></html>";
        let mut quiet = FakeFilter::new(Default::default(), false);
        assert!(
            Html::new(None)
                .rewrite(&req.view(), page, &mut quiet)
                .unwrap()
                .is_none()
        );
        let mut loud = FakeFilter::new(Default::default(), true);
        assert!(
            Html::new(None)
                .rewrite(&req.view(), page, &mut loud)
                .unwrap()
                .is_some()
        );
        assert!(
            Html::new(None)
                .rewrite(&req.view(), b"\xff\xfe", &mut loud)
                .is_err()
        );
    }

    #[test]
    fn blocked_is_an_html_page() {
        let req = Req::get("/search", "q=velmorik");
        let out = Html::new(None)
            .blocked(&req.view(), &notice(), "k")
            .unwrap();
        assert_eq!(out.content_type, CONTENT_TYPE);
        assert!(Html::new(None).empty_suggestions(&req.view()).is_err());
    }
}
