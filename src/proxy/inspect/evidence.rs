//! What an inspected request found: listed hits counted in the metrics, URL and hash matches
//! appended to the evidence log.

use super::{Ctx, list_name};
use crate::engines::HitDecision;
use crate::policy::{self, PolicyFilter};
use crate::snapshot::Snapshot;

impl Ctx<'_> {
    pub(super) fn count_listed(&self, snapshot: &Snapshot, filter: &PolicyFilter<'_>) {
        let m = &self.state.metrics;
        for (hit, decision) in &filter.listed {
            let effect = if *decision == HitDecision::Delist {
                "delist"
            } else {
                "demote"
            };
            m.hits(list_name(snapshot, hit.m.list), effect, 1);
        }
        if filter.demoted_by_text > 0 {
            m.hits("terms", "demote", filter.demoted_by_text);
        }
        if filter.suggestions_removed > 0 {
            m.hits("terms", "suggestion_removed", filter.suggestions_removed);
        }
        if filter.unjudged > 0 {
            m.unjudged(&self.route.name, filter.unjudged);
        }
    }

    /// Appends one evidence record per URL or hash match (fsynced, off the async threads). A
    /// failure is logged and counted; it does not change the response.
    pub(super) async fn record_evidence(
        &self,
        snapshot: &Snapshot,
        found: &[&policy::ListedHit],
        stage: crate::evidence::Stage,
    ) {
        let Some(log) = self.state.evidence.clone() else {
            return;
        };
        if found.is_empty() {
            return;
        }
        let headers = self
            .state
            .config
            .evidence
            .as_ref()
            .map(|c| c.capture_headers(&self.parts.headers))
            .unwrap_or_default();
        let now = std::time::SystemTime::now();
        let records: Vec<crate::evidence::EvidenceRecord> = found
            .iter()
            .map(|h| crate::evidence::EvidenceRecord {
                time: now,
                route: self.route.name.clone(),
                list: list_name(snapshot, h.m.list).to_owned(),
                list_version: snapshot
                    .list(h.m.list)
                    .map(|l| l.version.clone())
                    .unwrap_or_default(),
                kind: h.kind,
                stage,
                entry: Some(h.m.line),
                url: h.url.clone(),
                hash: h.hash.as_ref().map(|(_, v)| v.clone()),
                algorithm: h.hash.as_ref().map(|(a, _)| *a),
                headers: headers.clone(),
                legal_hold: false,
            })
            .collect();
        let result =
            tokio::task::spawn_blocking(move || records.iter().try_for_each(|r| log.append(r)))
                .await;
        if !matches!(result, Ok(Ok(()))) {
            self.state
                .metrics
                .fail_closed(&self.route.name, "evidence_write");
            tracing::error!(route = %self.route.name, "evidence record could not be written");
        }
    }
}
