//! Index routes: documents whose URL or content hash is listed are dropped before the engine
//! indexes them (or the request is refused), with evidence recorded.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};

use super::{Ctx, guarded, list_name, rebuild, respond, shed};
use crate::policy;
use crate::proxy::body::Body;
use crate::proxy::budget::Reservation;
use crate::proxy::error::ProxyError;
use crate::snapshot::Snapshot;
use crate::verdict::Action;

impl Ctx<'_> {
    /// Index routes: documents whose URL or hash is listed are dropped (or the request refused).
    pub(super) async fn index(
        &self,
        snapshot: &Arc<Snapshot>,
        client: SocketAddr,
        reservation: &mut Reservation,
    ) -> Result<Response<Body>, ProxyError> {
        // Documents are what the engine will store, not search hits that wrap them.
        let fields = self.engine.document_fields();
        let url_fields = if self.route.spec.url_fields.is_empty() {
            fields.url
        } else {
            self.route.spec.url_fields.clone()
        };
        let docs = match guarded(|| self.engine.documents(&self.view())) {
            Ok(d) => d,
            Err(e) => return self.safe(e),
        };
        let mut keep = Vec::with_capacity(docs.len());
        let mut refused = Vec::new();
        let mut evidence = Vec::new();
        for (i, doc) in docs.iter().enumerate() {
            let found = policy::listed(snapshot, doc, &url_fields, &self.route.spec);
            for h in &found {
                self.state
                    .metrics
                    .hits(list_name(snapshot, h.m.list), "refused", 1);
            }
            keep.push(found.is_empty());
            if !found.is_empty() {
                refused.push(i);
            }
            evidence.extend(found);
        }
        let found: Vec<&policy::ListedHit> = evidence.iter().collect();
        self.record_evidence(snapshot, &found, crate::evidence::Stage::Index)
            .await;
        let action = if refused.is_empty() {
            Action::Allow
        } else {
            Action::Block
        };
        self.state.metrics.action(self.route.index, action);
        if refused.is_empty() {
            return self
                .forward_index(client, self.body.clone(), &refused, reservation)
                .await;
        }
        if self.route.spec.refuse_whole_batch || refused.len() == docs.len() {
            let body =
                serde_json::json!({"error": "documents_refused", "refused": refused}).to_string();
            return Ok(respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                "application/json",
                body.into_bytes(),
            ));
        }
        let body = match guarded(|| self.engine.filter_documents(&self.view(), &keep)) {
            Ok(b) => b,
            Err(e) => return self.safe(e),
        };
        if reservation.grow(body.len()).is_err() {
            return Err(shed(self.state));
        }
        self.forward_index(client, Bytes::from(body), &refused, reservation)
            .await
    }

    async fn forward_index(
        &self,
        client: SocketAddr,
        body: Bytes,
        refused: &[usize],
        reservation: &mut Reservation,
    ) -> Result<Response<Body>, ProxyError> {
        let (mut rparts, raw) = self.exchange(client, body, None, reservation).await?;
        if !refused.is_empty() {
            let list = refused
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(",");
            if let Ok(v) = HeaderValue::from_str(&list) {
                rparts.headers.insert("x-searchward-refused", v);
            }
        }
        Ok(rebuild(rparts, raw, false))
    }
}
