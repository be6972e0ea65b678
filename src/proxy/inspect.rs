//! Inspected routes (search, suggest, index): buffer the request under a limit, extract the
//! user's text, decide, then either answer at once (block) or forward and rewrite the buffered
//! response. Anything that cannot be evaluated gets the route's safe response, and no byte of an
//! inspected response reaches the client before its verdict. Index routes' document filtering is
//! in `index`, what was found is counted and recorded in `evidence`, and the responses the route
//! makes itself are built in `respond`.

use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderValue, Request, Response, StatusCode, Version, header};
use hyper::body::Incoming;

use super::State;
use super::body::{Body, CollectError, collect_reserved, decode, full};
use super::budget::Reservation;
use super::error::ProxyError;
use super::headers;
use super::router::Route;
use crate::config::RouteKind;
use crate::engines::{Engine, RequestView, Synthesized, reveal};
use crate::metrics::Shed;
use crate::policy::{self, PolicyFilter};
use crate::signpost::NoticeKind;
use crate::snapshot::Snapshot;
use crate::verdict::Action;
use respond::{rebuild, respond, upstream_status};

/// Reserved against the buffered-bytes budget by every inspected request before it reads
/// anything (its head, its body's first bytes, the engine's answer): when even this does not
/// fit, the request is shed with `503` before buffering.
const ADMISSION_BYTES: usize = 64 * 1024;

/// Handles a request on a search, suggest or index route, its buffered bodies held against the
/// buffered-bytes budget (shed with `503` when there is no room) until the response body is
/// sent or dropped.
pub async fn handle(
    state: &State,
    route: &Route,
    req: Request<Incoming>,
    client: SocketAddr,
) -> Result<Response<Body>, ProxyError> {
    let Ok(mut reservation) = state.budget.reserve(ADMISSION_BYTES) else {
        return Err(shed(state));
    };
    match inspect(state, route, req, client, &mut reservation).await {
        Ok(resp) => Ok(resp.map(|b| b.holding(reservation))),
        Err(e) => Err(e),
    }
}

/// Counts a request shed for want of buffer room.
fn shed(state: &State) -> ProxyError {
    state.metrics.shed(Shed::BufferedBytes);
    ProxyError::Overloaded
}

async fn inspect(
    state: &State,
    route: &Route,
    req: Request<Incoming>,
    client: SocketAddr,
    reservation: &mut Reservation,
) -> Result<Response<Body>, ProxyError> {
    let engine = route.engine.as_deref().ok_or(ProxyError::Internal)?;
    // Loaded once, before any .await: the whole request sees one consistent set of lists.
    let snapshot = state.snapshot.load();
    let (parts, body) = req.into_parts();
    let limits = &state.config.limits;
    let body = match collect_reserved(
        body,
        limits.max_request_body,
        limits.header_read_timeout(),
        Some(reservation),
    )
    .await
    {
        Ok(b) => b,
        Err(CollectError::TooLarge(_)) => {
            return Err(fail(state, route, ProxyError::RequestTooLarge));
        }
        Err(CollectError::OverBudget) => return Err(shed(state)),
        Err(_) => return Err(fail(state, route, ProxyError::BadRequest)),
    };
    let ctx = Ctx {
        state,
        route,
        engine,
        parts: &parts,
        body: &body,
    };
    let Some(snapshot) = snapshot else {
        return ctx.safe(ProxyError::NotReady);
    };
    if state.config.reload.fail_closed_when_stale
        && snapshot
            .stale_lists(std::time::SystemTime::now())
            .next()
            .is_some()
    {
        state.metrics.fail_closed(&route.name, "stale_lists");
        return match route.kind {
            RouteKind::Suggest => ctx.synthesized(engine.empty_suggestions(&ctx.view())),
            RouteKind::Search => {
                let notice = state
                    .signposter
                    .choose(NoticeKind::Support, ctx.accept_language());
                ctx.synthesized(engine.blocked(&ctx.view(), &notice, state.signposter.notice_key()))
            }
            _ => Err(ProxyError::NotReady),
        };
    }
    if route.kind == RouteKind::Index {
        return ctx.index(&snapshot, client, reservation).await;
    }
    let verdict = match guarded(|| {
        let texts = engine.extract(&ctx.view())?;
        Ok(policy::check_texts(
            &snapshot,
            &texts,
            &route.spec.categories,
        ))
    }) {
        Ok(v) => v,
        Err(e) => return ctx.safe(e),
    };
    state.metrics.action(route.index, verdict.action);
    if !verdict.is_allow() {
        let ids: Vec<String> = verdict
            .matches
            .iter()
            .map(|m| format!("{}:{}", list_name(&snapshot, m.list), m.line))
            .collect();
        tracing::debug!(route = %route.name, action = verdict.action.as_str(), matches = ?ids, "query matched");
    }
    let flagged = verdict.action >= Action::Signpost;
    match (route.kind, verdict.action) {
        (RouteKind::Suggest, _) if flagged => {
            ctx.synthesized(engine.empty_suggestions(&ctx.view()))
        }
        (RouteKind::Search, Action::Block) => {
            let notice = state
                .signposter
                .choose(NoticeKind::Deterrence, ctx.accept_language());
            ctx.synthesized(engine.blocked(&ctx.view(), &notice, state.signposter.notice_key()))
        }
        _ => {
            let notice = (flagged && route.kind == RouteKind::Search).then(|| {
                state
                    .signposter
                    .choose(NoticeKind::Support, ctx.accept_language())
            });
            ctx.forward_and_rewrite(&snapshot, client, notice, reservation)
                .await
        }
    }
}

fn list_name(snapshot: &Snapshot, id: u32) -> &str {
    snapshot.list(id).map_or("?", |l| l.spec.name.as_str())
}

/// Runs synchronous policy or adapter code, turning an error or a panic into a proxy error.
fn guarded<T>(f: impl FnOnce() -> Result<T, crate::engines::EngineError>) -> Result<T, ProxyError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(_)) => Err(ProxyError::BadRequest),
        Err(_) => Err(ProxyError::Internal),
    }
}

fn fail(state: &State, route: &Route, err: ProxyError) -> ProxyError {
    state.metrics.fail_closed(&route.name, err.code());
    err
}

struct Ctx<'a> {
    state: &'a State,
    route: &'a Route,
    engine: &'a dyn Engine,
    parts: &'a Parts,
    body: &'a Bytes,
}

impl Ctx<'_> {
    fn view(&self) -> RequestView<'_> {
        RequestView {
            method: &self.parts.method,
            path: self.parts.uri.path(),
            query: self.parts.uri.query(),
            content_type: self
                .parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            body: self.body,
        }
    }

    fn accept_language(&self) -> Option<&str> {
        self.parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
    }

    /// The route's safe answer when something cannot be evaluated: no suggestions on suggest
    /// routes, the error otherwise. Never upstream content.
    fn safe(&self, err: ProxyError) -> Result<Response<Body>, ProxyError> {
        let err = fail(self.state, self.route, err);
        if self.route.kind == RouteKind::Suggest
            && let Ok(Ok(s)) = catch_unwind(AssertUnwindSafe(|| {
                self.engine.empty_suggestions(&self.view())
            }))
        {
            return Ok(respond(StatusCode::OK, s.content_type, s.body));
        }
        Err(err)
    }

    fn synthesized(
        &self,
        made: Result<Synthesized, crate::engines::EngineError>,
    ) -> Result<Response<Body>, ProxyError> {
        match made {
            Ok(s) => Ok(respond(StatusCode::OK, s.content_type, s.body)),
            Err(_) => self.safe(ProxyError::BadRequest),
        }
    }

    /// Sends the buffered request upstream and buffers the response (under the size limit and
    /// the response deadline). Returns the status, headers and raw (still encoded) body.
    async fn exchange(
        &self,
        client: SocketAddr,
        body: Bytes,
        query: Option<&str>,
        reservation: &mut Reservation,
    ) -> Result<(http::response::Parts, Bytes), ProxyError> {
        let state = self.state;
        let mut parts = self.parts.clone();
        if let Some(q) = query {
            let path = parts.uri.path();
            let target = if q.is_empty() {
                path.to_owned()
            } else {
                format!("{path}?{q}")
            };
            parts.uri = target.parse().map_err(|_| ProxyError::Internal)?;
        }
        headers::to_upstream(
            &mut parts.headers,
            &headers::ip_value(client.ip()),
            &state.config.forwarded_proto,
            &state.upstream.host,
        );
        // Only encodings the proxy can decode (and bound), and the client can read, come back.
        let accept = headers::upstream_accept_encoding(&parts.headers);
        parts.headers.insert(header::ACCEPT_ENCODING, accept);
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        parts.uri = state.upstream.target_of(&parts.uri)?;
        parts.version = Version::HTTP_11;
        let (resp, latency) = state
            .upstream
            .send(Request::from_parts(parts, full(body)))
            .await
            .map_err(|e| fail(state, self.route, e))?;
        state.metrics.upstream_latency(self.route.index, latency);
        let (mut rparts, rbody) = resp.into_parts();
        headers::strip_hop_by_hop(&mut rparts.headers);
        let raw = match collect_reserved(
            rbody,
            state.config.limits.max_response_body,
            state.upstream.timeout(),
            Some(reservation),
        )
        .await
        {
            Ok(b) => b,
            Err(CollectError::OverBudget) => return Err(shed(state)),
            Err(CollectError::TimedOut) => {
                return Err(fail(state, self.route, ProxyError::UpstreamTimeout));
            }
            Err(_) => return Err(fail(state, self.route, ProxyError::UpstreamUnusable)),
        };
        Ok((rparts, raw))
    }

    async fn forward_and_rewrite(
        &self,
        snapshot: &Arc<Snapshot>,
        client: SocketAddr,
        notice: Option<crate::signpost::Notice>,
        reservation: &mut Reservation,
    ) -> Result<Response<Body>, ProxyError> {
        let key = self.state.signposter.notice_key();
        let spec = &self.route.spec;
        let plan = self
            .route
            .filter_plan
            .clone()
            .unwrap_or_else(|| Arc::new(policy::FilterPlan::for_engine(spec, self.engine)));
        // Ask the engine for the fields hits are judged by, even when the client hid them.
        let reveal = match guarded(|| {
            let judged = plan.judged_pointers(snapshot, spec);
            reveal::plan(self.engine.name(), &self.view(), &judged)
        }) {
            Ok(r) => r,
            Err(e) => return self.safe(e),
        };
        let sent_body = reveal
            .body
            .clone()
            .map_or_else(|| self.body.clone(), Bytes::from);
        let sent = RequestView {
            query: reveal.query.as_deref().or(self.parts.uri.query()),
            body: &sent_body,
            ..self.view()
        };
        let (rparts, raw) = match self
            .exchange(
                client,
                sent_body.clone(),
                reveal.query.as_deref(),
                reservation,
            )
            .await
        {
            Ok(x) => x,
            // Shed for want of room: the client retries; nothing was evaluated or shown.
            Err(ProxyError::Overloaded) => return Err(ProxyError::Overloaded),
            Err(e) => return self.safe(e),
        };
        if !rparts.status.is_success() {
            // Error bodies are not evaluated, so they are not forwarded: keep only the status.
            return Ok(upstream_status(rparts.status));
        }
        let encoding = rparts
            .headers
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok());
        let Ok(decoded) = decode(encoding, &raw, self.state.config.limits.max_decoded_body) else {
            return self.safe(ProxyError::UpstreamUnusable);
        };
        // A decoded copy is counted once it exists (its size is bounded by `max_decoded_body`
        // and 100× the encoded size before that).
        if decoded.as_ptr() != raw.as_ptr() && reservation.grow(decoded.len()).is_err() {
            return Err(shed(self.state));
        }
        let content_type = rparts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (decoded, transcoded) = super::charset::to_utf8(content_type.as_deref(), decoded);
        let mut filter =
            PolicyFilter::planned(snapshot, spec, plan, self.engine, &sent, notice, key);
        if reveal.complete {
            filter = filter.fields_revealed();
        }
        // Judged on what the engine returned for the request as sent, then narrowed back to
        // the shape the client asked for.
        let rewritten = match guarded(|| {
            let judged = self.engine.rewrite(&sent, &decoded, &mut filter)?;
            match reveal.narrow.apply(judged.as_deref().unwrap_or(&decoded))? {
                Some(narrowed) => Ok(Some(narrowed)),
                None => Ok(judged),
            }
        }) {
            Ok(r) => r,
            Err(_) => return self.safe(ProxyError::UpstreamUnusable),
        };
        self.count_listed(snapshot, &filter);
        let found: Vec<&policy::ListedHit> = filter.listed.iter().map(|(h, _)| h).collect();
        self.record_evidence(snapshot, &found, crate::evidence::Stage::Query)
            .await;
        Ok(match rewritten {
            None => rebuild(rparts, raw, false),
            Some(body) => {
                // The rewritten copy is counted too; `holding` then keeps only what is sent.
                if reservation.grow(body.len()).is_err() {
                    return Err(shed(self.state));
                }
                let mut rparts = rparts;
                if let (true, Some(ct)) = (transcoded, content_type.as_deref())
                    && let Ok(v) = HeaderValue::from_str(&super::charset::as_utf8(ct))
                {
                    rparts.headers.insert(header::CONTENT_TYPE, v);
                }
                rebuild(rparts, Bytes::from(body), true)
            }
        })
    }
}

mod evidence;
mod index;
mod respond;
#[cfg(test)]
mod tests;
