//! The admin listener: health, readiness and metrics for everyone who can reach it (loopback by
//! default), and the list maintainers' API behind a bearer token compared in constant time:
//! `GET /admin/lists`, `PUT /admin/lists/{name}`, `POST /admin/reload`. Every change attempt is
//! audited. Nothing here ever returns list entries.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
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
use crate::proxy::body::{Body, full};
use crate::reload::{ReloadError, Reloaded};
use crate::snapshot::LoadedList;
use crate::spool::{SpoolError, Spooled, spool};

/// Time allowed to receive a pushed list or bundle.
const UPLOAD_DEADLINE: Duration = Duration::from_secs(120);
const THROTTLE_WINDOW: Duration = Duration::from_secs(60);
const THROTTLE_MAX_FAILURES: u32 = 20;
/// Clients whose failures are tracked at once; past it, expired windows are swept first, and a
/// new client still finding no room is refused as if throttled (only many addresses at once can
/// get there, and they lock out only new addresses, never a client already known good).
const THROTTLE_MAX_CLIENTS: usize = 16_384;

/// Failed authentications per client address in the current window: past the budget that
/// client (only) gets `429` for every admin call until its window ends. Failures are audited
/// in aggregate: one record when a client is throttled and one, with its count, when its window
/// ends.
#[derive(Debug, Default)]
pub struct Throttle(Mutex<HashMap<IpAddr, Window>>);

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    failures: u32,
}

/// A client's failed attempts over one window, to be audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    /// The client.
    pub client: IpAddr,
    /// Failed attempts in the window.
    pub count: u32,
}

impl Throttle {
    /// Whether `client` is past its budget in its current window.
    fn blocked(&self, client: IpAddr, now: Instant) -> bool {
        let Ok(g) = self.0.lock() else { return true };
        match g.get(&client) {
            Some(w) => {
                now.saturating_duration_since(w.start) < THROTTLE_WINDOW
                    && w.failures >= THROTTLE_MAX_FAILURES
            }
            None => g.len() >= THROTTLE_MAX_CLIENTS,
        }
    }

    /// Counts a failure of `client`; returns its count when it has just reached the budget
    /// (the moment to audit that it is throttled).
    fn fail(&self, client: IpAddr, now: Instant) -> Option<u32> {
        let mut g = self.0.lock().ok()?;
        if g.len() >= THROTTLE_MAX_CLIENTS && !g.contains_key(&client) {
            return None;
        }
        let w = g.entry(client).or_insert(Window {
            start: now,
            failures: 0,
        });
        w.failures = w.failures.saturating_add(1);
        (w.failures == THROTTLE_MAX_FAILURES).then_some(w.failures)
    }

    /// Ends the windows that are over at `now`, returning each client's count for the audit.
    pub fn sweep(&self, now: Instant) -> Vec<Failures> {
        let Ok(mut g) = self.0.lock() else {
            return Vec::new();
        };
        let mut ended = Vec::new();
        g.retain(|client, w| {
            let over = now.saturating_duration_since(w.start) >= THROTTLE_WINDOW;
            if over {
                ended.push(Failures {
                    client: *client,
                    count: w.failures,
                });
            }
            !over
        });
        ended
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
    // Failure windows that ended are audited on the next admin call (health probes included).
    audit_failures(&state, Instant::now());
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

/// Writes one audit record per client whose failure window has ended, with its count.
fn audit_failures(state: &State, now: Instant) {
    for f in state.admin_failures.sweep(now) {
        state.audit.record(&AuditRecord {
            time: now_rfc3339(),
            endpoint: "",
            list: None,
            old_version: None,
            old_sha256: None,
            new_version: None,
            new_sha256: None,
            result: "failed_auth".into(),
            client: f.client.to_string(),
            count: Some(f.count),
        });
    }
}

/// Why an admin call was refused before it ran. Failed and throttled attempts are not audited
/// one by one (a flood would fill the disk): the throttle aggregates them per client.
fn authorize(
    state: &State,
    req: &Request<Incoming>,
    client: IpAddr,
) -> Result<(), (StatusCode, &'static str)> {
    let now = Instant::now();
    if state.admin_failures.blocked(client, now) {
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
        if let Some(count) = state.admin_failures.fail(client, now) {
            state.audit.record(&AuditRecord {
                time: now_rfc3339(),
                endpoint: "",
                list: None,
                old_version: None,
                old_sha256: None,
                new_version: None,
                new_sha256: None,
                result: "throttled".into(),
                client: client.to_string(),
                count: Some(count),
            });
        }
        return Err((StatusCode::UNAUTHORIZED, "unauthorized"));
    }
    Ok(())
}

async fn lists_api(state: &Arc<State>, req: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
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
                .snapshot
                .load()
                .map(|s| s.lists.iter().map(describe).collect())
                .unwrap_or_default();
            json(StatusCode::OK, &serde_json::Value::Array(lists))
        }
        ("PUT", "/admin/bundle", _) => {
            let limit = state.config.admin.max_body;
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
async fn receive(state: &State, req: Request<Incoming>) -> Result<Spooled, SpoolError> {
    let admin = &state.config.admin;
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

#[cfg(test)]
mod tests;
