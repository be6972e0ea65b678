//! Policy: a verdict becomes an action for a route (its categories), and search hits and
//! suggestions are judged against the snapshot while an engine adapter rewrites a response.

use serde_json::Value;

use crate::config::RouteSpec;
use crate::engines::{Hit, HitDecision, HitFields, ResponseFilter};
use crate::lists::{HashAlgorithm, HitEffect};
use crate::signpost::Notice;
use crate::snapshot::Snapshot;
use crate::verdict::{Action, ListId, Match, Verdict};

/// Keeps only the matches of lists in `categories` (all when empty) and recomputes the action.
pub fn for_route(verdict: Verdict, snapshot: &Snapshot, categories: &[String]) -> Verdict {
    if categories.is_empty() || verdict.matches.is_empty() {
        return verdict;
    }
    let mut out = Verdict::allow();
    for m in verdict.matches {
        if let Some(list) = snapshot.list(m.list)
            && categories.contains(&list.spec.category)
        {
            out.push(m, list.spec.action);
        }
    }
    out
}

/// Checks every text of a request and merges the verdicts.
pub fn check_texts(snapshot: &Snapshot, texts: &[String], categories: &[String]) -> Verdict {
    let mut verdict = Verdict::allow();
    for text in texts {
        verdict.merge(snapshot.check_text(text));
    }
    verdict.finish();
    for_route(verdict, snapshot, categories)
}

/// A hit or document matched a URL or hash list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedHit {
    /// The matched list entry.
    pub m: Match,
    /// URL or hash.
    pub kind: crate::evidence::MatchKind,
    /// The URL (as found in the hit) for URL matches and as context for hash matches.
    pub url: Option<String>,
    /// The hash value and algorithm for hash matches.
    pub hash: Option<(HashAlgorithm, String)>,
}

/// Finds the URL and hash list entries a document matches (see [`listed_hit`]).
pub fn listed(
    snapshot: &Snapshot,
    doc: &Value,
    url_fields: &[String],
    route: &RouteSpec,
) -> Vec<ListedHit> {
    listed_hit(snapshot, &Hit::tree(doc), url_fields, route)
}

/// Finds the URL and hash list entries a hit or document matches: every URL at `url_fields`
/// (a field may hold an array of them) and every hash at the route's hash fields.
pub fn listed_hit(
    snapshot: &Snapshot,
    doc: &Hit<'_>,
    url_fields: &[String],
    route: &RouteSpec,
) -> Vec<ListedHit> {
    let mut out = Vec::new();
    for u in url_fields.iter().flat_map(|p| doc.strs_at(p)) {
        for m in snapshot.urls.lookup(u) {
            out.push(ListedHit {
                m,
                kind: crate::evidence::MatchKind::Url,
                url: Some(u.to_owned()),
                hash: None,
            });
        }
    }
    for field in &route.hash_fields {
        for value in doc.strs_at(&field.pointer) {
            for m in snapshot.hashes.lookup(field.algorithm, value) {
                // The hit's first URL, as context for the hash match.
                let url = url_fields.iter().flat_map(|p| doc.strs_at(p)).next();
                out.push(ListedHit {
                    m,
                    kind: crate::evidence::MatchKind::Hash,
                    url: url.map(str::to_owned),
                    hash: Some((field.algorithm, value.to_owned())),
                });
            }
        }
    }
    out
}

/// The [`ResponseFilter`] the proxy hands to engine adapters for one response.
#[derive(Debug)]
pub struct PolicyFilter<'a> {
    snapshot: &'a Snapshot,
    route: &'a RouteSpec,
    fields: HitFields,
    /// Every pointer `judge_hit` reads: URL, hash and (with title checks) title and snippet.
    pointers: Vec<String>,
    notice: Option<Notice>,
    notice_key: &'a str,
    /// Every URL/hash list match found, with the decision taken (for metrics and evidence).
    pub listed: Vec<(ListedHit, HitDecision)>,
    /// Hits demoted because their title or snippet matched a term list.
    pub demoted_by_text: u64,
    /// Suggestions and related searches removed.
    pub suggestions_removed: u64,
}

impl<'a> PolicyFilter<'a> {
    /// A filter for one response on `route`; `fields` are the adapter's defaults, overridden by
    /// the route's `url_fields` when set.
    pub fn new(
        snapshot: &'a Snapshot,
        route: &'a RouteSpec,
        mut fields: HitFields,
        notice: Option<Notice>,
        notice_key: &'a str,
    ) -> Self {
        if !route.url_fields.is_empty() {
            fields.url = route.url_fields.clone();
        }
        let mut pointers: Vec<String> = Vec::new();
        let texts = [&fields.title, &fields.snippet];
        let text_pointers = texts.into_iter().filter(|_| route.demote_matching_hits);
        let hash_pointers = route.hash_fields.iter().map(|f| &f.pointer);
        for p in fields
            .url
            .iter()
            .chain(hash_pointers)
            .chain(text_pointers.flatten())
        {
            if !pointers.contains(p) {
                pointers.push(p.clone());
            }
        }
        Self {
            snapshot,
            route,
            fields,
            pointers,
            notice,
            notice_key,
            listed: Vec::new(),
            demoted_by_text: 0,
            suggestions_removed: 0,
        }
    }

    fn text_flagged(&self, text: &str) -> bool {
        let v = for_route(
            self.snapshot.check_text(text),
            self.snapshot,
            &self.route.categories,
        );
        v.action >= Action::Signpost
    }

    fn effect(&self, list: ListId) -> HitEffect {
        self.snapshot
            .list(list)
            .map(|l| l.spec.effect)
            .unwrap_or_default()
    }
}

impl ResponseFilter for PolicyFilter<'_> {
    fn keep_suggestion(&mut self, text: &str) -> bool {
        let keep = !self.text_flagged(text);
        if !keep {
            self.suggestions_removed += 1;
        }
        keep
    }

    fn hit_pointers(&self) -> &[String] {
        &self.pointers
    }

    fn judge_hit(&mut self, hit: &Hit<'_>) -> HitDecision {
        let found = listed_hit(self.snapshot, hit, &self.fields.url, self.route);
        if !found.is_empty() {
            let decision = if found
                .iter()
                .any(|h| self.effect(h.m.list) == HitEffect::Delist)
            {
                HitDecision::Delist
            } else {
                HitDecision::Demote
            };
            self.listed.extend(found.into_iter().map(|h| (h, decision)));
            return decision;
        }
        if self.route.demote_matching_hits {
            let texts = [&self.fields.title, &self.fields.snippet];
            let flagged = texts
                .iter()
                .filter_map(|ptrs| ptrs.iter().find_map(|p| hit.first_str_at(p)))
                .any(|t| self.text_flagged(t));
            if flagged {
                self.demoted_by_text += 1;
                return HitDecision::Demote;
            }
        }
        HitDecision::Keep
    }

    fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    fn notice_key(&self) -> &str {
        self.notice_key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lists::ListSource;
    use crate::lists::{ListKind, ListSpec};

    fn snapshot() -> Snapshot {
        let mut md5 = ListSpec::from_flag(ListKind::Hashes, "md5.txt".into());
        md5.algorithm = Some(HashAlgorithm::Md5);
        let mut demote = ListSpec::from_flag(ListKind::Urls, "soft.txt".into());
        demote.effect = HitEffect::Demote;
        let src = |spec: ListSpec, text: &str| ListSource::new(spec, text.as_bytes().to_vec());
        Snapshot::build(vec![
            src(
                ListSpec::from_flag(ListKind::Terms, "terms.txt".into()),
                "zorvexil\n",
            ),
            src(
                ListSpec::from_flag(ListKind::Urls, "urls.txt".into()),
                "listed.example/\n",
            ),
            src(demote, "soft.example/\n"),
            src(md5, "3dbcfd15b317557b3d3f9b5c78d7cc18\n"),
        ])
        .unwrap()
    }

    fn route() -> RouteSpec {
        toml::from_str("name = \"s\"\npath = \"/s\"\nkind = \"search\"\nengine = \"generic\"\ndemote_matching_hits = true\nhash_fields = [{ pointer = \"/md5\", algorithm = \"md5\" }]").unwrap()
    }

    #[test]
    fn hits_are_judged_by_every_url_hash_and_title() {
        let snap = snapshot();
        let route = route();
        let fields = HitFields {
            url: vec!["/url".into()],
            title: vec!["/title".into()],
            snippet: vec![],
        };
        let mut f = PolicyFilter::new(&snap, &route, fields, None, "k");
        let cases = [
            (
                "clean",
                serde_json::json!({"url": "https://ok.example/", "title": "garden"}),
                HitDecision::Keep,
            ),
            (
                "listed url",
                serde_json::json!({"url": "https://www.listed.example/a"}),
                HitDecision::Delist,
            ),
            (
                "listed url second in an array",
                serde_json::json!({"url": ["https://ok.example/", "http://listed.example/x"]}),
                HitDecision::Delist,
            ),
            (
                "demote list",
                serde_json::json!({"url": "https://soft.example/p"}),
                HitDecision::Demote,
            ),
            (
                "listed hash",
                serde_json::json!({"url": "https://ok.example/", "md5": "3DBCFD15B317557B3D3F9B5C78D7CC18"}),
                HitDecision::Delist,
            ),
            (
                "title term",
                serde_json::json!({"url": "https://ok.example/", "title": "Z0RVEXIL photos"}),
                HitDecision::Demote,
            ),
        ];
        for (name, hit, want) in cases {
            assert_eq!(f.judge_hit(&Hit::tree(&hit)), want, "{name}");
        }
        assert!(!f.keep_suggestion("zorvexil garden"));
        assert!(f.keep_suggestion("garden tools"));
        assert_eq!(f.suggestions_removed, 1);
    }

    /// The Elasticsearch fast path (no notice) and its `Value` path (a notice to inject) ask
    /// this filter about the same hits and get the same answers: every pointer it reads is
    /// declared.
    #[test]
    fn fast_and_tree_paths_judge_alike() {
        let snap = snapshot();
        let route: RouteSpec = toml::from_str(concat!(
            "name = \"s\"\npath = \"/s\"\nkind = \"search\"\nengine = \"elasticsearch\"\n",
            "demote_matching_hits = true\nurl_fields = [\"/_source/link\", \"/fields/url/0\"]\n",
            "hash_fields = [{ pointer = \"/_source/md5\", algorithm = \"md5\" }]",
        ))
        .unwrap();
        let body = serde_json::json!({"hits": {"total": {"value": 8, "relation": "eq"}, "hits": [
            {"_id": "listed", "_source": {"link": "https://www.listed.example/a", "title": "ok"}},
            {"_id": "soft", "fields": {"url": ["https://soft.example/p"]}, "_source": {}},
            {"_id": "hash", "_source": {"link": "https://ok.example/", "md5": "3DBCFD15B317557B3D3F9B5C78D7CC18"}},
            {"_id": "title", "_source": {"link": "https://ok.example/", "title": ["Z0RVEXIL photos"]}},
            {"_id": "snippet", "_source": {"link": "https://ok.example/", "description": "zorvexil"}},
            {"_id": "not a url field", "_source": {"url": "https://www.listed.example/b"}},
            {"_id": "second element", "fields": {"url": ["https://ok.example/", "https://listed.example/"]}},
            {"_id": "clean", "_source": {"link": "https://ok.example/", "title": "garden"}}
        ]}});
        let body = serde_json::to_vec(&body).unwrap();
        let es = crate::engines::build("elasticsearch", None).unwrap();
        let method = http::Method::GET;
        let req = crate::engines::RequestView {
            method: &method,
            path: "/p/_search",
            query: None,
            content_type: None,
            body: b"",
        };
        let notice = Notice {
            kind: crate::signpost::NoticeKind::Support,
            title: "t".into(),
            message: "m".into(),
            links: Vec::new(),
            locale: "en-GB".into(),
            variant: "v".into(),
        };
        let run = |notice: Option<Notice>| {
            let mut f = PolicyFilter::new(&snap, &route, es.hit_fields(), notice, "k");
            let out = es.rewrite(&req, &body, &mut f).unwrap().unwrap();
            let out: Value = serde_json::from_slice(&out).unwrap();
            let ids: Vec<String> = out["hits"]["hits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["_id"].as_str().unwrap().to_owned())
                .collect();
            (
                ids,
                out["hits"]["total"].clone(),
                f.listed,
                f.demoted_by_text,
            )
        };
        let fast = run(None);
        assert_eq!(fast, run(Some(notice)));
        let (ids, total, listed, by_text) = fast;
        assert_eq!(
            ids,
            [
                "not a url field",
                "second element",
                "clean",
                "soft",
                "title",
                "snippet"
            ],
            "delisted: listed, hash (`/fields/url/0` reads one element); demoted after the rest"
        );
        assert_eq!(total["value"], 6);
        assert_eq!((listed.len(), by_text), (3, 2));
    }

    #[test]
    fn route_categories_filter_matches() {
        let snap = snapshot();
        let v = check_texts(&snap, &["zorvexil".to_owned()], &[]);
        assert_eq!(v.action, Action::Block);
        let v = check_texts(&snap, &["zorvexil".to_owned()], &["other".to_owned()]);
        assert_eq!(v.action, Action::Allow);
    }
}
