//! One request, top to bottom: refuse what a reverse proxy must not serve, route, then pass
//! through (streaming) or inspect; count and log the outcome (never the query).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use http::{Method, Request, Response, StatusCode, Version, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use super::State;
use super::body::{Body, full};
use super::error::ProxyError;
use super::headers;
use super::router::Route;
use crate::config::RouteKind;

/// Handles one client request; never fails (errors become responses).
pub async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
    client: SocketAddr,
) -> Response<Body> {
    let started = Instant::now();
    let _in_flight = state.metrics.in_flight();
    let method = req.method().clone();
    let route = state.router.route(&method, req.uri().path());
    let resp = match dispatch(&state, route, req, client).await {
        Ok(resp) => resp,
        Err(err) => err.into_response(),
    };
    let status = resp.status().as_u16();
    state.metrics.request(route.index, status);
    tracing::info!(
        method = %method,
        route = %route.name,
        status,
        latency_ms = started.elapsed().as_secs_f64() * 1e3,
        "request"
    );
    resp
}

async fn dispatch(
    state: &State,
    route: &Route,
    req: Request<Incoming>,
    client: SocketAddr,
) -> Result<Response<Body>, ProxyError> {
    // A reverse proxy serves origin-form targets only: CONNECT and absolute-form targets could
    // otherwise steer it to another host.
    if req.method() == Method::CONNECT
        || req.uri().authority().is_some()
        || req.uri().scheme().is_some()
    {
        return Err(ProxyError::BadTarget);
    }
    // Content-Length with Transfer-Encoding is the classic request-smuggling shape: refuse it
    // rather than pick one framing and forward the other header upstream.
    let h = req.headers();
    if h.contains_key(header::TRANSFER_ENCODING) && h.contains_key(header::CONTENT_LENGTH) {
        return Err(ProxyError::BadRequest);
    }
    let go = state.signposter.go_prefix();
    if req
        .uri()
        .path()
        .strip_prefix(go)
        .is_some_and(|rest| rest.starts_with('/'))
    {
        return redirect(state, &req);
    }
    match route.kind {
        RouteKind::Deny => Err(ProxyError::Denied),
        RouteKind::Passthrough => pass_through(state, route, req, client).await,
        RouteKind::Search | RouteKind::Suggest | RouteKind::Index => {
            Box::pin(super::inspect::handle(state, route, req, client)).await
        }
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
    client: SocketAddr,
) -> Result<Response<Body>, ProxyError> {
    let (mut parts, body) = req.into_parts();
    headers::to_upstream(
        &mut parts.headers,
        client.ip(),
        &state.config.forwarded_proto,
        &state.upstream.host,
    );
    parts.uri = state.upstream.target_of(&parts.uri)?;
    parts.version = Version::HTTP_11;
    let req = Request::from_parts(parts, body.map_err(Into::into).boxed());
    let sent = Instant::now();
    let resp = state.upstream.send(req).await?;
    state.metrics.upstream_latency(route.index, sent.elapsed());
    let (mut parts, body) = resp.into_parts();
    headers::strip_hop_by_hop(&mut parts.headers);
    Ok(Response::from_parts(
        parts,
        body.map_err(Into::into).boxed(),
    ))
}
