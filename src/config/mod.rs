//! Proxy configuration: TOML parsed raw (serde, unknown keys refused), then validated into
//! [`Config`] once, before any socket is bound. Every problem is reported together, each with the
//! file and the key it concerns.//!
//! `sections` holds the sections as written, `route` and `pattern` the routes as written and as
//! validated, `profiles` the route tables an `[engine] profile` brings, `check` the validation
//! of each value into its type.

mod check;
mod pattern;
pub mod profiles;
mod route;
mod sections;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::lists::ListSpec;
use crate::signpost::SignpostConfig;
use check::{
    check_limits, check_lists, check_routes, client_addressing, items, one_line, optional,
    parse_addr, parse_upstream, section,
};
use sections::Sections;

pub use pattern::Pattern;
pub use route::{
    HashField, RawRoute, RouteEngine, RouteError, RouteKind, RouteOrigin, RouteSpec, UnjudgedHits,
};
pub use sections::{
    AdminSection, BundleConfig, Limits, ReloadSection, ServerSection, UpstreamSection,
};

/// Every problem found in a config file, one per line as `file: key: message`.
#[derive(Debug, thiserror::Error)]
#[error("{}", problems.join("\n"))]
pub struct ConfigError {
    /// One message per problem.
    pub problems: Vec<String>,
}

/// How log lines are written (`server.log_format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Pretty,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    /// Parses `pretty` or `json`.
    pub fn parse(s: &str) -> Option<LogFormat> {
        match s {
            "pretty" => Some(LogFormat::Pretty),
            "json" => Some(LogFormat::Json),
            _ => None,
        }
    }
}

/// A validated configuration: every value parsed into its type once, before any socket is bound.
#[derive(Clone, Debug)]
pub struct Config {
    /// The file it came from (for messages), if any.
    pub source: Option<PathBuf>,
    /// Proxy listen address.
    pub listen: SocketAddr,
    /// Admin listen address.
    pub admin_listen: SocketAddr,
    /// Log format.
    pub log_format: LogFormat,
    /// `X-Forwarded-Proto` value.
    pub forwarded_proto: http::HeaderValue,
    /// Proxy worker threads (at least 1).
    pub workers: usize,
    /// Upstream base URL.
    pub upstream: http::Uri,
    /// `Host` header for the upstream.
    pub upstream_host: String,
    /// Limits and timeouts.
    pub limits: Limits,
    /// How a request's client address is found (from `limits.trusted_proxies`).
    pub clients: crate::client_address::ClientAddressing,
    /// Routes, in order: the `[[routes]]` entries, then the engine profile's.
    pub routes: Vec<RouteSpec>,
    /// `[engine]`: the profile and what happens to requests no route matches.
    pub engine: profiles::EngineSection,
    /// Declared lists (relative paths resolved against the config file's directory).
    pub lists: Vec<ListSpec>,
    /// Notices.
    pub signpost: SignpostConfig,
    /// Evidence log, if enabled.
    pub evidence: Option<crate::evidence::EvidenceConfig>,
    /// Admin API.
    pub admin: AdminSection,
    /// List bundles.
    pub bundles: Vec<BundleConfig>,
    /// False-positive gate for new lists.
    pub gate: Option<crate::gate::GateConfig>,
    /// Reload timing.
    pub reload: ReloadSection,
}

/// Values given on the command line or in the environment; they win over the file.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--listen` / `SEARCHWARD_LISTEN`.
    pub listen: Option<String>,
    /// `--admin-listen` / `SEARCHWARD_ADMIN_LISTEN`.
    pub admin_listen: Option<String>,
    /// `--upstream` / `SEARCHWARD_UPSTREAM`.
    pub upstream: Option<String>,
    /// `--log-format` / `SEARCHWARD_LOG_FORMAT`.
    pub log_format: Option<String>,
    /// Extra lists from flags (`--terms FILE` …).
    pub lists: Vec<ListSpec>,
}

impl Config {
    /// Reads and validates a config file.
    ///
    /// # Errors
    /// [`ConfigError`] listing every problem, each prefixed with the file name.
    pub fn load(path: &Path, overrides: &Overrides) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            problems: vec![format!("{}: cannot read: {e}", path.display())],
        })?;
        Self::parse(&text, Some(path), overrides)
    }

    /// Parses and validates config text; `path` names the file in messages and anchors
    /// relative list paths.
    ///
    /// # Errors
    /// [`ConfigError`] listing every problem.
    pub fn parse(
        text: &str,
        path: Option<&Path>,
        overrides: &Overrides,
    ) -> Result<Config, ConfigError> {
        let file = path.map_or_else(|| "<config>".to_owned(), |p| p.display().to_string());
        let base = path
            .and_then(Path::parent)
            .unwrap_or(Path::new(""))
            .to_path_buf();
        let mut problems = Vec::new();
        let sections: Sections = match toml::from_str(text) {
            Ok(s) => s,
            Err(e) => {
                return Err(ConfigError {
                    problems: vec![format!("{file}: {}", one_line(&e.to_string()))],
                });
            }
        };
        let server: ServerSection = section(&file, "server", sections.server, &mut problems);
        let upstream: UpstreamSection =
            section(&file, "upstream", sections.upstream, &mut problems);
        let limits: Limits = section(&file, "limits", sections.limits, &mut problems);
        let raw_routes: Vec<RawRoute> = section(&file, "routes", sections.routes, &mut problems);
        let engine: profiles::EngineSection =
            section(&file, "engine", sections.engine, &mut problems);
        let declared = sections
            .lists
            .as_ref()
            .and_then(toml::Value::as_array)
            .map_or(0, Vec::len);
        let (mut list_keys, mut lists): (Vec<usize>, Vec<ListSpec>) =
            items(&file, "lists", sections.lists, &mut problems)
                .into_iter()
                .unzip();
        let signpost: SignpostConfig = section(&file, "signpost", sections.signpost, &mut problems);
        let evidence: Option<crate::evidence::EvidenceConfig> =
            optional(&file, "evidence", sections.evidence, &mut problems);
        let mut admin: AdminSection = section(&file, "admin", sections.admin, &mut problems);
        let mut bundles: Vec<BundleConfig> =
            section(&file, "bundles", sections.bundles, &mut problems);
        let mut gate: Option<crate::gate::GateConfig> =
            optional(&file, "gate", sections.gate, &mut problems);
        let reload: ReloadSection = section(&file, "reload", sections.reload, &mut problems);
        for (i, b) in bundles.iter_mut().enumerate() {
            if b.dir.is_relative() {
                b.dir = base.join(&b.dir);
            }
            for k in &b.public_keys {
                if let Err(e) = crate::lists::signature::parse_public_key(k) {
                    problems.push(format!("{file}: bundles[{i}].public_keys: {e}"));
                }
            }
        }
        if let Some(g) = gate.as_mut() {
            for p in std::iter::once(&mut g.benign).chain(g.canaries.as_mut()) {
                if p.is_relative() {
                    *p = base.join(&*p);
                }
            }
        }
        for p in admin
            .token_file
            .iter_mut()
            .chain(admin.audit_log.iter_mut())
            .chain(admin.spool_dir.iter_mut())
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        if reload.debounce_ms == 0 || reload.recheck_secs == 0 {
            problems.push(format!(
                "{file}: reload: debounce_ms and recheck_secs must be greater than 0"
            ));
        }

        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let listen = overrides
            .listen
            .clone()
            .or_else(|| env("SEARCHWARD_LISTEN"))
            .unwrap_or(server.listen);
        let admin_listen = overrides
            .admin_listen
            .clone()
            .or_else(|| env("SEARCHWARD_ADMIN_LISTEN"))
            .unwrap_or(server.admin_listen);
        let upstream_url = overrides
            .upstream
            .clone()
            .or_else(|| env("SEARCHWARD_UPSTREAM"))
            .unwrap_or(upstream.url);
        let log_format = overrides
            .log_format
            .clone()
            .or_else(|| env("SEARCHWARD_LOG_FORMAT"))
            .unwrap_or(server.log_format);

        let listen = parse_addr(&file, "server.listen", &listen, &mut problems);
        let forwarded_proto =
            http::HeaderValue::from_str(&server.forwarded_proto).unwrap_or_else(|_| {
                problems.push(format!(
                    "{file}: server.forwarded_proto: {:?} is not a valid header value",
                    server.forwarded_proto
                ));
                http::HeaderValue::from_static("http")
            });
        let admin_listen = parse_addr(&file, "server.admin_listen", &admin_listen, &mut problems);
        let log_format = LogFormat::parse(&log_format).unwrap_or_else(|| {
            problems.push(format!(
                "{file}: server.log_format: must be \"pretty\" or \"json\""
            ));
            LogFormat::Pretty
        });
        let (upstream, upstream_host) = match parse_upstream(&upstream_url) {
            Ok((uri, host)) => (uri, upstream.host.unwrap_or(host)),
            Err(msg) => {
                problems.push(format!("{file}: upstream.url: {msg}"));
                (http::Uri::default(), String::new())
            }
        };
        check_limits(&file, &limits, &mut problems);
        let clients = client_addressing(&file, &limits, &mut problems);
        let mut routes = check_routes(&file, raw_routes, &mut problems);
        let mut profile_problems = Vec::new();
        routes.extend(engine.routes(&mut profile_problems));
        problems.extend(profile_problems.iter().map(|p| format!("{file}: {p}")));
        for spec in &mut lists {
            if spec.path.is_relative() {
                spec.path = base.join(&spec.path);
            }
            if let Some(k) = spec.sealed_key.as_mut()
                && k.is_relative()
            {
                *k = base.join(&*k);
            }
        }
        list_keys.extend((declared..).take(overrides.lists.len()));
        lists.extend(overrides.lists.iter().cloned());
        check_lists(&file, &lists, &list_keys, &mut problems);
        for p in signpost.problems() {
            problems.push(format!("{file}: signpost: {p}"));
        }
        let mut evidence = evidence;
        if let Some(ev) = evidence.as_mut() {
            if ev.path.is_relative() {
                ev.path = base.join(&ev.path);
            }
            for p in ev.problems() {
                problems.push(format!("{file}: evidence: {p}"));
            }
        }
        if !problems.is_empty() {
            return Err(ConfigError { problems });
        }
        Ok(Config {
            source: path.map(Path::to_path_buf),
            listen,
            admin_listen,
            log_format,
            forwarded_proto,
            workers: match server.workers {
                0 => std::thread::available_parallelism().map_or(1, usize::from),
                n => n,
            },
            upstream,
            upstream_host,
            limits,
            clients,
            routes,
            engine,
            lists,
            signpost,
            evidence,
            admin,
            bundles,
            gate,
            reload,
        })
    }
}
