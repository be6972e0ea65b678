//! Who may call the list API: the bearer token (only its digest is kept, compared in constant
//! time), the refusals that come before it (query strings, browser origins), and the per-client
//! throttle on failed attempts, audited in aggregate.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use http::{Request, StatusCode, header};
use hyper::body::Incoming;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AdminState;
use crate::audit::{AuditRecord, now_rfc3339};

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

/// One aggregated audit record: `count` refused attempts from `client`, no list touched.
fn audit_count(state: &AdminState, result: &str, client: IpAddr, count: u32) {
    state.audit.record(&AuditRecord {
        time: now_rfc3339(),
        endpoint: "",
        list: None,
        old_version: None,
        old_sha256: None,
        new_version: None,
        new_sha256: None,
        result: result.into(),
        client: client.to_string(),
        count: Some(count),
    });
}

/// Writes one audit record per client whose failure window has ended, with its count.
pub(super) fn audit_failures(state: &AdminState, now: Instant) {
    for f in state.failures.sweep(now) {
        audit_count(state, "failed_auth", f.client, f.count);
    }
}

/// Why an admin call was refused before it ran. Failed and throttled attempts are not audited
/// one by one (a flood would fill the disk): the throttle aggregates them per client.
pub(super) fn authorize(
    state: &AdminState,
    req: &Request<Incoming>,
    client: IpAddr,
) -> Result<(), (StatusCode, &'static str)> {
    let now = Instant::now();
    if state.failures.blocked(client, now) {
        return Err((StatusCode::TOO_MANY_REQUESTS, "too_many_failures"));
    }
    let Some(want) = state.token else {
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
        if let Some(count) = state.failures.fail(client, now) {
            audit_count(state, "throttled", client, count);
        }
        return Err((StatusCode::UNAUTHORIZED, "unauthorized"));
    }
    Ok(())
}
