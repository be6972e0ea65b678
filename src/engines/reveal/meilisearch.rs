//! Meilisearch `attributesToRetrieve`: a list that leaves out a judged attribute gets it
//! added, per query of a multi-search; each hit (and its `_formatted` copy) loses it again.

use serde_json::Value;

use super::{Reveal, field_paths, may_name, params, remove_path};
use crate::engines::query::{has_body, param_values, parse_json, shape};
use crate::engines::{EngineError, RequestView};

const PARAM: &str = "attributesToRetrieve";

/// Attributes added, per query (one for a single search).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Narrow {
    queries: Vec<Vec<Vec<String>>>,
    multi: bool,
}

impl Narrow {
    fn hits(hits: Option<&mut Value>, remove: &[Vec<String>]) {
        let Some(Value::Array(hits)) = hits else {
            return;
        };
        for hit in hits {
            for path in remove {
                remove_path(hit, path);
                if let Some(f) = hit.get_mut("_formatted") {
                    remove_path(f, path);
                }
            }
        }
    }

    pub(super) fn apply(&self, root: &mut Value) -> Result<(), EngineError> {
        if !self.multi {
            Self::hits(
                root.get_mut("hits"),
                self.queries.first().map_or(&[], Vec::as_slice),
            );
            return Ok(());
        }
        if let Some(Value::Array(results)) = root.get_mut("results") {
            for (r, remove) in results.iter_mut().zip(&self.queries) {
                Self::hits(r.get_mut("hits"), remove);
            }
            return Ok(());
        }
        // Federated: one merged list; each hit names the query it came from.
        let Some(Value::Array(hits)) = root.get_mut("hits") else {
            return Err(shape("a multi-search answer without results or hits"));
        };
        for hit in hits {
            let from = hit
                .pointer("/_federation/queriesPosition")
                .and_then(Value::as_u64)
                .and_then(|i| usize::try_from(i).ok());
            let remove = from.and_then(|i| self.queries.get(i));
            let mut one = Value::Array(vec![hit.take()]);
            Self::hits(Some(&mut one), remove.map_or(&[], Vec::as_slice));
            if let Value::Array(mut v) = one {
                *hit = v.pop().unwrap_or(Value::Null);
            }
        }
        Ok(())
    }
}

/// Adds the missing attributes to one query's list; returns the key paths added.
fn widen(list: &mut Vec<String>, fields: &[Vec<String>]) -> Vec<Vec<String>> {
    let mut added = Vec::new();
    for f in fields {
        let dotted = f.join(".");
        let shown = list
            .iter()
            .any(|a| a == "*" || super::glob::matches_or_holds(a, &dotted));
        if !shown {
            list.push(dotted);
            added.push(f.clone());
        }
    }
    added
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_owned))
        .collect()
}

pub(super) fn plan(req: &RequestView<'_>, pointers: &[String]) -> Result<Reveal, EngineError> {
    let Some(fields) = field_paths(pointers, "/") else {
        return Ok(Reveal::unchanged(false));
    };
    if !may_name(req, &[PARAM]) {
        return Ok(Reveal::unchanged(true));
    }
    let multi = crate::engines::query::last_segment(req.path) == "multi-search";
    let mut narrow = Narrow {
        queries: Vec::new(),
        multi,
    };
    let mut query = None;
    let mut body = None;
    let mut complete = true;
    if has_body(req.body) {
        let mut root = parse_json(req.body)?;
        let mut changed = false;
        let mut each = |q: &mut Value| -> Vec<Vec<String>> {
            let Some(map) = q.as_object_mut() else {
                return Vec::new();
            };
            let Some(v) = map.get(PARAM) else {
                return Vec::new();
            };
            let Some(mut list) = strings(v) else {
                complete = false;
                return Vec::new();
            };
            let added = widen(&mut list, &fields);
            if !added.is_empty() {
                map.insert(PARAM.into(), Value::from(list));
                changed = true;
            }
            added
        };
        if multi {
            if let Some(Value::Array(qs)) = root.get_mut("queries") {
                narrow.queries = qs.iter_mut().map(&mut each).collect();
            }
        } else {
            narrow.queries = vec![each(&mut root)];
        }
        if changed {
            body = Some(serde_json::to_vec(&root).map_err(|_| shape("a request body"))?);
        }
    } else {
        let values = param_values(req.query, PARAM)?;
        if !values.is_empty() {
            let mut list = params::list(&values);
            let added = widen(&mut list, &fields);
            if !added.is_empty() {
                query = Some(params::edit(
                    req.query,
                    &[PARAM],
                    &[(PARAM, list.join(","))],
                )?);
            }
            narrow.queries = vec![added];
        }
    }
    if query.is_none() && body.is_none() {
        return Ok(Reveal::unchanged(complete));
    }
    Ok(Reveal {
        query,
        body,
        narrow: super::Narrow(super::Repr::Meilisearch(narrow)),
        complete,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::testkit::Req;
    use serde_json::json;

    fn pointers() -> Vec<String> {
        vec!["/url".to_owned(), "/md5".to_owned()]
    }

    #[test]
    fn attribute_lists_are_widened() {
        let cases: Vec<(&str, Req, Option<&str>, Option<&str>)> = vec![
            ("none", Req::get("/indexes/i/search", "q=x"), None, None),
            (
                "star",
                Req::get("/indexes/i/search", "attributesToRetrieve=*"),
                None,
                None,
            ),
            (
                "get",
                Req::get("/indexes/i/search", "q=x&attributesToRetrieve=title"),
                Some("q=x&attributesToRetrieve=title,url,md5"),
                None,
            ),
            (
                "post",
                Req::post(
                    "/indexes/i/search",
                    "application/json",
                    br#"{"q":"x","attributesToRetrieve":["title","url"]}"#,
                ),
                None,
                Some(r#"{"q":"x","attributesToRetrieve":["title","url","md5"]}"#),
            ),
            (
                "multi",
                Req::post(
                    "/multi-search",
                    "application/json",
                    br#"{"queries":[{"indexUid":"a"},{"indexUid":"b","attributesToRetrieve":[]}]}"#,
                ),
                None,
                Some(
                    r#"{"queries":[{"indexUid":"a"},{"indexUid":"b","attributesToRetrieve":["url","md5"]}]}"#,
                ),
            ),
        ];
        for (name, req, query, body) in cases {
            let r = plan(&req.view(), &pointers()).unwrap();
            assert_eq!(r.query.as_deref(), query, "{name}");
            assert_eq!(
                r.body.as_deref().map(|b| std::str::from_utf8(b).unwrap()),
                body,
                "{name}"
            );
            assert!(r.complete, "{name}");
        }
    }

    #[test]
    fn added_attributes_leave_hits_and_formatted_copies() {
        let req = Req::post("/multi-search", "application/json", br#"{"federation":{},"queries":[{"indexUid":"a"},{"indexUid":"b","attributesToRetrieve":["title"]}]}"#);
        let r = plan(&req.view(), &pointers()).unwrap();
        let answer = json!({"hits": [
            {"title": "t", "url": "u", "_federation": {"queriesPosition": 0}},
            {"title": "t", "url": "u", "md5": "m", "_formatted": {"title": "t", "url": "u"}, "_federation": {"queriesPosition": 1}}
        ]});
        let out = r
            .narrow
            .apply(&serde_json::to_vec(&answer).unwrap())
            .unwrap()
            .unwrap();
        let out: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(out["hits"][0], answer["hits"][0]);
        assert_eq!(
            out["hits"][1],
            json!({"title": "t", "_formatted": {"title": "t"}, "_federation": {"queriesPosition": 1}})
        );
    }
}
