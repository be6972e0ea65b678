//! The admin listener: health, readiness and metrics for everyone who can reach it (loopback by
//! default), and the list maintainers' API behind a bearer token compared in constant time:
//! `GET /admin/lists`, `PUT /admin/lists/{name}`, `POST /admin/reload`. Every change attempt is
//! audited. Nothing here ever returns list entries.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::audit::{AuditRecord, client, now_rfc3339};
use crate::metrics::Label;
use crate::proxy::State;
use crate::proxy::body::{Body, CollectError, collect, full};
use crate::reload::{ReloadError, Reloaded};
use crate::snapshot::LoadedList;

const THROTTLE_WINDOW: Duration = Duration::from_secs(60);
const THROTTLE_MAX_FAILURES: u32 = 20;

/// Counts failed authentications per window; past the budget every admin call gets 429.
#[derive(Debug, Default)]
pub struct Throttle(Mutex<Option<(Instant, u32)>>);

impl Throttle {
    fn blocked(&self) -> bool {
        let Ok(g) = self.0.lock() else { return true };
        matches!(*g, Some((start, n)) if start.elapsed() < THROTTLE_WINDOW && n >= THROTTLE_MAX_FAILURES)
    }

    fn fail(&self) {
        if let Ok(mut g) = self.0.lock() {
            match g.as_mut() {
                Some((start, n)) if start.elapsed() < THROTTLE_WINDOW => *n += 1,
                _ => *g = Some((Instant::now(), 1)),
            }
        }
    }
}

/// Reads the admin token from `SEARCHWARD_ADMIN_TOKEN` or `file`, and keeps only its digest.
///
/// # Errors
/// When the file cannot be read.
pub fn load_token(file: Option<&Path>) -> std::io::Result<Option<[u8; 32]>> {
    let token = match std::env::var("SEARCHWARD_ADMIN_TOKEN") {
        Ok(t) if !t.trim().is_empty() => Some(t),
        _ => match file {
            Some(f) => Some(std::fs::read_to_string(f)?),
            None => None,
        },
    };
    Ok(token
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .map(|t| Sha256::digest(t.as_bytes()).into()))
}

/// Handles one admin request.
pub async fn handle(state: Arc<State>, req: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
    let path = req.uri().path().to_owned();
    match (req.method().as_str(), path.as_str()) {
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
        _ if path.starts_with("/admin/") => lists_api(&state, req, peer).await,
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

/// Why an admin call was refused before it ran.
fn authorize(state: &State, req: &Request<Incoming>) -> Result<(), (StatusCode, &'static str)> {
    if state.admin_failures.blocked() {
        return Err((StatusCode::TOO_MANY_REQUESTS, "too_many_failures"));
    }
    let Some(want) = state.admin_token else {
        return Err((StatusCode::FORBIDDEN, "admin_api_disabled"));
    };
    // Tokens travel only in the Authorization header; a browser-originated call is refused.
    if req.uri().query().is_some() {
        return Err((StatusCode::BAD_REQUEST, "no_query_strings"));
    }
    if req.headers().contains_key(header::ORIGIN) {
        return Err((StatusCode::FORBIDDEN, "cross_origin"));
    }
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let got: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
    if presented.is_empty() || !bool::from(got.ct_eq(&want)) {
        state.admin_failures.fail();
        return Err((StatusCode::UNAUTHORIZED, "unauthorized"));
    }
    Ok(())
}

async fn lists_api(state: &Arc<State>, req: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
    let endpoint = format!("{} {}", req.method(), req.uri().path());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let list_name = path
        .strip_prefix("/admin/lists/")
        .filter(|n| !n.is_empty() && !n.contains('/'))
        .map(str::to_owned);
    let mutating = method != Method::GET && method != Method::HEAD;
    let audit =
        |list: Option<&str>, old: Option<&LoadedList>, new: Option<&LoadedList>, result: String| {
            if mutating {
                state.audit.record(&AuditRecord {
                    time: now_rfc3339(),
                    endpoint: &endpoint,
                    list,
                    old_version: old.map(|l| l.version.clone()),
                    old_sha256: old.map(|l| l.sha256.clone()),
                    new_version: new.map(|l| l.version.clone()),
                    new_sha256: new.map(|l| l.sha256.clone()),
                    result,
                    client: client(peer),
                });
            }
        };
    if let Err((status, code)) = authorize(state, &req) {
        audit(list_name.as_deref(), None, None, code.to_owned());
        return json(status, &serde_json::json!({"error": code}));
    }
    match (method.as_str(), path.as_str(), list_name) {
        ("GET", "/admin/lists", _) => {
            let lists: Vec<serde_json::Value> = state
                .snapshot
                .load()
                .map(|s| s.lists.iter().map(describe).collect())
                .unwrap_or_default();
            json(StatusCode::OK, &serde_json::Value::Array(lists))
        }
        ("PUT", "/admin/bundle", _) => {
            let limit = state.config.admin.max_body;
            let body = match collect(req.into_body(), limit, Duration::from_secs(120)).await {
                Ok(b) => b,
                Err(CollectError::TooLarge(_)) => {
                    audit(None, None, None, "refused: too large".into());
                    return json(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        &serde_json::json!({"error": "too_large"}),
                    );
                }
                Err(_) => {
                    audit(None, None, None, "refused: body not received".into());
                    return json(
                        StatusCode::BAD_REQUEST,
                        &serde_json::json!({"error": "bad_body"}),
                    );
                }
            };
            match state
                .reloader
                .replace_bundle(body.to_vec(), limit as u64)
                .await
            {
                Ok(()) => {
                    let lists: Vec<serde_json::Value> = state
                        .snapshot
                        .load()
                        .map(|s| s.lists.iter().map(describe).collect())
                        .unwrap_or_default();
                    let version = lists
                        .iter()
                        .filter_map(|l| l["version"].as_str())
                        .next_back()
                        .map(str::to_owned);
                    state.audit.record(&AuditRecord {
                        time: now_rfc3339(),
                        endpoint: &endpoint,
                        list: None,
                        old_version: None,
                        old_sha256: None,
                        new_version: version,
                        new_sha256: None,
                        result: "ok".into(),
                        client: client(peer),
                    });
                    json(StatusCode::OK, &serde_json::Value::Array(lists))
                }
                Err(e) => {
                    let status = if matches!(e, ReloadError::List(..)) {
                        StatusCode::CONFLICT
                    } else {
                        StatusCode::UNPROCESSABLE_ENTITY
                    };
                    audit(None, None, None, format!("refused: {e}"));
                    json(
                        status,
                        &serde_json::json!({"error": "refused", "message": e.to_string()}),
                    )
                }
            }
        }
        ("POST", "/admin/reload", _) => match state.reloader.reload().await {
            Ok(r) => {
                let result = if r == Reloaded::Swapped {
                    "swapped"
                } else {
                    "unchanged"
                };
                audit(None, None, None, format!("ok: {result}"));
                json(StatusCode::OK, &serde_json::json!({"result": result}))
            }
            Err(e) => {
                audit(None, None, None, format!("refused: {e}"));
                json(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &serde_json::json!({"error": "refused", "message": e.to_string()}),
                )
            }
        },
        ("PUT", _, Some(name)) => {
            let old = state
                .snapshot
                .load()
                .and_then(|s| s.list_id(&name).and_then(|id| s.list(id).cloned()));
            let limit = state.config.admin.max_body;
            let body = match collect(req.into_body(), limit, Duration::from_secs(120)).await {
                Ok(b) => b,
                Err(CollectError::TooLarge(_)) => {
                    audit(Some(&name), old.as_ref(), None, "refused: too large".into());
                    return json(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        &serde_json::json!({"error": "too_large"}),
                    );
                }
                Err(_) => {
                    audit(
                        Some(&name),
                        old.as_ref(),
                        None,
                        "refused: body not received".into(),
                    );
                    return json(
                        StatusCode::BAD_REQUEST,
                        &serde_json::json!({"error": "bad_body"}),
                    );
                }
            };
            match state.reloader.replace(&name, body.to_vec()).await {
                Ok(new) => {
                    audit(Some(&name), old.as_ref(), Some(&new), "ok".into());
                    json(StatusCode::OK, &describe(&new))
                }
                Err(e) => {
                    let status = if matches!(e, ReloadError::List(..)) {
                        StatusCode::NOT_FOUND
                    } else {
                        StatusCode::UNPROCESSABLE_ENTITY
                    };
                    audit(Some(&name), old.as_ref(), None, format!("refused: {e}"));
                    json(
                        status,
                        &serde_json::json!({"error": "refused", "message": e.to_string()}),
                    )
                }
            }
        }
        _ => json(
            StatusCode::NOT_FOUND,
            &serde_json::json!({"error": "not_found"}),
        ),
    }
}

fn describe(l: &LoadedList) -> serde_json::Value {
    let loaded_at = humantime::format_rfc3339_seconds(l.loaded_at).to_string();
    serde_json::json!({
        "name": l.spec.name,
        "kind": l.spec.kind.as_str(),
        "category": l.spec.category,
        "version": l.version,
        "entries": l.entries,
        "sha256": l.sha256,
        "loaded_at": loaded_at,
    })
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
            Label(&l.spec.name),
            l.spec.kind.as_str(),
            Label(&l.version),
            l.entries
        );
    }
    out.push_str("# HELP searchward_list_stale 1 when a list is past its max_age or its bundle's expiry.\n# TYPE searchward_list_stale gauge\n");
    let now = std::time::SystemTime::now();
    for l in &snap.lists {
        let stale = l.stale_after.is_some_and(|t| t <= now);
        let _ = writeln!(
            out,
            "searchward_list_stale{{list=\"{}\"}} {}",
            Label(&l.spec.name),
            u8::from(stale)
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
            Label(&l.spec.name)
        );
    }
}

fn json(status: StatusCode, v: &serde_json::Value) -> Response<Body> {
    let mut resp = text(status, format!("{v}\n"));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
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
