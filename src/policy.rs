//! Policy: a verdict becomes an action for a route (its categories), and search hits and
//! suggestions are judged against the snapshot while an engine adapter rewrites a response.

mod forms;
#[cfg(test)]
mod hidden_tests;
mod plan;

use std::sync::Arc;

use serde_json::Value;

pub use forms::listed_hit;
use forms::lookup;
pub use plan::FilterPlan;

use crate::config::{RouteSpec, UnjudgedHits};
use crate::engines::{
    CompiledPointers, Engine, Hit, HitDecision, HitFields, RequestView, ResponseFilter,
};
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
        match text.strip_prefix(crate::engines::expand::EXPANDS) {
            // A pattern the engine expands, judged by the entries it reaches. It is judged as
            // text too: a user's own text may start with the mark, and must lose nothing by it.
            Some(pattern) => {
                verdict.merge(snapshot.check_text(pattern));
                verdict.merge(snapshot.check_pattern(pattern));
            }
            None => verdict.merge(snapshot.check_text(text)),
        }
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

/// The [`ResponseFilter`] the proxy hands to engine adapters for one response.
#[derive(Debug)]
pub struct PolicyFilter<'a> {
    snapshot: &'a Snapshot,
    route: &'a RouteSpec,
    /// The fields read (see [`FilterPlan`]); made for this filter or shared by the route.
    plan: Arc<FilterPlan>,
    /// False when the request filtered the hits' containers (a field missing from one may be
    /// hidden).
    container_shows_absence: bool,
    notice: Option<Notice>,
    notice_key: &'a str,
    /// Every URL/hash list match found, with the decision taken (for metrics and evidence).
    pub listed: Vec<(ListedHit, HitDecision)>,
    /// Hits demoted because their title or snippet matched a term list.
    pub demoted_by_text: u64,
    /// Suggestions and related searches removed.
    pub suggestions_removed: u64,
    /// Hits whose URL or hash fields the engine did not show (dropped unless the route keeps
    /// them).
    pub unjudged: u64,
}

impl<'a> PolicyFilter<'a> {
    /// A filter for one response on `route`; `fields` are the adapter's defaults, overridden by
    /// the route's `url_fields` when set.
    pub fn new(
        snapshot: &'a Snapshot,
        route: &'a RouteSpec,
        fields: HitFields,
        notice: Option<Notice>,
        notice_key: &'a str,
    ) -> Self {
        Self {
            snapshot,
            route,
            plan: Arc::new(FilterPlan::of_fields(route, fields)),
            container_shows_absence: false,
            notice,
            notice_key,
            listed: Vec::new(),
            demoted_by_text: 0,
            suggestions_removed: 0,
            unjudged: 0,
        }
    }

    /// What `PolicyFilter::new(snapshot, route, engine.hit_fields(), notice, notice_key)
    /// .with_engine(engine, req)` makes, with the route's `plan` made ahead: `plan` must be
    /// [`FilterPlan::for_engine`] of `route` and `engine`.
    pub fn planned(
        snapshot: &'a Snapshot,
        route: &'a RouteSpec,
        plan: Arc<FilterPlan>,
        engine: &dyn Engine,
        req: &RequestView<'_>,
        notice: Option<Notice>,
        notice_key: &'a str,
    ) -> Self {
        Self {
            snapshot,
            route,
            plan,
            container_shows_absence: !engine.hides_fields(req),
            notice,
            notice_key,
            listed: Vec::new(),
            demoted_by_text: 0,
            suggestions_removed: 0,
            unjudged: 0,
        }
    }

    /// Reads each URL and hash field wherever `engine` may return it ([`Engine::field_forms`]):
    /// `fields`, highlighting, formatted copies. A hit whose fields the engine did not show at
    /// all (or, when `req` filtered them, whose values were not found) is unjudged: dropped,
    /// unless the route says `unjudged_hits = "keep"`.
    #[must_use]
    pub fn with_engine(mut self, engine: &dyn Engine, req: &RequestView<'_>) -> Self {
        self.plan = Arc::new(FilterPlan::with_forms(
            self.route,
            self.plan.fields.clone(),
            engine,
        ));
        self.container_shows_absence = !engine.hides_fields(req);
        self
    }

    /// The configured URL and hash pointers that have lists to be matched against: the fields
    /// a request must let the engine return for its hits to be judged.
    pub fn judged_pointers(&self) -> Vec<String> {
        self.plan.judged_pointers(self.snapshot, self.route)
    }

    /// The request as sent upstream shows every judged field wherever the engine puts it (see
    /// [`crate::engines::reveal::Reveal::complete`]): a hit's container shows a field's absence
    /// again. Call after [`PolicyFilter::with_engine`].
    #[must_use]
    pub fn fields_revealed(mut self) -> Self {
        self.container_shows_absence = true;
        self
    }

    /// The URL and hash matches of a hit read through the engine's field forms, and whether
    /// every field with lists to match against was visible.
    fn judge_forms(&self, hit: &Hit<'_>) -> (Vec<ListedHit>, bool) {
        let judged = &self.plan.judged;
        let urls = judged
            .iter()
            .filter(|j| j.algorithm.is_none())
            .flat_map(|j| j.values(hit));
        let hashes = judged
            .iter()
            .filter_map(|j| j.algorithm.map(|a| (j, a)))
            .flat_map(|(j, a)| j.values(hit).map(move |v| (a, v)));
        let found = lookup(self.snapshot, urls, hashes);
        let visible = judged.iter().all(|j| {
            let listed = match j.algorithm {
                None => !self.snapshot.urls.is_empty(),
                Some(a) => self.snapshot.hashes.len(a) > 0,
            };
            !listed || j.visible(hit, self.container_shows_absence)
        });
        (found, visible)
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
        self.plan.pointers.list()
    }

    fn compiled_pointers(&self) -> Option<Arc<CompiledPointers>> {
        Some(Arc::clone(&self.plan.pointers))
    }

    fn judge_hit(&mut self, hit: &Hit<'_>) -> HitDecision {
        let found = if self.plan.judged.is_empty() {
            listed_hit(self.snapshot, hit, &self.plan.fields.url, self.route)
        } else {
            let (found, visible) = self.judge_forms(hit);
            if found.is_empty() && !visible {
                self.unjudged += 1;
                if self.route.unjudged_hits == UnjudgedHits::Drop {
                    return HitDecision::Delist;
                }
            }
            found
        };
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
            let texts = [&self.plan.fields.title, &self.plan.fields.snippet];
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
        toml::from_str("name = \"s\"\npath = \"/s\"\nkind = \"search\"\nengine = \"generic\"\ngeneric = { hits = \"/hits\", total = \"/total\", url = \"/url\" }\ndemote_matching_hits = true\nhash_fields = [{ pointer = \"/md5\", algorithm = \"md5\" }]").unwrap()
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

    /// A route's plan made ahead gives the filter that `new` and `with_engine` make for each
    /// response: the same pointers (also as compiled for the scan) and the same decisions.
    #[test]
    fn planned_filter_reads_and_judges_as_one_made_per_response() {
        let snap = snapshot();
        let route: RouteSpec = toml::from_str(concat!(
            "name = \"s\"\npath = \"/s\"\nkind = \"search\"\nengine = \"elasticsearch\"\n",
            "demote_matching_hits = true\nurl_fields = [\"/_source/link\"]\n",
            "hash_fields = [{ pointer = \"/_source/md5\", algorithm = \"md5\" }]",
        ))
        .unwrap();
        let es = crate::engines::build("elasticsearch", None).unwrap();
        let method = http::Method::POST;
        let filtered = br#"{"_source": ["link"]}"#;
        let plan = Arc::new(FilterPlan::for_engine(&route, &*es));
        let hits = [
            serde_json::json!({"_source": {"link": "https://www.listed.example/a"}}),
            serde_json::json!({"highlight": {"link": ["https://<em>listed</em>.example/b"]}}),
            serde_json::json!({"_source": {"link": "https://ok.example/", "md5": "3DBCFD15B317557B3D3F9B5C78D7CC18"}}),
            serde_json::json!({"_source": {"link": "https://ok.example/", "title": "zorvexil"}}),
            serde_json::json!({"_source": {"link": "https://ok.example/"}}),
            serde_json::json!({"_id": "nothing shown"}),
        ];
        for body in [&b""[..], &filtered[..]] {
            let req = RequestView {
                method: &method,
                path: "/i/_search",
                query: None,
                content_type: Some("application/json"),
                body,
            };
            let mut each = PolicyFilter::new(&snap, &route, es.hit_fields(), None, "k")
                .with_engine(&*es, &req);
            let mut planned =
                PolicyFilter::planned(&snap, &route, Arc::clone(&plan), &*es, &req, None, "k");
            assert_eq!(planned.hit_pointers(), each.hit_pointers());
            assert_eq!(
                planned.compiled_pointers().unwrap().list(),
                planned.hit_pointers()
            );
            assert_eq!(planned.judged_pointers(), each.judged_pointers());
            for hit in &hits {
                let hit = Hit::tree(hit);
                assert_eq!(planned.judge_hit(&hit), each.judge_hit(&hit), "{hit:?}");
            }
            assert_eq!(planned.listed, each.listed);
            assert_eq!(planned.unjudged, each.unjudged);
            assert_eq!(planned.demoted_by_text, each.demoted_by_text);
        }
    }

    #[test]
    fn expanded_patterns_reach_entries_and_a_forged_mark_hides_nothing() {
        let snap = snapshot();
        let mark = |s: &str| crate::engines::expand::expanding(s);
        let block = |t: String| check_texts(&snap, &[t], &[]).action == Action::Block;
        assert!(block(mark("zorve*")));
        assert!(block(mark("zor*xil")));
        assert!(!block(mark("z*l")));
        // A user's text that starts with the mark is still judged as text.
        assert!(block(mark("watch zorvexil now")));
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
