//! Elasticsearch/OpenSearch `_source` filtering: what a client's filter shows, the filter that
//! also shows the judged fields, and taking those fields out of each hit's `_source` again.

use serde_json::{Map, Value, json};

use super::glob::{matches, matches_or_holds};
use super::remove_path;

/// A `_source` filter as a search asked for it (the body's `_source`, or the URL's `_source`,
/// `_source_includes` and `_source_excludes`, which take precedence).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SourceFilter {
    /// False for `_source: false`: hits carry no `_source` at all.
    pub(super) fetch: bool,
    /// Wildcard patterns; empty means every field.
    pub(super) includes: Vec<String>,
    /// Wildcard patterns, applied after the includes.
    pub(super) excludes: Vec<String>,
}

impl Default for SourceFilter {
    fn default() -> Self {
        Self {
            fetch: true,
            includes: Vec::new(),
            excludes: Vec::new(),
        }
    }
}

/// What [`SourceFilter::widen`] added, taken out of a hit's `_source` by [`SourceNarrow::hit`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SourceNarrow {
    /// The client asked for no `_source`: remove it from each hit.
    drop_source: bool,
    /// Fields the client's includes did not take: removed (key paths).
    remove: Vec<Vec<String>>,
    /// The client's exclude patterns that were lifted: applied again.
    exclude: Vec<String>,
}

/// A string or an array of strings; `None` for anything else.
fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(a) => a.iter().map(|s| s.as_str().map(str::to_owned)).collect(),
        _ => None,
    }
}

impl SourceFilter {
    /// The filter of a body's `_source` value; `None` for a shape the engine would refuse.
    pub(super) fn from_json(v: &Value) -> Option<Self> {
        match v {
            Value::Bool(fetch) => Some(Self {
                fetch: *fetch,
                ..Self::default()
            }),
            Value::String(_) | Value::Array(_) => Some(Self {
                includes: strings(v)?,
                ..Self::default()
            }),
            Value::Object(map) => {
                let mut out = Self::default();
                for (k, v) in map {
                    match k.as_str() {
                        "includes" | "include" => out.includes.extend(strings(v)?),
                        "excludes" | "exclude" => out.excludes.extend(strings(v)?),
                        _ => return None,
                    }
                }
                Some(out)
            }
            _ => None,
        }
    }

    /// The filter of the URL parameters (`_source` true, false or a list of includes;
    /// `_source_includes`, `_source_excludes` and their singular forms), given as decoded
    /// values per parameter; `None` when none is there.
    pub(super) fn from_params(
        source: &[String],
        includes: &[String],
        excludes: &[String],
    ) -> Option<Self> {
        if source.is_empty() && includes.is_empty() && excludes.is_empty() {
            return None;
        }
        let mut out = Self::default();
        for s in source {
            match s.as_str() {
                "false" => out.fetch = false,
                "true" | "" => out.fetch = true,
                list => out.includes.extend(super::params::list(&[list.to_owned()])),
            }
        }
        out.includes.extend(super::params::list(includes));
        out.excludes.extend(super::params::list(excludes));
        Some(out)
    }

    /// Whether hits' `_source` holds `field` (a dotted path) when the document has it.
    pub(super) fn shows(&self, field: &str) -> bool {
        self.fetch
            && (self.includes.is_empty()
                || self.includes.iter().any(|i| matches_or_holds(i, field)))
            && !self.excludes.iter().any(|e| matches_or_holds(e, field))
    }

    /// The filter that also shows every one of `fields` (key paths), and how to take out what
    /// it adds; `None` when this one shows them all already.
    pub(super) fn widen(&self, fields: &[Vec<String>]) -> Option<(Self, SourceNarrow)> {
        let dotted: Vec<String> = fields.iter().map(|f| f.join(".")).collect();
        if dotted.iter().all(|f| self.shows(f)) {
            return None;
        }
        if !self.fetch {
            let wide = Self {
                fetch: true,
                includes: dotted,
                excludes: Vec::new(),
            };
            let narrow = SourceNarrow {
                drop_source: true,
                ..SourceNarrow::default()
            };
            return Some((wide, narrow));
        }
        let mut wide = self.clone();
        let mut narrow = SourceNarrow::default();
        if !self.includes.is_empty() {
            for (f, d) in fields.iter().zip(&dotted) {
                if !self.includes.iter().any(|i| matches_or_holds(i, d)) {
                    wide.includes.push(d.clone());
                    narrow.remove.push(f.clone());
                }
            }
        }
        let (lifted, kept): (Vec<String>, Vec<String>) = self
            .excludes
            .iter()
            .cloned()
            .partition(|e| dotted.iter().any(|f| matches_or_holds(e, f)));
        wide.excludes = kept;
        narrow.exclude = lifted;
        Some((wide, narrow))
    }

    /// As a body's `_source` value.
    pub(super) fn to_json(&self) -> Value {
        if !self.fetch {
            return Value::Bool(false);
        }
        match (self.includes.is_empty(), self.excludes.is_empty()) {
            (true, true) => Value::Bool(true),
            (false, true) => json!(self.includes),
            _ => json!({"includes": self.includes, "excludes": self.excludes}),
        }
    }

    /// As URL parameters.
    pub(super) fn to_params(&self) -> Vec<(&'static str, String)> {
        if !self.fetch {
            return vec![("_source", "false".to_owned())];
        }
        let mut out = Vec::new();
        if !self.includes.is_empty() {
            out.push(("_source_includes", self.includes.join(",")));
        }
        if !self.excludes.is_empty() {
            out.push(("_source_excludes", self.excludes.join(",")));
        }
        if out.is_empty() {
            out.push(("_source", "true".to_owned()));
        }
        out
    }
}

impl SourceNarrow {
    /// Takes what the widening added out of one hit.
    pub(super) fn hit(&self, hit: &mut Value) {
        let Some(map) = hit.as_object_mut() else {
            return;
        };
        if self.drop_source {
            map.shift_remove("_source");
            return;
        }
        let Some(source) = map.get_mut("_source") else {
            return;
        };
        for path in &self.remove {
            remove_path(source, path);
        }
        if !self.exclude.is_empty()
            && let Value::Object(m) = source
        {
            exclude(m, "", &self.exclude);
        }
    }
}

/// Removes every key whose dotted path matches one of `patterns`, looking into objects and
/// arrays of objects.
fn exclude(map: &mut Map<String, Value>, prefix: &str, patterns: &[String]) {
    map.retain(|k, v| {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        if patterns.iter().any(|p| matches(p, &path)) {
            return false;
        }
        match v {
            Value::Object(m) => exclude(m, &path, patterns),
            Value::Array(items) => {
                for item in items {
                    if let Value::Object(m) = item {
                        exclude(m, &path, patterns);
                    }
                }
            }
            _ => {}
        }
        true
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<Vec<String>> {
        vec![vec!["url".into()], vec!["md5".into()]]
    }

    /// What the engine's `_source` would be under `filter` (top-level keys; enough here).
    fn engine(filter: &SourceFilter, source: &Value) -> Option<Value> {
        let map = source.as_object()?;
        filter.fetch.then(|| {
            Value::Object(
                map.iter()
                    .filter(|(k, _)| filter.shows(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        })
    }

    /// Client filter → widened filter; narrowing what the engine returns for the widened one
    /// gives what it returns for the client's.
    #[test]
    fn widen_and_narrow_table() {
        let source = json!({"url": "u", "md5": "m", "title": "t", "up": 1});
        let cases: &[(&str, Value, Option<Value>)] = &[
            ("everything", json!(true), None),
            ("false", json!(false), Some(json!(["url", "md5"]))),
            (
                "list",
                json!(["title"]),
                Some(json!(["title", "url", "md5"])),
            ),
            (
                "string",
                json!("title"),
                Some(json!(["title", "url", "md5"])),
            ),
            ("includes url", json!(["url", "md5", "title"]), None),
            ("wildcard includes", json!(["*"]), None),
            (
                "excludes",
                json!({"excludes": ["url", "title"]}),
                Some(json!({"includes": [], "excludes": ["title"]})),
            ),
            (
                "wildcard exclude lifted",
                json!({"excludes": ["u*"]}),
                Some(json!(true)),
            ),
            (
                "include and exclude",
                json!({"include": "title", "exclude": "md5"}),
                Some(json!(["title", "url", "md5"])),
            ),
            (
                "include wildcard, exclude",
                json!({"includes": ["*"], "excludes": ["md5"]}),
                Some(json!(["*"])),
            ),
        ];
        for (name, client, want_wide) in cases {
            let filter = SourceFilter::from_json(client).unwrap();
            let widened = filter.widen(&fields());
            assert_eq!(
                widened.as_ref().map(|(w, _)| w.to_json()),
                *want_wide,
                "{name}"
            );
            let (wide, narrow) = widened.unwrap_or((filter.clone(), SourceNarrow::default()));
            assert!(wide.shows("url") && wide.shows("md5"), "{name}");
            let mut hit = json!({"_id": "1"});
            if let Some(s) = engine(&wide, &source) {
                hit["_source"] = s;
            }
            narrow.hit(&mut hit);
            assert_eq!(
                hit.get("_source").cloned(),
                engine(&filter, &source),
                "{name}"
            );
        }
    }

    proptest::proptest! {
        /// Whatever the client's filter, the widened one shows the judged fields, and the
        /// widened answer narrowed is the answer to the client's filter.
        #[test]
        fn narrowing_undoes_any_widening(
            fetch: bool,
            includes in proptest::collection::vec(proptest::sample::select(PATTERNS), 0..3),
            excludes in proptest::collection::vec(proptest::sample::select(PATTERNS), 0..3),
        ) {
            let source = json!({"url": "u", "md5": "m", "title": "t", "up": 1, "mid": 2});
            let owned = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect();
            let filter = SourceFilter { fetch, includes: owned(includes), excludes: owned(excludes) };
            let (wide, narrow) = filter.widen(&fields()).unwrap_or((filter.clone(), SourceNarrow::default()));
            proptest::prop_assert!(wide.shows("url") && wide.shows("md5"));
            let mut hit = json!({"_id": "1"});
            if let Some(s) = engine(&wide, &source) {
                hit["_source"] = s;
            }
            narrow.hit(&mut hit);
            proptest::prop_assert_eq!(hit.get("_source").cloned(), engine(&filter, &source));
        }
    }

    const PATTERNS: &[&str] = &["url", "md5", "title", "u*", "m*", "*", "*5", "x"];

    #[test]
    fn nested_fields_are_taken_out_with_the_objects_they_emptied() {
        let filter = SourceFilter::from_json(&json!(["title"])).unwrap();
        let (wide, narrow) = filter.widen(&[vec!["meta".into(), "url".into()]]).unwrap();
        assert_eq!(wide.to_json(), json!(["title", "meta.url"]));
        let mut hit = json!({"_source": {"title": "t", "meta": {"url": "u"}}});
        narrow.hit(&mut hit);
        assert_eq!(hit, json!({"_source": {"title": "t"}}));
        // An exclude naming the object holding the field is lifted.
        let filter = SourceFilter::from_json(&json!({"excludes": "meta"})).unwrap();
        assert!(!filter.shows("meta.url"));
        let (_, narrow) = filter.widen(&[vec!["meta".into(), "url".into()]]).unwrap();
        let mut hit = json!({"_source": {"title": "t", "meta": {"url": "u", "x": 1}}});
        narrow.hit(&mut hit);
        assert_eq!(hit, json!({"_source": {"title": "t"}}));
    }

    #[test]
    fn url_parameters() {
        let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(SourceFilter::from_params(&[], &[], &[]), None);
        let f = SourceFilter::from_params(&s(&["false"]), &[], &[]).unwrap();
        assert!(!f.fetch);
        let f = SourceFilter::from_params(&s(&["title,body"]), &[], &s(&["x"])).unwrap();
        assert_eq!(
            (f.includes.clone(), f.excludes.clone()),
            (s(&["title", "body"]), s(&["x"]))
        );
        let (wide, _) = f.widen(&fields()).unwrap();
        assert_eq!(
            wide.to_params(),
            [
                ("_source_includes", "title,body,url,md5".to_owned()),
                ("_source_excludes", "x".to_owned())
            ]
        );
        assert_eq!(
            SourceFilter::default().to_params(),
            [("_source", "true".to_owned())]
        );
        assert_eq!(SourceFilter::from_json(&json!(3)), None);
        assert_eq!(SourceFilter::from_json(&json!({"fields": []})), None);
    }
}
