//! The admin listener: health, readiness and metrics (list maintenance endpoints join later).
//! It binds to its own address, loopback by default, and never returns list entries.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use http::{HeaderValue, Request, Response, StatusCode, header};
use hyper::body::Incoming;

use crate::proxy::State;
use crate::proxy::body::{Body, full};

/// Handles one admin request.
pub async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
    _peer: SocketAddr,
) -> Response<Body> {
    let path = req.uri().path();
    match (req.method().as_str(), path) {
        ("GET" | "HEAD", "/healthz") => text(StatusCode::OK, "ok\n"),
        ("GET" | "HEAD", "/readyz") => {
            if state.draining.load(Ordering::Relaxed) {
                text(StatusCode::SERVICE_UNAVAILABLE, "draining\n")
            } else if state.snapshot.is_ready() {
                text(StatusCode::OK, "ready\n")
            } else {
                text(StatusCode::SERVICE_UNAVAILABLE, "no valid lists loaded\n")
            }
        }
        ("GET", "/metrics") => {
            let mut body = state.metrics.render();
            render_lists(&state, &mut body);
            state.signposter.render_metrics(&mut body);
            let mut resp = text(StatusCode::OK, body);
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            resp
        }
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

fn render_lists(state: &State, out: &mut String) {
    out.push_str("# HELP searchward_list_entries Entries in each loaded list.\n# TYPE searchward_list_entries gauge\n");
    let Some(snap) = state.snapshot.load() else {
        return;
    };
    for l in &snap.lists {
        let _ = writeln!(
            out,
            "searchward_list_entries{{list=\"{}\",kind=\"{}\",version=\"{}\"}} {}",
            l.spec.name,
            l.spec.kind.as_str(),
            l.version,
            l.entries
        );
    }
    out.push_str("# HELP searchward_list_loaded_timestamp_seconds When each list was loaded.\n# TYPE searchward_list_loaded_timestamp_seconds gauge\n");
    for l in &snap.lists {
        let t = l
            .loaded_at
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let _ = writeln!(
            out,
            "searchward_list_loaded_timestamp_seconds{{list=\"{}\"}} {t}",
            l.spec.name
        );
    }
}

fn text(status: StatusCode, body: impl Into<bytes::Bytes>) -> Response<Body> {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
