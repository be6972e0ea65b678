//! Counters and histograms, rendered in the Prometheus text format. Hot-path updates are single
//! atomic adds; rare events (delisted hits, reloads) take a small mutex. Labels carry route names,
//! list names, actions and statuses, never query text or list entries.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::verdict::Action;

const STATUS_SLOTS: usize = 500; // 100..=599
const LATENCY_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const ACTIONS: [Action; 4] = [
    Action::Allow,
    Action::Monitor,
    Action::Signpost,
    Action::Block,
];

/// A label value written per the Prometheus text exposition format: backslash, double quote and
/// line feed escaped, so a route or list name can never end the value early or break the line.
#[derive(Debug, Clone, Copy)]
pub struct Label<'a>(pub &'a str);

impl std::fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['\\', '"', '\n']) {
            let (head, tail) = rest.split_at(i);
            f.write_str(head)?;
            let mut tail = tail.chars();
            f.write_str(match tail.next() {
                Some('\\') => "\\\\",
                Some('"') => "\\\"",
                _ => "\\n",
            })?;
            rest = tail.as_str();
        }
        f.write_str(rest)
    }
}

/// A latency histogram with fixed buckets (seconds).
#[derive(Debug)]
pub struct Histogram {
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum_micros: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        if let Some(i) = LATENCY_BUCKETS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Relaxed);
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_micros
            .fetch_add(d.as_micros().min(u64::MAX as u128) as u64, Relaxed);
    }

    /// Renders the sum of several shards' histograms.
    fn render_sum<'h>(
        hs: impl Iterator<Item = &'h Histogram> + Clone,
        out: &mut String,
        name: &str,
        labels: &str,
    ) {
        let mut cumulative = 0;
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, b) in LATENCY_BUCKETS.iter().enumerate() {
            cumulative += hs.clone().map(|h| h.buckets[i].load(Relaxed)).sum::<u64>();
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {cumulative}");
        }
        let count: u64 = hs.clone().map(|h| h.count.load(Relaxed)).sum();
        let sum: u64 = hs.map(|h| h.sum_micros.load(Relaxed)).sum();
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", sum as f64 / 1e6);
        let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
    }
}

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

    /// Renders everything in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(8192);
        out.push_str(
            "# HELP searchward_build_info Build information.\n# TYPE searchward_build_info gauge\n",
        );
        let _ = writeln!(
            out,
            "searchward_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        out.push_str("# HELP searchward_requests_total Requests answered, by route and status.\n# TYPE searchward_requests_total counter\n");
        let routes = &self.shards[0].routes;
        let shards = || self.shards.iter();
        for (ri, r) in routes.iter().enumerate() {
            for i in 0..STATUS_SLOTS {
                let n: u64 = shards()
                    .filter_map(|s| s.routes.get(ri)?.statuses.get(i))
                    .map(|c| c.load(Relaxed))
                    .sum();
                if n > 0 {
                    let _ = writeln!(
                        out,
                        "searchward_requests_total{{route=\"{}\",status=\"{}\"}} {n}",
                        Label(&r.name),
                        i + 100
                    );
                }
            }
        }
        out.push_str("# HELP searchward_actions_total Actions taken on inspected requests.\n# TYPE searchward_actions_total counter\n");
        for (ri, r) in routes.iter().enumerate() {
            for (i, a) in ACTIONS.iter().enumerate() {
                let n: u64 = shards()
                    .filter_map(|s| s.routes.get(ri))
                    .map(|r| r.actions[i].load(Relaxed))
                    .sum();
                if n > 0 {
                    let _ = writeln!(
                        out,
                        "searchward_actions_total{{route=\"{}\",action=\"{}\"}} {n}",
                        Label(&r.name),
                        a.as_str()
                    );
                }
            }
        }
        out.push_str("# HELP searchward_upstream_latency_seconds Time to the upstream's response head.\n# TYPE searchward_upstream_latency_seconds histogram\n");
        for (ri, r) in routes.iter().enumerate() {
            Histogram::render_sum(
                shards()
                    .filter_map(move |s| s.routes.get(ri))
                    .map(|r| &r.upstream_latency),
                &mut out,
                "searchward_upstream_latency_seconds",
                &format!("route=\"{}\"", Label(&r.name)),
            );
        }
        out.push_str("# HELP searchward_in_flight_requests Requests being handled.\n# TYPE searchward_in_flight_requests gauge\n");
        let _ = writeln!(
            out,
            "searchward_in_flight_requests {}",
            shards().map(|s| s.in_flight.load(Relaxed)).sum::<i64>()
        );
        out.push_str("# HELP searchward_open_connections Client connections open.\n# TYPE searchward_open_connections gauge\n");
        let _ = writeln!(
            out,
            "searchward_open_connections {}",
            shards().map(|s| s.connections.load(Relaxed)).sum::<i64>()
        );
        out.push_str("# HELP searchward_shed_total Requests and connections refused at once, by reason.\n# TYPE searchward_shed_total counter\n");
        for (reason, n) in Shed::ALL.iter().zip(&self.shared.shed) {
            let _ = writeln!(
                out,
                "searchward_shed_total{{reason=\"{}\"}} {}",
                reason.as_str(),
                n.load(Relaxed)
            );
        }
        out.push_str("# HELP searchward_hits_filtered_total Hits or documents delisted, demoted or refused, by list.\n# TYPE searchward_hits_filtered_total counter\n");
        if let Ok(m) = self.shared.hits.lock() {
            for ((list, effect), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "searchward_hits_filtered_total{{list=\"{}\",effect=\"{effect}\"}} {n}",
                    Label(list)
                );
            }
        }
        out.push_str("# HELP searchward_fail_closed_total Requests answered safely because they could not be evaluated.\n# TYPE searchward_fail_closed_total counter\n");
        if let Ok(m) = self.shared.fail_closed.lock() {
            for ((route, reason), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "searchward_fail_closed_total{{route=\"{}\",reason=\"{reason}\"}} {n}",
                    Label(route)
                );
            }
        }
        out.push_str("# HELP searchward_unjudged_hits_total Search hits whose URL or hash fields the engine did not show.\n# TYPE searchward_unjudged_hits_total counter\n");
        if let Ok(m) = self.shared.unjudged.lock() {
            for (route, n) in m.iter() {
                let _ = writeln!(
                    out,
                    "searchward_unjudged_hits_total{{route=\"{route}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP searchward_list_reloads_total List reload attempts by result.\n# TYPE searchward_list_reloads_total counter\n");
        if let Ok(m) = self.shared.reloads.lock() {
            for result in ["ok", "error"] {
                let _ = writeln!(
                    out,
                    "searchward_list_reloads_total{{result=\"{result}\"}} {}",
                    m.get(result).copied().unwrap_or(0)
                );
            }
        }
        if let Ok(v) = self.shared.extra.lock() {
            for f in v.0.iter() {
                f(&mut out);
            }
        }
        out
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

#[cfg(test)]
mod tests {
    #[test]
    fn label_values_are_escaped_per_the_exposition_format() {
        let cases = [
            ("plain", "search", "search"),
            ("quote", "se\"arch", "se\\\"arch"),
            ("newline", "a\nb", "a\\nb"),
            ("backslash", "a\\b", "a\\\\b"),
            ("all", "\"\n\\}", "\\\"\\n\\\\}"),
            ("unicode", "suché", "suché"),
        ];
        for (name, value, want) in cases {
            assert_eq!(Label(value).to_string(), want, "{name}");
        }
    }

    use super::*;

    #[test]
    fn renders_counters_by_route_and_status() {
        let m = Metrics::new(["search", "passthrough"]);
        m.request(0, 200);
        m.request(0, 200);
        m.request(1, 502);
        m.request(7, 200); // unknown route ignored
        m.request(0, 42); // out of range ignored
        m.action(0, Action::Block);
        m.upstream_latency(0, Duration::from_millis(3));
        m.hits("urls", "delist", 2);
        m.reload("error");
        m.shed(Shed::ClientInFlight);
        m.for_shard(1).shed(Shed::ClientInFlight);
        {
            let _g = m.admit(usize::MAX).expect("no limit");
            assert!(m.render().contains("searchward_in_flight_requests 1"));
            let second = m.admit(2).expect("one of two taken");
            assert!(m.admit(2).is_none(), "no third");
            assert!(m.render().contains("searchward_in_flight_requests 2"));
            drop(second);
            assert!(m.admit(2).is_some());
        }
        let text = m.render();
        assert!(text.contains("searchward_requests_total{route=\"search\",status=\"200\"} 2"));
        assert!(text.contains("searchward_requests_total{route=\"passthrough\",status=\"502\"} 1"));
        assert!(text.contains("searchward_actions_total{route=\"search\",action=\"block\"} 1"));
        assert!(text.contains(
            "searchward_upstream_latency_seconds_bucket{route=\"search\",le=\"0.005\"} 1"
        ));
        assert!(text.contains("searchward_hits_filtered_total{list=\"urls\",effect=\"delist\"} 2"));
        assert!(text.contains("searchward_list_reloads_total{result=\"error\"} 1"));
        assert!(text.contains("searchward_in_flight_requests 0"));
        assert!(text.contains("searchward_shed_total{reason=\"client_in_flight\"} 2"));
        assert!(text.contains("searchward_shed_total{reason=\"buffered_bytes\"} 0"));
    }
}
