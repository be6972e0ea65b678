//! One request, top to bottom: normalise the path (the upstream receives the normalised one),
//! refuse what a reverse proxy must not serve, route, then pass through (streaming) or inspect;
//! count and log the outcome (never the query).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use http::{HeaderValue, Method, Request, Response, StatusCode, Version, header};
use hyper::body::Incoming;

use super::Peer;
use super::State;
use super::body::{Body, full};
use super::error::ProxyError;
use super::headers;
use super::router::{Route, Routed};
use crate::config::RouteKind;
use crate::metrics::Shed;

/// Handles one client request; never fails (errors become responses). The `Result` is the shape
/// hyper's service takes, so the future needs no wrapper.
pub async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
    peer: Peer,
) -> Result<Response<Body>, Infallible> {
    // The clock and the method are only needed for the request line.
    let log = tracing::enabled!(tracing::Level::INFO);
    let started = log.then(Instant::now);
    let method = log.then(|| req.method().clone());
    let mut req = req;
    // Route on, inspect and forward the path the engine will resolve.
    let (ambiguous, unusable) = normalize_path(&mut req);
    let routed = state.router.route(req.method(), req.uri().path());
    let route = routed.route();
    // Shed at once past the client's share (429), then past this worker's share of the
    // in-flight limit (503): a quick answer lets a client back off or a load balancer go
    // elsewhere, where queueing would only make every request late. The client's own limit
    // comes first, so that one client over it takes none of the slots everyone shares.
    let client = state.config.clients.client(peer.addr.ip(), req.headers());
    let mine = state
        .clients
        .begin(crate::client_address::canonical(client));
    let in_flight = mine
        .as_ref()
        .and_then(|_| state.metrics.admit(state.in_flight_share));
    let early = match (&mine, &in_flight) {
        (None, _) => {
            state.metrics.shed(Shed::ClientInFlight);
            Some(Err(ProxyError::ClientOverLimit))
        }
        (Some(_), None) => {
            state.metrics.shed(Shed::InFlight);
            Some(Err(ProxyError::Overloaded))
        }
        _ if unusable => Some(Err(ProxyError::BadTarget)),
        _ => answer_early(&state, &routed, &req, ambiguous),
    };
    let resp = match early {
        Some(early) => early,
        None => match route.kind {
            RouteKind::Passthrough => pass_through(&state, route, req, &peer.ip).await,
            // Boxed: an inspected request's future is large and would make every pass-through
            // request's future (moved a few times per request) as large.
            _ => Box::pin(super::inspect::handle(&state, route, req, peer.addr)).await,
        },
    };
    let resp = resp.unwrap_or_else(ProxyError::into_response);
    drop(in_flight);
    drop(mine);
    let status = resp.status().as_u16();
    state.metrics.request(route.index, status);
    if let (Some(started), Some(method)) = (started, method) {
        tracing::info!(
            method = %method,
            route = %route.name,
            status,
            latency_ms = started.elapsed().as_secs_f64() * 1e3,
            "request"
        );
    }
    Ok(resp)
}

/// Replaces the request's path by its normalised form (allocating only when it changes).
/// Returns whether the path carries an encoded separator, and whether the normalised target
/// could not be built.
fn normalize_path(req: &mut Request<Incoming>) -> (bool, bool) {
    let (ambiguous, changed) = {
        let n = super::path::normalize(req.uri().path());
        (
            n.ambiguous,
            matches!(n.path, std::borrow::Cow::Owned(_)).then(|| n.path.into_owned()),
        )
    };
    let Some(mut target) = changed else {
        return (ambiguous, false);
    };
    if let Some(q) = req.uri().query() {
        target.push('?');
        target.push_str(q);
    }
    let mut parts = req.uri().clone().into_parts();
    let Ok(pq) = http::uri::PathAndQuery::try_from(target) else {
        return (ambiguous, true);
    };
    parts.path_and_query = Some(pq);
    match http::Uri::from_parts(parts) {
        Ok(uri) => {
            *req.uri_mut() = uri;
            (ambiguous, false)
        }
        Err(_) => (ambiguous, true),
    }
}

/// The answer for requests that are refused or answered without the upstream; `None` when the
/// request goes on to its route's upstream exchange.
fn answer_early(
    state: &State,
    routed: &Routed<'_>,
    req: &Request<Incoming>,
    ambiguous: bool,
) -> Option<Result<Response<Body>, ProxyError>> {
    // A reverse proxy serves origin-form targets only: CONNECT and absolute-form targets could
    // otherwise steer it to another host.
    if req.method() == Method::CONNECT
        || req.uri().authority().is_some()
        || req.uri().scheme().is_some()
    {
        return Some(Err(ProxyError::BadTarget));
    }
    // Content-Length with Transfer-Encoding is the classic request-smuggling shape: refuse it
    // rather than pick one framing and forward the other header upstream.
    let h = req.headers();
    if h.contains_key(header::TRANSFER_ENCODING) && h.contains_key(header::CONTENT_LENGTH) {
        return Some(Err(ProxyError::BadRequest));
    }
    let go = state.signposter.go_prefix();
    if req
        .uri()
        .path()
        .strip_prefix(go)
        .is_some_and(|rest| rest.starts_with('/'))
    {
        return Some(redirect(state, req));
    }
    // Engines disagree on whether `%2F` or `\` separates segments: not inspectable.
    if ambiguous && state.router.inspects() {
        return Some(Err(ProxyError::AmbiguousPath));
    }
    let route = match routed {
        Routed::Route(r) => r,
        Routed::MethodNotAllowed { allow, .. } => {
            return Some(Err(ProxyError::MethodNotAllowed(allow.clone())));
        }
    };
    match route.kind {
        RouteKind::Deny if route.spec.origin == crate::config::RouteOrigin::Config => {
            Some(Err(ProxyError::Denied))
        }
        RouteKind::Deny => Some(Err(ProxyError::EndpointNotAllowed)),
        RouteKind::Passthrough | RouteKind::Search | RouteKind::Suggest | RouteKind::Index => None,
    }
}

fn redirect(state: &State, req: &Request<Incoming>) -> Result<Response<Body>, ProxyError> {
    let pq = req.uri().path_and_query().map_or("", |p| p.as_str());
    let Some(location) = state.signposter.follow(pq) else {
        let mut resp = Response::new(full("{\"error\":\"not_found\"}\n"));
        *resp.status_mut() = StatusCode::NOT_FOUND;
        return Ok(resp);
    };
    Response::builder()
        .status(StatusCode::FOUND)
        .header(header::LOCATION, location)
        .header(header::CACHE_CONTROL, "no-store")
        .header("referrer-policy", "no-referrer")
        .body(full(""))
        .map_err(|_| ProxyError::Internal)
}

/// Forwards a request and its response, streaming both bodies.
async fn pass_through(
    state: &State,
    route: &Route,
    req: Request<Incoming>,
    client_ip: &HeaderValue,
) -> Result<Response<Body>, ProxyError> {
    // Edited in place and sent with its own body type: the request head (a few hundred bytes)
    // is not moved out and back in again.
    let mut req = req;
    headers::to_upstream(
        req.headers_mut(),
        client_ip,
        &state.config.forwarded_proto,
        &state.upstream.host,
    );
    *req.uri_mut() = state.upstream.target_of(req.uri())?;
    *req.version_mut() = Version::HTTP_11;
    let (resp, latency) = state.upstream.send(req).await?;
    state.metrics.upstream_latency(route.index, latency);
    let (mut parts, body) = resp.into_parts();
    headers::strip_hop_by_hop(&mut parts.headers);
    let body = first_frame(body, state.upstream.timeout()).await?;
    Ok(Response::from_parts(parts, body))
}

/// Bytes of an upstream body read ahead before the response head goes out.
const READ_AHEAD: usize = 64 * 1024;

/// How long, after the first frame, the rest of a short body is waited for before the head
/// goes out. A complete body (the usual search response) ends at once and is not waited for;
/// a body cut short by a closing upstream fails within this window and is answered `502`.
const READ_AHEAD_WAIT: std::time::Duration = std::time::Duration::from_millis(100);

/// The body to stream to the client, its first bytes read ahead (the first frame, and what
/// follows it within [`READ_AHEAD_WAIT`], up to [`READ_AHEAD`]), so that a body that fails
/// before any byte reaches the client (bad framing, truncated) is answered `502`, not with a
/// head and a closed connection. A first frame slower than `wait` is not waited for: the head
/// goes out and the body streams.
async fn first_frame(
    mut body: super::upstream::UpstreamBody,
    wait: std::time::Duration,
) -> Result<Body, ProxyError> {
    use http_body_util::BodyExt as _;
    use hyper::body::Body as _;
    if body.is_end_stream() {
        return Ok(Body::upstream(body));
    }
    let first = match tokio::time::timeout(wait, body.frame()).await {
        Ok(Some(Ok(frame))) => frame,
        Ok(Some(Err(_))) => return Err(ProxyError::UpstreamUnavailable),
        Ok(None) | Err(_) => return Ok(Body::upstream(body)),
    };
    let Ok(mut data) = first.into_data() else {
        return Ok(Body::upstream(body));
    };
    let deadline = tokio::time::Instant::now() + READ_AHEAD_WAIT.min(wait);
    let mut merged: Option<bytes::BytesMut> = None;
    while !body.is_end_stream() && data.len() + merged.as_ref().map_or(0, |m| m.len()) < READ_AHEAD
    {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) | Ok(None) => break,
            Ok(Some(Err(_))) => return Err(ProxyError::UpstreamUnavailable),
            Ok(Some(Ok(frame))) => match frame.into_data() {
                Ok(more) => merged
                    .get_or_insert_with(|| bytes::BytesMut::from(&data[..]))
                    .extend_from_slice(&more),
                // Trailers: sent after what was read ahead.
                Err(trailers) => {
                    let ahead = merged.map_or(data, bytes::BytesMut::freeze);
                    return Ok(Body::upstream_after(ahead, Some(trailers), body));
                }
            },
        }
    }
    if let Some(m) = merged {
        data = m.freeze();
    }
    Ok(Body::upstream_after(data, None, body))
}
