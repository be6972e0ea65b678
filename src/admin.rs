//! The admin listener: health, readiness and metrics for everyone who can reach it (loopback by
//! default), and the list maintainers' API behind a bearer token compared in constant time:
//! `GET /admin/lists`, `PUT /admin/lists/{name}`, `POST /admin/reload`. Every change attempt is
//! audited. Nothing here ever returns list entries. Who may call the list API (token, refusals,
//! throttle) is decided in `auth`.

mod auth;
mod state;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;

pub use auth::{Failures, Throttle, load_token};
use auth::{audit_failures, authorize};
pub use state::AdminState;

use crate::audit::{AuditRecord, client, now_rfc3339};
use crate::metrics::Label;
use crate::proxy::body::{Body, full};
use crate::reload::{ReloadError, Reloaded};
use crate::snapshot::LoadedList;
use crate::spool::{SpoolError, Spooled, spool};

/// Time allowed to receive a pushed list or bundle.
const UPLOAD_DEADLINE: Duration = Duration::from_secs(120);
/// Handles one admin request.
pub async fn handle(
    state: Arc<AdminState>,
    req: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Body> {
    // Failure windows that ended are audited on the next admin call (health probes included).
    audit_failures(&state, Instant::now());
    let path = req.uri().path().to_owned();
    match (req.method().as_str(), path.as_str()) {
        ("GET" | "HEAD", "/healthz") => text(StatusCode::OK, "ok\n"),
        ("GET" | "HEAD", "/readyz") => {
            if state.proxy.draining.load(Ordering::Relaxed) {
                text(StatusCode::SERVICE_UNAVAILABLE, "draining\n")
            } else if state.proxy.snapshot.is_ready() {
                text(StatusCode::OK, "ready\n")
            } else {
                text(StatusCode::SERVICE_UNAVAILABLE, "no valid lists loaded\n")
            }
        }
        ("GET", "/metrics") => {
            let mut body = state.proxy.metrics.render();
            render_lists(&state, &mut body);
            state.proxy.signposter.render_metrics(&mut body);
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

async fn lists_api(
    state: &Arc<AdminState>,
    req: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Body> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    // The audit log holds no attacker-chosen text: a list name is one of a safe character set
    // (or the request is refused), and the endpoint is the method and a known route.
    let list_name = path
        .strip_prefix("/admin/lists/")
        .filter(|n| is_list_name(n))
        .map(str::to_owned);
    let endpoint = match (&list_name, path.as_str()) {
        (Some(_), _) => format!("{method} /admin/lists/{{name}}"),
        (None, "/admin/lists" | "/admin/bundle" | "/admin/reload") => format!("{method} {path}"),
        (None, _) => format!("{method} /admin/(other)"),
    };
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
                    count: None,
                });
            }
        };
    if let Err((status, code)) = authorize(state, &req, peer.ip()) {
        return json(status, &serde_json::json!({"error": code}));
    }
    match (method.as_str(), path.as_str(), list_name) {
        ("GET", "/admin/lists", _) => {
            let lists: Vec<serde_json::Value> = state
                .proxy
                .snapshot
                .load()
                .map(|s| s.lists.iter().map(describe).collect())
                .unwrap_or_default();
            json(StatusCode::OK, &serde_json::Value::Array(lists))
        }
        ("PUT", "/admin/bundle", _) => {
            let limit = state.proxy.config.admin.max_body;
            let body = match receive(state, req).await {
                Ok(b) => b,
                Err(SpoolError::TooLarge(_)) => {
                    audit(None, None, None, "refused: too large".into());
                    return json(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        &serde_json::json!({"error": "too_large"}),
                    );
                }
                Err(SpoolError::Io(e)) => {
                    tracing::error!(error = %e, "admin upload could not be spooled");
                    audit(None, None, None, "refused: upload not stored".into());
                    return json(
                        StatusCode::INSUFFICIENT_STORAGE,
                        &serde_json::json!({"error": "upload_not_stored"}),
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
            let archive = match body.reader() {
                Ok(f) => f,
                Err(e) => {
                    tracing::error!(error = %e, "admin upload could not be read back");
                    audit(None, None, None, "refused: upload not stored".into());
                    return json(
                        StatusCode::INSUFFICIENT_STORAGE,
                        &serde_json::json!({"error": "upload_not_stored"}),
                    );
                }
            };
            match state
                .reloader
                .replace_bundle(std::io::BufReader::new(archive), limit as u64)
                .await
            {
                Ok(()) => {
                    let lists: Vec<serde_json::Value> = state
                        .proxy
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
                        count: None,
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
                .proxy
                .snapshot
                .load()
                .and_then(|s| s.list_id(&name).and_then(|id| s.list(id).cloned()));
            let body = match receive(state, req).await {
                Ok(b) => b,
                Err(SpoolError::TooLarge(_)) => {
                    audit(Some(&name), old.as_ref(), None, "refused: too large".into());
                    return json(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        &serde_json::json!({"error": "too_large"}),
                    );
                }
                Err(SpoolError::Io(e)) => {
                    tracing::error!(error = %e, "admin upload could not be spooled");
                    audit(
                        Some(&name),
                        old.as_ref(),
                        None,
                        "refused: upload not stored".into(),
                    );
                    return json(
                        StatusCode::INSUFFICIENT_STORAGE,
                        &serde_json::json!({"error": "upload_not_stored"}),
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
            // Read from the spool only when this push's turn comes; the file goes with `body`.
            match state
                .reloader
                .replace_with(&name, move || body.to_vec())
                .await
            {
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

/// Streams an admin request's body to a temporary file under `admin.max_body`.
async fn receive(state: &AdminState, req: Request<Incoming>) -> Result<Spooled, SpoolError> {
    let admin = &state.proxy.config.admin;
    spool(
        req.into_body(),
        admin.spool_dir.as_deref(),
        admin.max_body,
        UPLOAD_DEADLINE,
    )
    .await
}

/// Whether `name` can be a list name in the API: 1 to 128 of `A-Z a-z 0-9 . _ -`, not starting
/// with a dot.
fn is_list_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
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

fn render_lists(state: &AdminState, out: &mut String) {
    out.push_str("# HELP searchward_list_entries Entries in each loaded list.\n# TYPE searchward_list_entries gauge\n");
    let Some(snap) = state.proxy.snapshot.load() else {
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

#[cfg(test)]
mod tests;
