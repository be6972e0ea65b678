//! Making the engine return what searchward judges hits by, and giving the client only what it
//! asked for: a request that hides a hit's URL or hash fields (`_source` filtering,
//! `filter_path`, Solr `fl`, `attributesToRetrieve`, `include_fields`/`exclude_fields`) is
//! widened before it goes upstream ([`Reveal`]), and the judged response is narrowed back by
//! removing exactly what the widening added ([`Narrow`]).
//!
//! One module per engine, each a pair of pure functions over the request and the response
//! bytes. Anything a planner cannot rewrite exactly is left as the client sent it, with
//! [`Reveal::complete`] false: those hits are judged on the values they show, and a hit that
//! shows none is unjudged (dropped and counted).

mod elasticsearch;
mod filter_path;
mod glob;
mod meilisearch;
mod params;
mod solr;
mod source;
mod typesense;

use serde_json::Value;

use super::{EngineError, RequestView};

/// How to send a request so that the engine returns the judged fields, and how to give the
/// client back the shape it asked for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reveal {
    /// The query string to send instead of the client's (raw, without `?`), when changed.
    pub query: Option<String>,
    /// The body to send instead of the client's, when changed.
    pub body: Option<Vec<u8>>,
    /// What to remove from the response before it goes to the client.
    pub narrow: Narrow,
    /// Whether the request as sent shows every judged field wherever the engine puts it when
    /// the document has one: a hit's container (`_source`, the document) then also shows that
    /// a field it lacks is absent.
    pub complete: bool,
}

impl Reveal {
    /// The request goes as it is; `complete` says whether it already shows every field.
    pub fn unchanged(complete: bool) -> Self {
        Self {
            complete,
            ..Self::default()
        }
    }

    /// Whether the request goes upstream as the client sent it.
    pub fn is_unchanged(&self) -> bool {
        self.query.is_none() && self.body.is_none()
    }
}

/// What a widened request added to the response, to be taken out again.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Narrow(Repr);

/// One engine's plan (see its module).
#[derive(Clone, Debug, Default, PartialEq)]
enum Repr {
    /// Nothing was added.
    #[default]
    Nothing,
    /// Elasticsearch/OpenSearch: `_source` per search, `filter_path` over the whole answer.
    Elasticsearch(elasticsearch::Narrow),
    /// Solr: fields added to `fl`.
    Solr(solr::Narrow),
    /// Meilisearch: attributes added to `attributesToRetrieve`, per query.
    Meilisearch(meilisearch::Narrow),
    /// Typesense: fields added to `include_fields` or taken from `exclude_fields`, per search.
    Typesense(typesense::Narrow),
}

impl Narrow {
    /// Nothing to take out.
    pub const NOTHING: Narrow = Narrow(Repr::Nothing);

    /// Removes from `body` (the judged response) what the widened request added. `Ok(None)`:
    /// nothing to remove.
    ///
    /// # Errors
    /// [`EngineError::Malformed`] when the body is not JSON, [`EngineError::Shape`] when its
    /// shape is not the engine's.
    pub fn apply(&self, body: &[u8]) -> Result<Option<Vec<u8>>, EngineError> {
        if self.0 == Repr::Nothing {
            return Ok(None);
        }
        let mut root = super::query::parse_json(body)?;
        match &self.0 {
            Repr::Nothing => {}
            Repr::Elasticsearch(n) => n.apply(&mut root)?,
            Repr::Solr(n) => n.apply(&mut root)?,
            Repr::Meilisearch(n) => n.apply(&mut root)?,
            Repr::Typesense(n) => n.apply(&mut root)?,
        }
        serde_json::to_vec(&root)
            .map(Some)
            .map_err(|_| super::query::shape("a response that cannot be written back"))
    }
}

/// Plans the request for `engine` (an adapter name) so that the fields at `pointers` (URL and
/// hash pointers relative to one hit, as configured) are returned.
///
/// # Errors
/// [`EngineError::Malformed`] when the request cannot be parsed.
pub fn plan(
    engine: &str,
    req: &RequestView<'_>,
    pointers: &[String],
) -> Result<Reveal, EngineError> {
    if pointers.is_empty() {
        return Ok(Reveal::unchanged(true));
    }
    match engine {
        "elasticsearch" | "opensearch" => elasticsearch::plan(req, pointers),
        "solr" => solr::plan(req, pointers),
        "meilisearch" => meilisearch::plan(req, pointers),
        "typesense" => typesense::plan(req, pointers),
        _ => Ok(Reveal::unchanged(false)),
    }
}

/// The field names under `prefix` (a JSON pointer such as `/_source/`) of each pointer, as a
/// path of keys (`~1` and `~0` unescaped). `None` when some pointer is elsewhere: that field
/// cannot be revealed by the request.
fn field_paths(pointers: &[String], prefix: &str) -> Option<Vec<Vec<String>>> {
    pointers
        .iter()
        .map(|p| {
            let rest = p.strip_prefix(prefix)?;
            let keys: Vec<String> = rest
                .split('/')
                .map(|t| t.replace("~1", "/").replace("~0", "~"))
                .collect();
            let plain = keys
                .iter()
                .all(|k| !k.is_empty() && !k.contains(['.', '*', ',', ' ']));
            plain.then_some(keys)
        })
        .collect()
}

/// Whether the request may name one of `names` (a query parameter, or a JSON key in the body,
/// escaped or not): when not, it filters nothing and needs no parsing.
fn may_name(req: &RequestView<'_>, names: &[&str]) -> bool {
    super::query::mentions(req, names) || req.body.windows(2).any(|w| w == b"\\u")
}

/// Removes the value at `path` inside `v`, looking through arrays (an array of objects holds
/// the field in each); objects that the removal left empty go too, up to (not including) `v`.
/// Returns whether anything was removed.
fn remove_path(v: &mut Value, path: &[String]) -> bool {
    match v {
        Value::Array(items) => {
            let mut any = false;
            for item in items {
                any |= remove_path(item, path);
            }
            any
        }
        Value::Object(map) => match path {
            [] => false,
            [last] => map.shift_remove(last.as_str()).is_some(),
            [first, rest @ ..] => {
                let Some(child) = map.get_mut(first.as_str()) else {
                    return false;
                };
                let removed = remove_path(child, rest);
                if removed && child.as_object().is_some_and(serde_json::Map::is_empty) {
                    map.shift_remove(first.as_str());
                }
                removed
            }
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_paths_only_under_the_prefix() {
        let p = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            field_paths(&p(&["/_source/url", "/_source/a/b~1c"]), "/_source/"),
            Some(vec![p(&["url"]), p(&["a", "b/c"])])
        );
        assert_eq!(
            field_paths(&p(&["/_source/url", "/fields/url/0"]), "/_source/"),
            None
        );
        assert_eq!(field_paths(&p(&["/_source/u.rl"]), "/_source/"), None);
    }

    #[test]
    fn removing_prunes_only_what_it_emptied() {
        let mut v = json!({"a": {"b": 1}, "c": {}, "d": [{"b": 1, "e": 2}, {"b": 3}]});
        assert!(remove_path(&mut v, &["a".into(), "b".into()]));
        assert!(remove_path(&mut v, &["d".into(), "b".into()]));
        assert!(!remove_path(&mut v, &["x".into()]));
        assert_eq!(v, json!({"c": {}, "d": [{"e": 2}, {}]}));
    }

    #[test]
    fn nothing_to_narrow_keeps_the_bytes() {
        assert_eq!(Narrow::NOTHING.apply(b"not even json").unwrap(), None);
    }

    #[test]
    fn escaped_keys_are_not_missed() {
        let req = crate::engines::testkit::Req::post(
            "/i/_search",
            "application/json",
            br#"{"\u005fsource":false}"#,
        );
        assert!(may_name(&req.view(), &["_source"]));
        let r = plan("opensearch", &req.view(), &["/_source/url".to_owned()]).unwrap();
        assert_eq!(r.body.as_deref(), Some(&br#"{"_source":["url"]}"#[..]));
        let plain = crate::engines::testkit::Req::post("/i/_search", "application/json", b"{}");
        assert!(!may_name(&plain.view(), &["_source"]));
    }
}
