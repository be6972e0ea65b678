//! The Prometheus text exposition: every metric with its help and type lines, label values
//! escaped.

use std::fmt::Write as _;
use std::sync::atomic::Ordering::Relaxed;

use super::{ACTIONS, Histogram, Metrics, STATUS_SLOTS, Shed};

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
impl Metrics {
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::verdict::Action;

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
