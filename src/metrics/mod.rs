//! Counters and histograms, rendered in the Prometheus text format. Hot-path updates are single
//! atomic adds; rare events (delisted hits, reloads) take a small mutex. Labels carry route names,
//! list names, actions and statuses, never query text or list entries.
mod histogram;
mod render;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::verdict::Action;

pub use histogram::Histogram;
pub use render::Label;

const STATUS_SLOTS: usize = 500; // 100..=599
const ACTIONS: [Action; 4] = [
    Action::Allow,
    Action::Monitor,
    Action::Signpost,
    Action::Block,
];

#[derive(Debug)]
struct RouteMetrics {
    name: String,
    statuses: Box<[AtomicU64]>,
    actions: [AtomicU64; ACTIONS.len()],
    upstream_latency: Histogram,
}

/// The per-request counters of one worker. Each worker counts into its own shard, so the hot
/// path never contends on a cache line with another worker; rendering sums the shards.
#[derive(Debug)]
struct Shard {
    routes: Vec<RouteMetrics>,
    in_flight: AtomicI64,
    connections: AtomicI64,
}

/// All metrics of one proxy process, seen through one worker's shard.
#[derive(Debug, Clone)]
pub struct Metrics {
    shards: Arc<[Shard]>,
    shard: usize,
    shared: Arc<Shared>,
}

/// Rare-event counters shared by all workers.
#[derive(Debug, Default)]
struct Shared {
    hits: Mutex<BTreeMap<(String, &'static str), u64>>,
    fail_closed: Mutex<BTreeMap<(String, &'static str), u64>>,
    unjudged: Mutex<BTreeMap<String, u64>>,
    reloads: Mutex<BTreeMap<&'static str, u64>>,
    shed: [AtomicU64; Shed::ALL.len()],
    extra: Mutex<Renderers>,
}

/// Why a request or connection was refused before any work: what `searchward_shed_total`
/// counts, by reason (never by address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shed {
    /// Over `limits.max_connections` (the connection answered `503` and closed).
    Connections,
    /// A client over `limits.per_client_connections` (the connection answered `429` and closed).
    ClientConnections,
    /// A client over `limits.per_client_in_flight` (`429`).
    ClientInFlight,
    /// Over `limits.max_in_flight` (`503`).
    InFlight,
    /// No room in `limits.max_buffered_bytes` (`503`).
    BufferedBytes,
}

impl Shed {
    const ALL: [Shed; 5] = [
        Shed::Connections,
        Shed::ClientConnections,
        Shed::ClientInFlight,
        Shed::InFlight,
        Shed::BufferedBytes,
    ];

    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Shed::Connections => "connections",
            Shed::ClientConnections => "client_connections",
            Shed::ClientInFlight => "client_in_flight",
            Shed::InFlight => "in_flight",
            Shed::BufferedBytes => "buffered_bytes",
        }
    }
}

/// Renderers of metrics owned by other modules.
#[derive(Default)]
struct Renderers(Vec<Renderer>);

/// Appends metrics in the Prometheus text format.
pub type Renderer = Box<dyn Fn(&mut String) + Send + Sync>;

impl std::fmt::Debug for Renderers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} renderers", self.0.len())
    }
}

impl Metrics {
    /// Metrics for the given route names (in router order), with one shard.
    pub fn new<'a>(route_names: impl IntoIterator<Item = &'a str> + Clone) -> Self {
        Self::with_shards(route_names, 1)
    }

    /// Metrics with `shards` shards (one per worker); this view counts into shard 0.
    pub fn with_shards<'a>(
        route_names: impl IntoIterator<Item = &'a str> + Clone,
        shards: usize,
    ) -> Self {
        let shard = || Shard {
            routes: route_names
                .clone()
                .into_iter()
                .map(|name| RouteMetrics {
                    name: name.to_owned(),
                    statuses: (0..STATUS_SLOTS).map(|_| AtomicU64::new(0)).collect(),
                    actions: std::array::from_fn(|_| AtomicU64::new(0)),
                    upstream_latency: Histogram::default(),
                })
                .collect(),
            in_flight: AtomicI64::new(0),
            connections: AtomicI64::new(0),
        };
        Self {
            shards: (0..shards.max(1)).map(|_| shard()).collect(),
            shard: 0,
            shared: Arc::default(),
        }
    }

    /// The same metrics, counting into shard `i` (wrapping).
    pub fn for_shard(&self, i: usize) -> Metrics {
        Metrics {
            shards: self.shards.clone(),
            shard: i % self.shards.len(),
            shared: self.shared.clone(),
        }
    }

    fn mine(&self) -> &Shard {
        // `shard` is always reduced modulo the (non-empty) shard count.
        &self.shards[self.shard % self.shards.len()]
    }

    /// Counts a finished request.
    pub fn request(&self, route: usize, status: u16) {
        if let Some(r) = self.mine().routes.get(route)
            && let Some(slot) = r.statuses.get(usize::from(status).wrapping_sub(100))
        {
            slot.fetch_add(1, Relaxed);
        }
    }

    /// Counts the action taken for an inspected request.
    pub fn action(&self, route: usize, action: Action) {
        if let Some(r) = self.mine().routes.get(route)
            && let Some(i) = ACTIONS.iter().position(|a| *a == action)
        {
            r.actions[i].fetch_add(1, Relaxed);
        }
    }

    /// Records upstream latency (time to response head).
    pub fn upstream_latency(&self, route: usize, d: Duration) {
        if let Some(r) = self.mine().routes.get(route) {
            r.upstream_latency.observe(d);
        }
    }

    /// Counts hits (or documents) delisted, demoted or refused because of `list`.
    pub fn hits(&self, list: &str, effect: &'static str, n: u64) {
        if let Ok(mut m) = self.shared.hits.lock() {
            *m.entry((list.to_owned(), effect)).or_default() += n;
        }
    }

    /// Counts a request answered with the safe response because it could not be evaluated.
    pub fn fail_closed(&self, route: &str, reason: &'static str) {
        if let Ok(mut m) = self.shared.fail_closed.lock() {
            *m.entry((route.to_owned(), reason)).or_default() += 1;
        }
    }

    /// Counts search hits whose URL or hash fields the engine did not show (dropped or, with
    /// `unjudged_hits = "keep"`, shown).
    pub fn unjudged(&self, route: &str, n: u64) {
        if let Ok(mut m) = self.shared.unjudged.lock() {
            *m.entry(route.to_owned()).or_default() += n;
        }
    }

    /// Counts a list reload attempt by result (`ok`, `error`, `refused`).
    pub fn reload(&self, result: &'static str) {
        if let Ok(mut m) = self.shared.reloads.lock() {
            *m.entry(result).or_default() += 1;
        }
    }

    /// Counts a request or connection shed for `reason`.
    pub fn shed(&self, reason: Shed) {
        if let Some(c) = Shed::ALL
            .iter()
            .position(|r| *r == reason)
            .and_then(|i| self.shared.shed.get(i))
        {
            c.fetch_add(1, Relaxed);
        }
    }

    /// Adds a renderer for metrics owned elsewhere (lists, notices).
    pub fn add_renderer(&self, f: Renderer) {
        if let Ok(mut v) = self.shared.extra.lock() {
            v.0.push(f);
        }
    }

    /// A guard counting one request in flight on this worker until dropped; `None` (nothing
    /// counted) when this worker already has `limit` in flight.
    pub fn admit(&self, limit: usize) -> Option<Gauge<'_>> {
        let g = &self.mine().in_flight;
        if usize::try_from(g.fetch_add(1, Relaxed)).is_ok_and(|before| before >= limit) {
            g.fetch_sub(1, Relaxed);
            return None;
        }
        Some(Gauge(g))
    }

    /// A guard counting one open client connection until dropped.
    pub fn connection(&self) -> Gauge<'_> {
        let g = &self.mine().connections;
        g.fetch_add(1, Relaxed);
        Gauge(g)
    }
}

/// Decrements its gauge when dropped.
#[derive(Debug)]
pub struct Gauge<'a>(&'a AtomicI64);

impl Drop for Gauge<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}
