//! Policy: a verdict becomes an action for a route (its categories), and search hits and
//! suggestions are judged against the snapshot while an engine adapter rewrites a response.

use serde_json::Value;

use crate::config::RouteSpec;
use crate::engines::{HitDecision, HitFields, ResponseFilter};
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

/// Finds the URL and hash list entries a hit or document matches.
pub fn listed(
    snapshot: &Snapshot,
    doc: &Value,
    url_fields: &[String],
    route: &RouteSpec,
) -> Vec<ListedHit> {
    let mut out = Vec::new();
    let url = first_string(doc, url_fields);
    if let Some(url) = url {
        for m in snapshot.urls.lookup(url) {
            out.push(ListedHit {
                m,
                kind: crate::evidence::MatchKind::Url,
                url: Some(url.to_owned()),
                hash: None,
            });
        }
    }
    for field in &route.hash_fields {
        for value in strings_at(doc, &field.pointer) {
            for m in snapshot.hashes.lookup(field.algorithm, value) {
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

fn first_string<'a>(doc: &'a Value, pointers: &[String]) -> Option<&'a str> {
    pointers.iter().find_map(|p| match doc.pointer(p)? {
        Value::String(s) => Some(s.as_str()),
        Value::Array(a) => a.first()?.as_str(),
        _ => None,
    })
}

fn strings_at<'a>(doc: &'a Value, pointer: &str) -> Vec<&'a str> {
    match doc.pointer(pointer) {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The [`ResponseFilter`] the proxy hands to engine adapters for one response.
#[derive(Debug)]
pub struct PolicyFilter<'a> {
    snapshot: &'a Snapshot,
    route: &'a RouteSpec,
    fields: HitFields,
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
        Self {
            snapshot,
            route,
            fields,
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

    fn judge_hit(&mut self, hit: &Value) -> HitDecision {
        let found = listed(self.snapshot, hit, &self.fields.url, self.route);
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
                .filter_map(|ptrs| first_string(hit, ptrs))
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
