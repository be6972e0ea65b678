//! Elasticsearch/OpenSearch `filter_path`: which parts of a response a client's patterns keep,
//! the patterns that also keep every hit's `_source`, and removing what only those added.
//!
//! A pattern is a dotted path whose segments may hold `*` (any run of characters within one
//! key) or be `**` (any number of keys); a leading `-` makes it an exclusion. Arrays are looked
//! through: a pattern names the keys of their elements.

use serde_json::Value;

use super::glob::matches;

/// What the widened request adds: every hit's `_source`, wherever hits are.
const SOURCES: &str = "**._source";

/// How far a pattern reaches a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reach {
    /// Neither the node nor anything under it.
    None,
    /// Something under the node, not all of it.
    Part,
    /// The node and everything under it.
    Whole,
}

fn reach(pattern: &[&str], path: &[&str]) -> Reach {
    match (pattern.split_first(), path.split_first()) {
        (None, _) => Reach::Whole,
        (Some(_), None) => Reach::Part,
        (Some((&"**", rest)), Some((_, deeper))) => reach(rest, path).max(reach(pattern, deeper)),
        (Some((seg, rest)), Some((key, deeper))) => {
            if matches(seg, key) {
                reach(rest, deeper)
            } else {
                Reach::None
            }
        }
    }
}

fn reach_any(patterns: &[Vec<&str>], path: &[&str]) -> Reach {
    patterns
        .iter()
        .map(|p| reach(p, path))
        .max()
        .unwrap_or(Reach::None)
}

/// Whether some segment of `pattern` may stand for a `_source` key.
fn touches_source(pattern: &str) -> bool {
    pattern
        .split('.')
        .any(|s| s == "**" || matches(s, "_source"))
}

/// What a widened `filter_path` added: removed again by [`PathNarrow::apply`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PathNarrow {
    /// The client's inclusions (when it had any and [`SOURCES`] was added to them).
    includes: Vec<String>,
    /// The client's exclusions that were lifted, applied again.
    excludes: Vec<String>,
}

/// The client's `filter_path` widened so that every hit keeps its whole `_source`, and what to
/// remove afterwards; `None` when the client's patterns keep it already.
pub(super) fn widen(filter_path: &str) -> Option<(String, PathNarrow)> {
    let patterns: Vec<&str> = filter_path
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let (excludes, includes): (Vec<&str>, Vec<&str>) =
        patterns.iter().partition(|p| p.starts_with('-'));
    let lifted: Vec<&str> = excludes
        .iter()
        .copied()
        .filter(|e| touches_source(&e[1..]))
        .collect();
    let add = !includes.is_empty() && !includes.contains(&SOURCES);
    if !add && lifted.is_empty() {
        return None;
    }
    let mut wide: Vec<&str> = patterns
        .iter()
        .copied()
        .filter(|p| !lifted.contains(p))
        .collect();
    if add {
        wide.push(SOURCES);
    }
    let narrow = PathNarrow {
        includes: if add {
            includes.iter().map(|s| (*s).to_owned()).collect()
        } else {
            Vec::new()
        },
        excludes: lifted.iter().map(|e| e[1..].to_owned()).collect(),
    };
    Some((wide.join(","), narrow))
}

impl PathNarrow {
    /// Removes from `root` what the widened patterns kept and the client's did not.
    pub(super) fn apply(&self, root: &mut Value) {
        let split = |v: &[String]| -> Vec<Vec<String>> {
            v.iter()
                .map(|p| p.split('.').map(str::to_owned).collect())
                .collect()
        };
        let (inc, exc) = (split(&self.includes), split(&self.excludes));
        let inc: Vec<Vec<&str>> = inc
            .iter()
            .map(|p| p.iter().map(String::as_str).collect())
            .collect();
        let exc: Vec<Vec<&str>> = exc
            .iter()
            .map(|p| p.iter().map(String::as_str).collect())
            .collect();
        let added = [vec!["**", "_source"]];
        let mut path = Vec::new();
        if !inc.is_empty() {
            keep_client_parts(root, &mut path, &inc, &added);
        }
        if !exc.is_empty() {
            drop_excluded(root, &mut path, &exc);
        }
    }
}

/// Under the added `_source`s, keeps what the client's inclusions reach; containers emptied by
/// this go too. Returns whether `v` lost anything.
fn keep_client_parts(
    v: &mut Value,
    path: &mut Vec<String>,
    client: &[Vec<&str>],
    added: &[Vec<&str>],
) -> bool {
    match v {
        Value::Array(items) => {
            let mut lost = false;
            items.retain_mut(|item| {
                let removed = keep_client_parts(item, path, client, added);
                lost |= removed;
                !(removed && is_empty(item))
            });
            lost
        }
        Value::Object(map) => {
            let mut lost = false;
            map.retain(|k, child| {
                path.push(k.clone());
                let keys: Vec<&str> = path.iter().map(String::as_str).collect();
                let (ours, theirs) = (reach_any(added, &keys), reach_any(client, &keys));
                let keep = match (ours, theirs) {
                    (_, Reach::Whole) | (Reach::None, _) => true,
                    (Reach::Whole, Reach::None) => false,
                    _ => {
                        let removed = keep_client_parts(child, path, client, added);
                        lost |= removed;
                        !(removed && is_empty(child))
                    }
                };
                path.pop();
                lost |= !keep;
                keep
            });
            lost
        }
        _ => false,
    }
}

/// Removes every key whose path one of `patterns` names.
fn drop_excluded(v: &mut Value, path: &mut Vec<String>, patterns: &[Vec<&str>]) {
    match v {
        Value::Array(items) => items
            .iter_mut()
            .for_each(|i| drop_excluded(i, path, patterns)),
        Value::Object(map) => map.retain(|k, child| {
            path.push(k.clone());
            let keys: Vec<&str> = path.iter().map(String::as_str).collect();
            let keep = reach_any(patterns, &keys) != Reach::Whole;
            if keep {
                drop_excluded(child, path, patterns);
            }
            path.pop();
            keep
        }),
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reach_of_patterns() {
        let cases: &[(&str, &str, Reach)] = &[
            ("hits.hits._id", "hits", Reach::Part),
            ("hits.hits._id", "hits.hits._id", Reach::Whole),
            ("hits.hits", "hits.hits._source.url", Reach::Whole),
            ("hits.hits._id", "hits.hits._source", Reach::None),
            ("**._source", "hits.hits._source", Reach::Whole),
            (
                "**._source",
                "responses.hits.hits.inner_hits.c.hits.hits._source.a",
                Reach::Whole,
            ),
            ("**._source", "took", Reach::Part),
            ("hits.*._source", "hits.hits._source", Reach::Whole),
            ("h*.hits", "hits.hits", Reach::Whole),
        ];
        for (pattern, path, want) in cases {
            let p: Vec<&str> = pattern.split('.').collect();
            let k: Vec<&str> = path.split('.').collect();
            assert_eq!(reach(&p, &k), *want, "{pattern} at {path}");
        }
    }

    #[test]
    fn widening_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("hits.hits._id", Some("hits.hits._id,**._source")),
            ("hits.total,**._source", None),
            ("-took", None),
            ("-hits.hits._source", Some("")),
            ("-took,-**.url", Some("-took")),
            (
                "hits.hits,-hits.hits._source.url",
                Some("hits.hits,**._source"),
            ),
        ];
        for (client, want) in cases {
            assert_eq!(widen(client).map(|(w, _)| w).as_deref(), *want, "{client}");
        }
    }

    /// What the engine returns for the widened patterns, narrowed, is what it returns for the
    /// client's (responses written out by hand as the engine filters them).
    #[test]
    fn narrowing_gives_the_clients_shape() {
        let cases: Vec<(&str, Value, Value)> = vec![
            (
                "ids only",
                json!({"hits": {"hits": [{"_id": "1", "_source": {"url": "u"}}, {"_id": "2", "_source": {}}]}}),
                json!({"hits": {"hits": [{"_id": "1"}, {"_id": "2"}]}}),
            ),
            (
                "total only",
                json!({"hits": {"total": {"value": 2}, "hits": [{"_source": {"url": "u"}}]}}),
                json!({"hits": {"total": {"value": 2}}}),
            ),
            (
                "source fields",
                json!({"hits": {"hits": [{"_source": {"url": "u", "title": "t", "md5": "m"}}, {"_source": {"md5": "m"}}]}}),
                json!({"hits": {"hits": [{"_source": {"title": "t"}}]}}),
            ),
        ];
        let clients = ["hits.hits._id", "hits.total", "hits.hits._source.title"];
        for ((name, wide, want), client) in cases.into_iter().zip(clients) {
            let (_, narrow) = widen(client).unwrap();
            let mut got = wide;
            narrow.apply(&mut got);
            assert_eq!(got, want, "{name}");
        }
        let (_, narrow) = widen("-hits.hits._source.url,-took").unwrap();
        let mut got = json!({"hits": {"hits": [{"_id": "1", "_source": {"url": "u", "t": 1}}]}});
        narrow.apply(&mut got);
        assert_eq!(
            got,
            json!({"hits": {"hits": [{"_id": "1", "_source": {"t": 1}}]}})
        );
    }
}
