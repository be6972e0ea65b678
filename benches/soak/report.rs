//! What the soak measured and the verdict: outcome counts, latency by phase, swaps applied,
//! broken versions never applied, resident memory.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::bundle::Kind;
use crate::load::{Outcome, Record};

/// One resident-memory sample of the searchward process.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Since the load started.
    pub at: Duration,
    /// VmRSS in KiB.
    pub rss: u64,
    /// VmHWM (peak RSS since start) in KiB.
    pub hwm: u64,
}

/// One published version.
#[derive(Clone, Debug)]
pub struct Swap {
    /// Manifest version string.
    pub version: String,
    /// Valid or how it is broken.
    pub kind: Kind,
    /// When `..data` was switched, since the load started.
    pub at: Duration,
    /// Time to write the version and switch the link.
    pub write: Duration,
}

/// Reload counters and the terms list's version, scraped from `/metrics` over time.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    /// `(at, ok, error, terms version)` per scrape.
    pub timeline: Vec<(Duration, u64, u64, String)>,
    /// Every version the entries gauge ever showed, with when it was first seen.
    pub seen: BTreeMap<String, Duration>,
}

/// One scrape.
pub struct Scrape {
    ok: u64,
    error: u64,
    versions: Vec<String>,
}

impl Metrics {
    /// Reads the counters and the `searchward_list_entries` versions from an exposition.
    pub fn parse(text: &str) -> Scrape {
        let counter = |label: &str| {
            text.lines()
                .find_map(|l| {
                    l.strip_prefix(&format!(
                        "searchward_list_reloads_total{{result=\"{label}\"}} "
                    ))
                })
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0)
        };
        let versions = text
            .lines()
            .filter(|l| l.starts_with("searchward_list_entries{"))
            .filter_map(|l| l.split("version=\"").nth(1))
            .filter_map(|v| v.split('"').next())
            .map(str::to_owned)
            .collect();
        Scrape {
            ok: counter("ok"),
            error: counter("error"),
            versions,
        }
    }

    /// Adds a scrape taken at `at`.
    pub fn merge(&mut self, at: Duration, s: Scrape) {
        for v in &s.versions {
            self.seen.entry(v.clone()).or_insert(at);
        }
        let terms = s.versions.first().cloned().unwrap_or_default();
        self.timeline.push((at, s.ok, s.error, terms));
    }
}

/// The run's shape.
pub struct Run {
    /// Target request rate.
    pub rate: u64,
    /// End of the steady phase (swaps start).
    pub steady: Duration,
    /// When the last version was published (plus one interval).
    pub swaps_end: Duration,
    /// Time from spawning searchward to its listening line.
    pub startup: Duration,
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

/// Prints the report; true when every hard condition holds.
pub fn print(
    run: &Run,
    records: &[Record],
    swaps: &[Swap],
    samples: &[Sample],
    metrics: &Metrics,
    invalid: &BTreeSet<String>,
) -> bool {
    let count = |f: &dyn Fn(&Outcome) -> bool| records.iter().filter(|r| f(&r.outcome)).count();
    let total = records.len();
    let even = count(&|o| *o == Outcome::Even);
    let odd = count(&|o| *o == Outcome::Odd);
    let mixed = count(&|o| *o == Outcome::Mixed);
    let blocked = count(&|o| *o == Outcome::InvalidServed);
    let transport = count(&|o| *o == Outcome::Transport);
    let non200 = count(&|o| matches!(o, Outcome::Status(_)));
    let five = count(&|o| matches!(o, Outcome::Status(s) if *s >= 500));
    let span = records.last().map(|r| r.at).unwrap_or_default();

    let phase = |from: Duration, to: Duration| {
        let mut l: Vec<Duration> = records
            .iter()
            .filter(|r| r.at >= from && r.at < to)
            .map(|r| r.latency)
            .collect();
        l.sort();
        l
    };
    // The first second warms connections; the swap phase runs until the last version settled.
    let steady = phase(Duration::from_secs(1), run.steady);
    let during = phase(run.steady, run.swaps_end + Duration::from_secs(2));
    let ratio = pct(&during, 0.99).as_secs_f64() / pct(&steady, 0.99).as_secs_f64().max(1e-9);

    let first = metrics.timeline.first().cloned().unwrap_or_default();
    let last = metrics.timeline.last().cloned().unwrap_or_default();
    let ok_reloads = last.1.saturating_sub(first.1);
    let err_reloads = last.2.saturating_sub(first.2);
    let invalid_applied: Vec<&String> = metrics
        .seen
        .keys()
        .filter(|v| invalid.contains(*v))
        .collect();
    let valid: Vec<&Swap> = swaps.iter().filter(|s| !s.kind.invalid()).collect();
    let mut apply: Vec<Duration> = valid
        .iter()
        .filter_map(|s| {
            metrics
                .seen
                .get(&s.version)
                .map(|seen| seen.saturating_sub(s.at))
        })
        .collect();
    apply.sort();
    let writes: Vec<Duration> = swaps.iter().map(|s| s.write).collect();
    let max_write = writes.iter().max().copied().unwrap_or_default();

    let rss_at = |t: Duration| {
        samples
            .iter()
            .find(|s| s.at >= t)
            .or(samples.last())
            .map_or(0, |s| s.rss)
    };
    let hwm_before = samples
        .iter()
        .take_while(|s| s.at < run.steady)
        .map(|s| s.hwm)
        .max()
        .unwrap_or(0);
    let hwm_end = samples.last().map_or(0, |s| s.hwm);
    let in_swaps =
        |s: &&Sample| s.at >= run.steady && s.at < run.swaps_end + Duration::from_secs(3);
    let rss_max = samples
        .iter()
        .filter(in_swaps)
        .map(|s| s.rss)
        .max()
        .unwrap_or(0);
    let windows: Vec<String> = (0..)
        .map(|i| run.steady + Duration::from_secs(10 * i))
        .take_while(|t| *t < run.swaps_end)
        .map(|t| {
            let w: Vec<u64> = samples
                .iter()
                .filter(|s| s.at >= t && s.at < t + Duration::from_secs(10))
                .map(|s| s.rss)
                .collect();
            format!(
                "{}–{}",
                mib(w.iter().min().copied().unwrap_or(0)),
                mib(w.iter().max().copied().unwrap_or(0))
            )
        })
        .collect();

    println!("\n== soak: list swaps under load ==");
    println!("searchward startup (first load)    {:.1?}", run.startup);
    println!(
        "requests                           {total} in {:.0?} (target {} req/s, achieved {:.0} req/s)",
        span,
        run.rate,
        total as f64 / span.as_secs_f64().max(1e-9)
    );
    println!("  whole even / whole odd           {even} / {odd}");
    println!("  mixed-version answers            {mixed}");
    println!("  blocked (broken version served)  {blocked}");
    println!("  non-200 (of which 5xx)           {non200} ({five})");
    println!("  transport errors / timeouts      {transport}");
    println!(
        "versions published                 {} ({} valid, {} broken)",
        swaps.len(),
        valid.len(),
        invalid.len()
    );
    println!("  write + link swap, max           {}", ms(max_write));
    println!("reloads applied (ok)               {ok_reloads}");
    println!("reloads refused (error)            {err_reloads}");
    println!(
        "valid versions seen in force       {} of {}",
        apply.len(),
        valid.len()
    );
    println!(
        "  publish → in force p50 / max     {} / {}",
        ms(pct(&apply, 0.5)),
        ms(apply.last().copied().unwrap_or_default())
    );
    println!(
        "broken versions ever in force      {}",
        invalid_applied.len()
    );
    println!(
        "latency steady   p50 / p99 / max   {} / {} / {}  (n={})",
        ms(pct(&steady, 0.5)),
        ms(pct(&steady, 0.99)),
        ms(steady.last().copied().unwrap_or_default()),
        steady.len()
    );
    println!(
        "latency swapping p50 / p99 / max   {} / {} / {}  (n={})",
        ms(pct(&during, 0.5)),
        ms(pct(&during, 0.99)),
        ms(during.last().copied().unwrap_or_default()),
        during.len()
    );
    println!(
        "p99 swapping / steady              {ratio:.2}× (goal ≤ 2×: {})",
        if ratio <= 2.0 { "met" } else { "NOT met" }
    );
    // When things were slow, next to when snapshots were swapped in, to tell a swap stall from a
    // stall of the whole (shared) machine.
    let worst = records.iter().max_by_key(|r| r.latency);
    let slow_write = swaps.iter().max_by_key(|s| s.write);
    let applied_at: Vec<String> = metrics
        .timeline
        .windows(2)
        .filter(|w| w[1].1 > w[0].1)
        .map(|w| format!("{:.1}", w[1].0.as_secs_f64()))
        .collect();
    println!(
        "slowest answer scheduled at        {:.1} s; slowest version write at {:.1} s",
        worst.map_or(0.0, |r| r.at.as_secs_f64()),
        slow_write.map_or(0.0, |s| s.at.as_secs_f64())
    );
    println!(
        "swaps observed at (s)              {}",
        applied_at.join(", ")
    );
    let mut by_second: BTreeMap<u64, Duration> = BTreeMap::new();
    for r in records {
        let e = by_second.entry(r.at.as_secs()).or_default();
        *e = (*e).max(r.latency);
    }
    let slow_seconds: Vec<String> = by_second
        .iter()
        .filter(|(_, l)| **l > Duration::from_millis(100))
        .map(|(s, l)| format!("{s}s:{}ms", l.as_millis()))
        .collect();
    println!(
        "seconds with an answer > 100 ms    {}",
        slow_seconds.join(" ")
    );
    println!("peak RSS (VmHWM) before swaps      {}", mib(hwm_before));
    println!("peak RSS (VmHWM) at end            {}", mib(hwm_end));
    println!("max sampled RSS during swaps       {}", mib(rss_max));
    println!(
        "RSS at swaps start / end           {} / {}",
        mib(rss_at(run.steady)),
        mib(rss_at(run.swaps_end + Duration::from_secs(2)))
    );
    println!("RSS range per 10 s of swapping     {}", windows.join(", "));

    let mut pass = true;
    let mut fail = |cond: bool, what: &str| {
        if cond {
            println!("FAIL: {what}");
            pass = false;
        }
    };
    fail(transport + non200 > 0, "failed or non-200 responses");
    fail(mixed > 0, "responses mixing two list versions");
    fail(
        blocked > 0 || !invalid_applied.is_empty(),
        "a broken version was applied",
    );
    fail(ok_reloads == 0, "no swap was applied");
    // A reload reads whatever version is current when it starts, so a broken version can be
    // superseded before any reload reads it. A run in which that happened every time never
    // exercised refusal, and "no broken version applied" would then prove nothing: it fails.
    fail(
        err_reloads == 0 && !invalid.is_empty(),
        "no broken version was ever read and refused (refusal not exercised)",
    );
    if pass {
        println!("PASS");
    }
    pass
}
