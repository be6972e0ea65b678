//! Elasticsearch/OpenSearch `_search` and `_msearch`: each search's `_source` filter (URL
//! parameters, else the body) widened to take the judged fields, `filter_path` widened to keep
//! every hit's `_source`; on the way back, each search's hits lose what their filter added and
//! the answer what the widened `filter_path` added.

use serde_json::Value;

use super::filter_path::{self, PathNarrow};
use super::source::{SourceFilter, SourceNarrow};
use super::{Reveal, field_paths, may_name, params};
use crate::engines::query::{has_body, param_values, parse_json, shape};
use crate::engines::{EngineError, RequestView};

/// The URL parameters that filter `_source`.
const SOURCE_PARAMS: &[&str] = &[
    "_source",
    "_source_includes",
    "_source_include",
    "_source_excludes",
    "_source_exclude",
];

/// Keys that filter or leave out the `_source` of hits other than the top-level ones (inner
/// hits, top hits): a planner does not rewrite them.
const NESTED_FILTERS: &[&str] = &["_source", "_source_includes", "_source_excludes"];

/// What to take out of an Elasticsearch answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Narrow {
    /// Per search (one for `_search`, one per body line pair for `_msearch`).
    searches: Vec<Option<SourceNarrow>>,
    msearch: bool,
    filter_path: Option<PathNarrow>,
}

impl Narrow {
    pub(super) fn apply(&self, root: &mut Value) -> Result<(), EngineError> {
        if self.msearch {
            if let Some(Value::Array(responses)) = root.get_mut("responses") {
                for (resp, narrow) in responses.iter_mut().zip(&self.searches) {
                    if let Some(n) = narrow {
                        hits(resp, n);
                    }
                }
            }
        } else if let Some(Some(n)) = self.searches.first() {
            hits(root, n);
        }
        if let Some(fp) = &self.filter_path {
            fp.apply(root);
        }
        Ok(())
    }
}

/// Applies `n` to each top-level hit of one search response, and to each completion option
/// (they carry their document's `_source`, filtered as the search asked).
fn hits(resp: &mut Value, n: &SourceNarrow) {
    if let Some(Value::Array(list)) = resp.pointer_mut("/hits/hits") {
        list.iter_mut().for_each(|h| n.hit(h));
    }
    if let Some(Value::Object(suggest)) = resp.get_mut("suggest") {
        for entries in suggest.values_mut() {
            for entry in entries.as_array_mut().into_iter().flatten() {
                if let Some(Value::Array(options)) = entry.get_mut("options") {
                    options.iter_mut().for_each(|o| n.hit(o));
                }
            }
        }
    }
}

/// Whether `stored_fields` (`value`) leaves `_source` out unless asked for, and `Err(())` for
/// `_none_`, which refuses a `_source` request.
fn stored_fields_hide_source(value: Option<&Value>) -> Result<bool, ()> {
    let none = |v: &Value| v.as_str() == Some("_none_");
    match value {
        None => Ok(false),
        Some(v) if none(v) || v.as_array().is_some_and(|a| a.iter().any(none)) => Err(()),
        Some(_) => Ok(true),
    }
}

/// Whether any object under `v` (not `v` itself) has one of `keys`.
fn nested_filter(v: &Value, depth: usize) -> bool {
    match v {
        Value::Object(map) => map.iter().any(|(k, child)| {
            (depth > 0 && NESTED_FILTERS.contains(&k.as_str())) || nested_filter(child, depth + 1)
        }),
        Value::Array(items) => items.iter().any(|i| nested_filter(i, depth + 1)),
        _ => false,
    }
}

/// Widens one search body's `_source` in place; `Ok(None)` when it shows the fields already.
/// `Err(())`: a body shape left as it is.
fn widen_body(body: &mut Value, fields: &[Vec<String>]) -> Result<Option<SourceNarrow>, ()> {
    let map = body.as_object_mut().ok_or(())?;
    let filter = match map.get("_source") {
        // `stored_fields` alone means no `_source`.
        None if stored_fields_hide_source(map.get("stored_fields"))? => SourceFilter {
            fetch: false,
            ..SourceFilter::default()
        },
        None => SourceFilter::default(),
        Some(v) => SourceFilter::from_json(v).ok_or(())?,
    };
    let Some((wide, narrow)) = filter.widen(fields) else {
        return Ok(None);
    };
    map.insert("_source".into(), wide.to_json());
    Ok(Some(narrow))
}

pub(super) fn plan(req: &RequestView<'_>, pointers: &[String]) -> Result<Reveal, EngineError> {
    let Some(fields) = field_paths(pointers, "/_source/") else {
        return Ok(Reveal::unchanged(false));
    };
    // Only `_search` and `_msearch` answers are narrowed here; other APIs go as they are.
    let api = req
        .path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    if !matches!(api, "_search" | "_msearch") {
        return Ok(Reveal::unchanged(false));
    }
    // Most searches filter nothing: a byte scan answers before any parsing.
    let names = [SOURCE_PARAMS, &["filter_path", "source", "stored_fields"]].concat();
    if !may_name(req, &names) {
        return Ok(Reveal::unchanged(true));
    }
    // A whole body in the URL (`?source=`), and `stored_fields` in the URL, are left as they
    // are.
    if !param_values(req.query, "source")?.is_empty()
        || !param_values(req.query, "stored_fields")?.is_empty()
    {
        return Ok(Reveal::unchanged(false));
    }
    let msearch = req.path.split('/').any(|s| s == "_msearch");
    let values = |name: &str| param_values(req.query, name);
    let url_filter = SourceFilter::from_params(
        &values("_source")?,
        &[values("_source_includes")?, values("_source_include")?].concat(),
        &[values("_source_excludes")?, values("_source_exclude")?].concat(),
    );
    let mut complete = true;
    let mut drop: Vec<&str> = Vec::new();
    let mut add: Vec<(&str, String)> = Vec::new();
    let mut narrow = Narrow {
        msearch,
        ..Narrow::default()
    };
    let mut new_body = None;
    if msearch {
        complete &= url_filter.is_none();
        let (body, searches, all) = widen_msearch(req.body, &fields)?;
        complete &= all;
        new_body = body;
        narrow.searches = searches;
    } else if let Some(filter) = url_filter {
        // URL parameters take precedence over the body's `_source`.
        if let Some((wide, n)) = filter.widen(&fields) {
            drop.extend(SOURCE_PARAMS);
            add.extend(wide.to_params());
            narrow.searches = vec![Some(n)];
        }
        if has_body(req.body) {
            complete &= !nested_filter(&parse_json(req.body)?, 0);
        }
    } else if has_body(req.body) {
        let mut body = parse_json(req.body)?;
        complete &= !nested_filter(&body, 0);
        match widen_body(&mut body, &fields) {
            Ok(Some(n)) => {
                narrow.searches = vec![Some(n)];
                new_body = Some(serde_json::to_vec(&body).map_err(|_| shape("a request body"))?);
            }
            Ok(None) => {}
            Err(()) => complete = false,
        }
    }
    let paths = values("filter_path")?;
    match paths.as_slice() {
        [] => {}
        [one] => {
            if let Some((wide, n)) = filter_path::widen(one) {
                drop.push("filter_path");
                if !wide.is_empty() {
                    add.push(("filter_path", wide));
                }
                narrow.filter_path = Some(n);
            }
        }
        _ => complete = false,
    }
    let query = if drop.is_empty() && add.is_empty() {
        None
    } else {
        Some(params::edit(req.query, &drop, &add)?)
    };
    let changed = query.is_some() || new_body.is_some();
    Ok(Reveal {
        query,
        body: new_body,
        narrow: if changed {
            super::Narrow(super::Repr::Elasticsearch(narrow))
        } else {
            super::Narrow::NOTHING
        },
        complete,
    })
}

/// Widens each search of an `_msearch` body (header lines and unchanged searches kept byte for
/// byte). Returns the new body when changed, the narrowing per search, and whether every
/// search now shows the fields.
#[allow(clippy::type_complexity)]
fn widen_msearch(
    body: &[u8],
    fields: &[Vec<String>],
) -> Result<(Option<Vec<u8>>, Vec<Option<SourceNarrow>>, bool), EngineError> {
    let mut out: Vec<u8> = Vec::with_capacity(body.len() + 64);
    let mut searches = Vec::new();
    let mut all = true;
    let mut changed = false;
    let mut seen = 0usize;
    for line in body.split_inclusive(|&b| b == b'\n') {
        if !has_body(line) {
            out.extend_from_slice(line);
            continue;
        }
        seen += 1;
        if seen % 2 == 1 {
            out.extend_from_slice(line);
            continue;
        }
        let mut search = parse_json(line)?;
        all &= !nested_filter(&search, 0);
        match widen_body(&mut search, fields) {
            Ok(Some(n)) => {
                out.extend(serde_json::to_vec(&search).map_err(|_| shape("a search line"))?);
                out.push(b'\n');
                searches.push(Some(n));
                changed = true;
            }
            Ok(None) => {
                out.extend_from_slice(line);
                searches.push(None);
            }
            Err(()) => {
                out.extend_from_slice(line);
                searches.push(None);
                all = false;
            }
        }
    }
    Ok((changed.then_some(out), searches, all))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::testkit::Req;

    /// Name, request, query and body sent upstream (when changed), whether complete.
    type Case<'a> = (&'a str, Req, Option<&'a str>, Option<&'a str>, bool);

    fn pointers() -> Vec<String> {
        vec!["/_source/url".into(), "/_source/md5".into()]
    }

    /// Request → what goes upstream (query, body) and whether it shows every field.
    #[test]
    fn requests_are_widened() {
        let cases: Vec<Case<'_>> = vec![
            ("plain", Req::get("/i/_search", "q=x"), None, None, true),
            (
                "source false in the URL",
                Req::get("/i/_search", "q=x&_source=false"),
                Some("q=x&_source_includes=url,md5"),
                None,
                true,
            ),
            (
                "includes in the URL",
                Req::get("/i/_search", "_source_includes=title&size=5"),
                Some("size=5&_source_includes=title,url,md5"),
                None,
                true,
            ),
            (
                "excludes in the URL",
                Req::get("/i/_search", "_source_excludes=url,md5"),
                Some("_source=true"),
                None,
                true,
            ),
            (
                "source false in the body",
                Req::post("/i/_search", "application/json", br#"{"_source":false,"fields":["url"],"query":{"match_all":{}}}"#),
                None,
                Some(r#"{"_source":["url","md5"],"fields":["url"],"query":{"match_all":{}}}"#),
                true,
            ),
            (
                "filter_path",
                Req::get("/i/_search", "filter_path=hits.hits._id,hits.total"),
                Some("filter_path=hits.hits._id,hits.total,**._source"),
                None,
                true,
            ),
            (
                "inner hits filter their own source",
                Req::post("/i/_search", "application/json", br#"{"query":{"nested":{"path":"c","query":{"match_all":{}},"inner_hits":{"_source":false}}}}"#),
                None,
                None,
                false,
            ),
            ("source in the URL", Req::get("/i/_search", "source=%7B%7D"), None, None, false),
            ("another API", Req::get("/i/_explain/1", "_source=false"), None, None, false),
            ("search template", Req::get("/i/_search/template", "_source=false"), None, None, false),
            (
                "stored_fields without _source",
                Req::post("/i/_search", "application/json", br#"{"stored_fields":["title"]}"#),
                None,
                Some(r#"{"stored_fields":["title"],"_source":["url","md5"]}"#),
                true,
            ),
            (
                "stored_fields _none_",
                Req::post("/i/_search", "application/json", br#"{"stored_fields":"_none_"}"#),
                None,
                None,
                false,
            ),
        ];
        for (name, req, query, body, complete) in cases {
            let r = plan(&req.view(), &pointers()).unwrap();
            assert_eq!(r.query.as_deref(), query, "{name}");
            assert_eq!(
                r.body.as_deref().map(|b| std::str::from_utf8(b).unwrap()),
                body,
                "{name}"
            );
            assert_eq!(r.complete, complete, "{name}");
            assert_eq!(
                r.narrow == super::super::Narrow::NOTHING,
                r.is_unchanged(),
                "{name}"
            );
        }
    }

    #[test]
    fn msearch_lines_are_widened_one_by_one() {
        let body = b"{\"index\":\"a\"}\n{\"_source\":false}\n{}\n{\"query\":{}}\n";
        let req = Req::post("/_msearch", "application/x-ndjson", body);
        let r = plan(&req.view(), &pointers()).unwrap();
        assert_eq!(
            std::str::from_utf8(r.body.as_deref().unwrap()).unwrap(),
            "{\"index\":\"a\"}\n{\"_source\":[\"url\",\"md5\"]}\n{}\n{\"query\":{}}\n"
        );
        assert!(r.complete);
        let answer = serde_json::json!({"responses": [
            {"hits": {"hits": [{"_id": "1", "_source": {"url": "u"}}]}},
            {"hits": {"hits": [{"_id": "2", "_source": {"url": "v"}}]}}
        ]});
        let out = r
            .narrow
            .apply(&serde_json::to_vec(&answer).unwrap())
            .unwrap()
            .unwrap();
        let out: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            out["responses"][0]["hits"]["hits"][0],
            serde_json::json!({"_id": "1"})
        );
        assert_eq!(out["responses"][1], answer["responses"][1]);
    }

    #[test]
    fn pointers_outside_source_are_not_revealed() {
        let req = Req::get("/i/_search", "_source=false");
        let r = plan(&req.view(), &["/fields/url/0".to_owned()]).unwrap();
        assert_eq!((r.is_unchanged(), r.complete), (true, false));
    }
}
