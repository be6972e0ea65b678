//! Solr `fl`: a field list that leaves out a judged field gets it added (one more `fl`
//! parameter, which Solr merges with the others), and each document of `response.docs` loses
//! it again.

use serde_json::Value;

use super::glob::matches;
use super::{Reveal, field_paths, params, remove_path};
use crate::engines::query::{has_body, is_form, parse_json, request_pairs, request_params};
use crate::engines::{EngineError, RequestView};

/// Fields added to `fl`, taken out of each document, and the `fl` value added, taken out of the
/// parameters Solr echoes in `responseHeader.params`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Narrow {
    remove: Vec<String>,
}

impl Narrow {
    /// The `fl` value sent in addition to the client's.
    fn added(&self) -> String {
        self.remove.join(",")
    }

    pub(super) fn apply(&self, root: &mut Value) -> Result<(), EngineError> {
        // Echoed parameters: one value is a string, several an array.
        if let Some(Value::Array(fl)) = root.pointer_mut("/responseHeader/params/fl") {
            let added = Value::String(self.added());
            if let Some(at) = fl.iter().rposition(|v| *v == added) {
                fl.remove(at);
            }
            if fl.len() == 1
                && let Some(one) = fl.pop()
                && let Some(Value::Object(params)) = root.pointer_mut("/responseHeader/params")
            {
                params.insert("fl".into(), one);
            }
        }
        if let Some(Value::Array(docs)) = root.pointer_mut("/response/docs") {
            for doc in docs {
                for f in &self.remove {
                    remove_path(doc, std::slice::from_ref(f));
                }
            }
        }
        Ok(())
    }
}

/// The items of field lists (`fl=a,b c`), with `alias:` prefixes kept.
fn items(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split([',', ' ']))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether a field list item renames something else to a judged field's name (`url:title`,
/// `url:[value v=x]`, `url:field(title)`): the hit would then carry another value under the
/// name searchward judges, and a listed URL would pass as that value.
fn aliases_judged(items: &[String], fields: &[Vec<String>]) -> bool {
    items.iter().any(|i| {
        i.split_once(':')
            .is_some_and(|(alias, _)| fields.iter().any(|f| f.first().is_some_and(|n| n == alias)))
    })
}

/// Field list items of a JSON request body: `fields` (a string or strings) and `params.fl`.
fn body_items(body: &Value) -> Vec<String> {
    let strings = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut all = strings(body.get("fields"));
    all.extend(strings(body.pointer("/params/fl")));
    items(&all)
}

/// The refusal of a field list that puts another value under a judged field's name.
const ALIAS_REFUSED: EngineError =
    EngineError::Unsupported("a field alias named after a judged field");

/// The field lists Solr reads in `req`, as sent and with macros expanded: `fl`, `json.fields`
/// (JSON or a bare list) and the `fields` and `params.fl` of each JSON request (the body and
/// `json` parameters); and whether a JSON request lists fields.
fn field_lists(req: &RequestView<'_>) -> Result<(Vec<String>, bool), EngineError> {
    let mut all = request_params(req, "fl")?;
    let mut json_lists = false;
    for (k, v) in crate::engines::solr::params::expanded(req)? {
        match k.as_str() {
            "fl" => all.push(v),
            "json.fields" => {
                json_lists = true;
                match serde_json::from_str::<Value>(&v) {
                    Ok(parsed) => all.extend(body_items(&serde_json::json!({ "fields": parsed }))),
                    Err(_) => all.push(v),
                }
            }
            "json" => {
                let body = parse_json(v.as_bytes())?;
                json_lists |= body.get("fields").is_some() || body.pointer("/params/fl").is_some();
                all.extend(body_items(&body));
            }
            _ => {}
        }
    }
    Ok((items(&all), json_lists))
}

pub(super) fn plan(req: &RequestView<'_>, pointers: &[String]) -> Result<Reveal, EngineError> {
    let Some(fields) = field_paths(pointers, "/") else {
        return Ok(Reveal::unchanged(false));
    };
    let (lists, json_lists) = field_lists(req)?;
    if aliases_judged(&lists, &fields) {
        return Err(ALIAS_REFUSED);
    }
    // A JSON request (the body, a `json` or `json.*` parameter) may carry `fields` or
    // `params.fl`: left as they are.
    let json_body = has_body(req.body) && !is_form(req.content_type);
    let json_params = request_pairs(req)?
        .iter()
        .any(|(k, _)| k == "json" || k.starts_with("json."));
    if json_body || json_params {
        let fl = request_params(req, "fl")?;
        return Ok(Reveal::unchanged(!json_lists && fl.is_empty()));
    }
    let fl = items(&request_params(req, "fl")?);
    if fl.is_empty() {
        return Ok(Reveal::unchanged(true));
    }
    if aliases_judged(&fl, &fields) {
        return Err(ALIAS_REFUSED);
    }
    let mut remove = Vec::new();
    for f in fields.iter().filter_map(|f| match f.as_slice() {
        [one] => Some(one),
        _ => None,
    }) {
        if !fl.iter().any(|i| !i.contains(':') && matches(i, f)) {
            remove.push(f.clone());
        }
    }
    let complete = fields.iter().all(|f| f.len() == 1);
    if remove.is_empty() {
        return Ok(Reveal::unchanged(complete));
    }
    let narrow = Narrow { remove };
    let query = params::edit(req.query, &[], &[("fl", narrow.added())])?;
    Ok(Reveal {
        query: Some(query),
        body: None,
        narrow: super::Narrow(super::Repr::Solr(narrow)),
        complete,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::testkit::Req;

    #[test]
    fn field_lists_are_widened() {
        let pointers = vec!["/url".to_owned(), "/id".to_owned()];
        let cases: Vec<(&str, Req, Option<&str>, bool)> = vec![
            ("no fl", Req::get("/c/select", "q=x"), None, true),
            (
                "fl with both",
                Req::get("/c/select", "fl=id,url,title"),
                None,
                true,
            ),
            ("fl star", Req::get("/c/select", "fl=*,score"), None, true),
            ("fl glob", Req::get("/c/select", "fl=u*+id"), None, true),
            (
                "fl title",
                Req::get("/c/select", "q=x&fl=title"),
                Some("q=x&fl=title&fl=url,id"),
                true,
            ),
            (
                "fl id score",
                Req::get("/c/select", "fl=id%20score"),
                Some("fl=id%20score&fl=url"),
                true,
            ),
            (
                "form body",
                Req::post(
                    "/c/select",
                    "application/x-www-form-urlencoded",
                    b"q=x&fl=title",
                ),
                Some("fl=url,id"),
                true,
            ),
            (
                "json fields",
                Req::post(
                    "/c/select",
                    "application/json",
                    br#"{"query":"x","fields":["title"]}"#,
                ),
                None,
                false,
            ),
        ];
        for (name, req, query, complete) in cases {
            let r = plan(&req.view(), &pointers).unwrap();
            assert_eq!(
                (r.query.as_deref(), r.complete),
                (query, complete),
                "{name}"
            );
        }
    }

    /// A field list that renames another value to a judged field's name is refused, wherever
    /// the list is: the hit would carry that value where its URL is looked for.
    #[test]
    fn aliases_on_judged_fields_are_refused() {
        let pointers = vec!["/url".to_owned(), "/id".to_owned()];
        let cases: Vec<(&str, Req)> = vec![
            ("alias in fl", Req::get("/c/select", "fl=url:title")),
            (
                "alias among others",
                Req::get("/c/select", "fl=id,title+url:body"),
            ),
            (
                "transformer",
                Req::get("/c/select", "fl=url:%5Bvalue%20v%3Dx%5D"),
            ),
            ("function", Req::get("/c/select", "fl=id:field(title)")),
            (
                "form body",
                Req::post(
                    "/c/select",
                    "application/x-www-form-urlencoded",
                    b"q=x&fl=url:title",
                ),
            ),
            (
                "json fields",
                Req::post(
                    "/c/select",
                    "application/json",
                    br#"{"query":"x","fields":["id","url:title"]}"#,
                ),
            ),
            (
                "json params.fl",
                Req::post(
                    "/c/select",
                    "application/json",
                    br#"{"query":"x","params":{"fl":"url:title"}}"#,
                ),
            ),
            (
                "macro",
                Req::get("/c/select", "fl=id,%24%7Bx%7D&x=url:title"),
            ),
            (
                "macro default",
                Req::get("/c/select", "fl=%24%7Bx%3Aurl:title%7D"),
            ),
            (
                "json.fields",
                Req::get("/c/select", "json.fields=url:title"),
            ),
            (
                "json.fields as JSON",
                Req::get("/c/select", "json.fields=%5B%22id%22,%22url:title%22%5D"),
            ),
            (
                "json parameter",
                Req::get("/c/select", "json=%7B%22fields%22:%22url:title%22%7D"),
            ),
            (
                "macro in a JSON body",
                Req::post(
                    "/c/select",
                    "application/json",
                    br#"{"query":"x","fields":"${f}"}"#,
                )
                .with_query("f=url:title"),
            ),
        ];
        for (name, req) in cases {
            assert!(plan(&req.view(), &pointers).is_err(), "{name}");
        }
        // An alias to another name is the client's own business.
        let ok = Req::get("/c/select", "fl=link:url,id");
        assert!(plan(&ok.view(), &pointers).is_ok());
    }

    #[test]
    fn added_fields_leave_each_document() {
        let n = Narrow {
            remove: vec!["url".into()],
        };
        let mut v = serde_json::json!({
            "responseHeader": {"params": {"q": "x", "fl": ["title", "url"]}},
            "response": {"numFound": 1, "docs": [{"title": "t", "url": "u"}]}
        });
        n.apply(&mut v).unwrap();
        assert_eq!(v["response"]["docs"][0], serde_json::json!({"title": "t"}));
        assert_eq!(
            v["responseHeader"]["params"],
            serde_json::json!({"q": "x", "fl": "title"})
        );
    }
}
