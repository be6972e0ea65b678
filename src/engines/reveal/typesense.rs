//! Typesense `include_fields`/`exclude_fields`: a judged field is added to the includes and
//! taken from the excludes (per search of a `multi_search`, whose URL parameters are common to
//! every search), and each hit's `document` loses it again.

use serde_json::Value;

use super::glob::matches;
use super::{Reveal, field_paths, may_name, params, remove_path};
use crate::engines::query::{has_body, last_segment, param_values, parse_json, shape};
use crate::engines::{EngineError, RequestView};

const INCLUDE: &str = "include_fields";
const EXCLUDE: &str = "exclude_fields";

/// Fields added, per search (one for a single search).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Narrow {
    searches: Vec<Vec<Vec<String>>>,
    multi: bool,
}

impl Narrow {
    fn result(result: &mut Value, remove: &[Vec<String>]) {
        if remove.is_empty() {
            return;
        }
        let strip = |hits: Option<&mut Value>| {
            for hit in hits.and_then(Value::as_array_mut).into_iter().flatten() {
                if let Some(doc) = hit.get_mut("document") {
                    for path in remove {
                        remove_path(doc, path);
                    }
                }
            }
        };
        strip(result.get_mut("hits"));
        if let Some(Value::Array(groups)) = result.get_mut("grouped_hits") {
            for g in groups {
                strip(g.get_mut("hits"));
            }
        }
    }

    pub(super) fn apply(&self, root: &mut Value) -> Result<(), EngineError> {
        let first = self.searches.first().map_or(&[][..], Vec::as_slice);
        if !self.multi {
            Self::result(root, first);
            return Ok(());
        }
        if root.get("results").is_none() && root.get("hits").is_some() {
            // A union merges the searches: planned only when they all added the same.
            Self::result(root, first);
            return Ok(());
        }
        let Some(Value::Array(results)) = root.get_mut("results") else {
            return Err(shape("a multi_search answer without results"));
        };
        for (r, remove) in results.iter_mut().zip(&self.searches) {
            Self::result(r, remove);
        }
        Ok(())
    }
}

/// One search's field lists: `Some((include, exclude))` rewritten, and the fields added;
/// `None` when an exclude pattern would have to be split.
#[allow(clippy::type_complexity)]
fn widen(
    include: Option<&str>,
    exclude: Option<&str>,
    fields: &[Vec<String>],
) -> Option<(Option<String>, Option<String>, Vec<Vec<String>>)> {
    let split = |s: Option<&str>| -> Vec<String> {
        params::list(&s.map(str::to_owned).into_iter().collect::<Vec<_>>())
    };
    let mut inc = split(include);
    let mut exc = split(exclude);
    let mut added = Vec::new();
    for f in fields {
        let dotted = f.join(".");
        let mut hidden = false;
        if include.is_some() && !inc.iter().any(|i| matches(i, &dotted)) {
            inc.push(dotted.clone());
            hidden = true;
        }
        if exc.iter().any(|e| e != &dotted && matches(e, &dotted)) {
            return None;
        }
        if exc.iter().any(|e| e == &dotted) {
            exc.retain(|e| e != &dotted);
            hidden = true;
        }
        if hidden {
            added.push(f.clone());
        }
    }
    let inc = include.map(|_| inc.join(","));
    let exc = exclude.map(|_| exc.join(","));
    Some((inc, exc, added))
}

pub(super) fn plan(req: &RequestView<'_>, pointers: &[String]) -> Result<Reveal, EngineError> {
    let Some(fields) = field_paths(pointers, "/document/") else {
        return Ok(Reveal::unchanged(false));
    };
    if !may_name(req, &[INCLUDE, EXCLUDE]) {
        return Ok(Reveal::unchanged(true));
    }
    let multi = last_segment(req.path) == "multi_search";
    let one = |name: &str| -> Result<Option<String>, EngineError> {
        Ok(param_values(req.query, name)?.pop())
    };
    let (url_inc, url_exc) = (one(INCLUDE)?, one(EXCLUDE)?);
    let mut narrow = Narrow {
        searches: Vec::new(),
        multi,
    };
    if !multi {
        if url_inc.is_none() && url_exc.is_none() {
            return Ok(Reveal::unchanged(true));
        }
        let Some((inc, exc, added)) = widen(url_inc.as_deref(), url_exc.as_deref(), &fields) else {
            return Ok(Reveal::unchanged(false));
        };
        if added.is_empty() {
            return Ok(Reveal::unchanged(true));
        }
        let add: Vec<(&str, String)> = [(INCLUDE, inc), (EXCLUDE, exc)]
            .into_iter()
            .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v)))
            .collect();
        narrow.searches = vec![added];
        return Ok(Reveal {
            query: Some(params::edit(req.query, &[INCLUDE, EXCLUDE], &add)?),
            body: None,
            narrow: super::Narrow(super::Repr::Typesense(narrow)),
            complete: true,
        });
    }
    if !has_body(req.body) {
        return Ok(Reveal::unchanged(true));
    }
    // multi_search: the URL's lists are every search's default; a search's own replace them
    // key by key. A search that needs widening gets both lists written into it.
    let mut root = parse_json(req.body)?;
    let mut complete = true;
    let mut changed = false;
    let mut per = Vec::new();
    if let Some(Value::Array(searches)) = root.get_mut("searches") {
        for s in searches.iter_mut() {
            let Some(map) = s.as_object_mut() else {
                per.push(Vec::new());
                continue;
            };
            let own = |k: &str| map.get(k).map(|v| v.as_str().map(str::to_owned));
            let (inc, exc) = (own(INCLUDE), own(EXCLUDE));
            if matches!(inc, Some(None)) || matches!(exc, Some(None)) {
                complete = false;
                per.push(Vec::new());
                continue;
            }
            let inc = inc.flatten().or_else(|| url_inc.clone());
            let exc = exc.flatten().or_else(|| url_exc.clone());
            let Some((new_inc, new_exc, added)) = widen(inc.as_deref(), exc.as_deref(), &fields)
            else {
                complete = false;
                per.push(Vec::new());
                continue;
            };
            if !added.is_empty() {
                for (k, v) in [(INCLUDE, new_inc), (EXCLUDE, new_exc)] {
                    if let Some(v) = v {
                        map.insert(k.into(), Value::String(v));
                    }
                }
                changed = true;
            }
            per.push(added);
        }
    }
    let union = root.get("union").and_then(Value::as_bool).unwrap_or(false);
    if union && per.windows(2).any(|w| w[0] != w[1]) {
        return Ok(Reveal::unchanged(false));
    }
    if !changed {
        return Ok(Reveal::unchanged(complete));
    }
    narrow.searches = per;
    Ok(Reveal {
        query: None,
        body: Some(serde_json::to_vec(&root).map_err(|_| shape("a request body"))?),
        narrow: super::Narrow(super::Repr::Typesense(narrow)),
        complete,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::testkit::Req;

    /// Name, request, query and body sent upstream (when changed), whether complete.
    type Case<'a> = (&'a str, Req, Option<&'a str>, Option<&'a str>, bool);

    fn pointers() -> Vec<String> {
        vec!["/document/url".to_owned(), "/document/md5".to_owned()]
    }

    #[test]
    fn field_lists_are_widened() {
        let s = "/collections/c/documents/search";
        let cases: Vec<Case<'_>> = vec![
            ("none", Req::get(s, "q=x"), None, None, true),
            ("include", Req::get(s, "q=x&include_fields=title"), Some("q=x&include_fields=title,url,md5"), None, true),
            ("exclude", Req::get(s, "exclude_fields=url,body"), Some("exclude_fields=body"), None, true),
            ("exclude pattern", Req::get(s, "exclude_fields=u*"), None, None, false),
            (
                "multi",
                Req::post("/multi_search", "application/json", br#"{"searches":[{"collection":"a","include_fields":"title"},{"collection":"b"}]}"#)
                    .with_query("exclude_fields=md5"),
                None,
                Some(r#"{"searches":[{"collection":"a","include_fields":"title,url,md5","exclude_fields":""},{"collection":"b","exclude_fields":""}]}"#),
                true,
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
        }
    }

    #[test]
    fn added_fields_leave_each_document() {
        let req = Req::post(
            "/multi_search",
            "application/json",
            br#"{"searches":[{"include_fields":"title"},{"collection":"b"}]}"#,
        );
        let r = plan(&req.view(), &pointers()).unwrap();
        let answer = serde_json::json!({"results": [
            {"found": 1, "hits": [{"document": {"title": "t", "url": "u"}}]},
            {"found": 1, "hits": [{"document": {"title": "t", "url": "u"}}]}
        ]});
        let out = r
            .narrow
            .apply(&serde_json::to_vec(&answer).unwrap())
            .unwrap()
            .unwrap();
        let out: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            out["results"][0]["hits"][0]["document"],
            serde_json::json!({"title": "t"})
        );
        assert_eq!(out["results"][1], answer["results"][1]);
    }
}
