//! Proxy configuration: TOML parsed raw (serde, unknown keys refused), then validated into
//! [`Config`] once, before any socket is bound. Every problem is reported together, each with the
//! file and the key it concerns.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::engines::generic::GenericOptions;
use crate::lists::ListSpec;
use crate::signpost::SignpostConfig;

/// Every problem found in a config file, one per line as `file: key: message`.
#[derive(Debug, thiserror::Error)]
#[error("{}", problems.join("\n"))]
pub struct ConfigError {
    /// One message per problem.
    pub problems: Vec<String>,
}

/// `[server]`
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    /// Proxy listen address.
    pub listen: String,
    /// Admin listen address (keep it on loopback or a private network).
    pub admin_listen: String,
    /// `pretty` or `json` logs.
    pub log_format: String,
    /// Origin placed in `X-Forwarded-Proto` (`http` unless TLS is terminated in front).
    pub forwarded_proto: String,
    /// Proxy worker threads, each with its own event loop, listener (`SO_REUSEPORT`) and
    /// upstream connection pool; 0 means one per CPU.
    pub workers: usize,
}

impl Default for ServerSection {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            admin_listen: "127.0.0.1:9090".into(),
            log_format: "pretty".into(),
            forwarded_proto: "http".into(),
            workers: 0,
        }
    }
}

/// `[upstream]`
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UpstreamSection {
    /// Base URL of the search engine, `http://` or `https://`.
    pub url: String,
    /// `Host` header sent upstream (default: the URL's authority).
    pub host: Option<String>,
}

/// `[limits]`: sizes in bytes, times in milliseconds.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Time allowed to receive a request's headers (slowloris guard).
    pub header_read_timeout_ms: u64,
    /// Largest request head accepted (431 above it).
    pub max_header_bytes: usize,
    /// Largest request body on inspected routes (413 above it).
    pub max_request_body: usize,
    /// Largest upstream response buffered for rewriting (502 above it).
    pub max_response_body: usize,
    /// Largest decoded size of a compressed response, also bounded at 100× the encoded size.
    pub max_decoded_body: usize,
    /// Upstream TCP (and TLS) connect timeout.
    pub connect_timeout_ms: u64,
    /// Time allowed for the upstream's response head (and, on inspected routes, its body).
    pub response_timeout_ms: u64,
    /// Client connections the proxy holds open at once, all workers together; one more is
    /// answered `503` with `Retry-After` and `Connection: close` and closed at once. The admin
    /// listener has its own limit.
    pub max_connections: usize,
    /// Requests handled at once (shared evenly by the workers); one more is answered `503` with
    /// `Retry-After` at once, without contacting the upstream. Idle keep-alive connections do
    /// not count.
    pub max_in_flight: usize,
    /// Time in-flight requests get to finish on SIGTERM/SIGINT.
    pub shutdown_grace_ms: u64,
    /// Idle keep-alive upstream connections kept per worker.
    pub upstream_pool_idle: usize,
    /// Open connections one client address may hold; one more is answered `429` with
    /// `Retry-After` and closed at once. Trusted proxies are not limited this way (their
    /// clients' requests are, by `per_client_in_flight`).
    pub per_client_connections: usize,
    /// Requests one client address may have in flight; one more is answered `429` with
    /// `Retry-After`, without contacting the upstream.
    pub per_client_in_flight: usize,
    /// Bytes of request and response bodies buffered for inspection across all requests at
    /// once; an inspected request that finds no room is answered `503` with `Retry-After`.
    pub max_buffered_bytes: usize,
    /// Addresses or CIDR blocks of proxies in front whose client header is believed.
    pub trusted_proxies: Vec<String>,
    /// The header a trusted proxy names the client in: `x-forwarded-for` or `forwarded`.
    pub client_address_header: String,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout_ms: 10_000,
            max_header_bytes: 16 * 1024,
            max_request_body: 1024 * 1024,
            max_response_body: 8 * 1024 * 1024,
            max_decoded_body: 32 * 1024 * 1024,
            connect_timeout_ms: 2_000,
            response_timeout_ms: 10_000,
            max_connections: 4_096,
            max_in_flight: 1_024,
            shutdown_grace_ms: 10_000,
            upstream_pool_idle: 256,
            per_client_connections: 256,
            per_client_in_flight: 64,
            max_buffered_bytes: 256 * 1024 * 1024,
            trusted_proxies: Vec::new(),
            client_address_header: "x-forwarded-for".into(),
        }
    }
}

impl Limits {
    /// Header read timeout.
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_millis(self.header_read_timeout_ms)
    }
    /// Upstream connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }
    /// Upstream response timeout.
    pub fn response_timeout(&self) -> Duration {
        Duration::from_millis(self.response_timeout_ms)
    }
    /// Shutdown grace period.
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_millis(self.shutdown_grace_ms)
    }
}

/// What a route does with a request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteKind {
    /// Search: the query is checked; results are filtered.
    Search,
    /// Autocomplete: the prefix is checked; suggestions are filtered.
    Suggest,
    /// Indexing: documents whose URL or hash is listed are refused.
    Index,
    /// Forwarded untouched, streaming both ways.
    #[default]
    Passthrough,
    /// Refused with 403.
    Deny,
}

impl RouteKind {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteKind::Search => "search",
            RouteKind::Suggest => "suggest",
            RouteKind::Index => "index",
            RouteKind::Passthrough => "passthrough",
            RouteKind::Deny => "deny",
        }
    }

    /// True for kinds whose traffic is evaluated (buffered, checked, rewritten).
    pub fn is_inspected(self) -> bool {
        matches!(
            self,
            RouteKind::Search | RouteKind::Suggest | RouteKind::Index
        )
    }
}

/// One `[[routes]]` entry as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// Name used in logs and metrics.
    pub name: String,
    /// Path pattern: exact (`/search`), `{param}` segments (`/indexes/{index}/search`), or a
    /// prefix ending in `*` (`/api/*`).
    pub path: String,
    /// Methods; empty means any.
    #[serde(default)]
    pub methods: Vec<String>,
    /// What the route does.
    #[serde(default)]
    pub kind: RouteKind,
    /// Engine adapter name (required for search, suggest and index kinds).
    #[serde(default)]
    pub engine: Option<String>,
    /// Options of the `generic` and `html` adapters.
    #[serde(default)]
    pub generic: Option<GenericOptions>,
    /// Categories of lists enforced on this route (empty: all).
    #[serde(default)]
    pub categories: Vec<String>,
    /// Hits whose title or snippet matches a term list are demoted.
    #[serde(default)]
    pub demote_matching_hits: bool,
    /// Index routes: refuse the whole request when any document is listed (default: drop only
    /// the listed documents).
    #[serde(default)]
    pub refuse_whole_batch: bool,
    /// Where hashes are in a hit or document: `{ pointer = "/md5", algorithm = "md5" }`.
    #[serde(default)]
    pub hash_fields: Vec<HashField>,
    /// Override the adapter's URL pointers (relative to a hit or document).
    #[serde(default)]
    pub url_fields: Vec<String>,
    /// Where the route came from (not a config key).
    #[serde(skip)]
    pub origin: RouteOrigin,
    /// Search hits whose URL or hash fields were hidden from searchward (e.g. no `_source`):
    /// `drop` (default) removes them; `keep` is the operator's explicit opt-out.
    #[serde(default)]
    pub unjudged_hits: UnjudgedHits,
}

/// Where a route came from; a denial by a profile or for an unknown endpoint answers
/// `endpoint_not_allowed`, an operator's own `deny` route `denied`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RouteOrigin {
    /// A `[[routes]]` entry.
    #[default]
    Config,
    /// The `[engine]` profile's table.
    Profile,
    /// The implicit route of requests no other route matches.
    Unknown,
}

/// What happens to a search hit that cannot be judged against the URL and hash lists.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum UnjudgedHits {
    /// Removed from the response (and from the total), counted.
    #[default]
    Drop,
    /// Shown unjudged, counted.
    Keep,
}

/// A hash field of hits or indexed documents.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashField {
    /// JSON pointer relative to the hit or document; a string or an array of strings.
    pub pointer: String,
    /// Digest algorithm of the values.
    pub algorithm: crate::lists::HashAlgorithm,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sections {
    #[serde(default)]
    server: Option<toml::Value>,
    #[serde(default)]
    upstream: Option<toml::Value>,
    #[serde(default)]
    limits: Option<toml::Value>,
    #[serde(default)]
    routes: Option<toml::Value>,
    #[serde(default)]
    lists: Option<toml::Value>,
    #[serde(default)]
    signpost: Option<toml::Value>,
    #[serde(default)]
    evidence: Option<toml::Value>,
    #[serde(default)]
    admin: Option<toml::Value>,
    #[serde(default)]
    bundles: Option<toml::Value>,
    #[serde(default)]
    gate: Option<toml::Value>,
    #[serde(default)]
    reload: Option<toml::Value>,
    #[serde(default)]
    engine: Option<toml::Value>,
}

/// `[admin]`
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminSection {
    /// File holding the bearer token for the list endpoints (or `SEARCHWARD_ADMIN_TOKEN`).
    /// Without a token the list endpoints are disabled.
    pub token_file: Option<PathBuf>,
    /// Append-only JSONL audit log of every list change attempt.
    pub audit_log: Option<PathBuf>,
    /// Largest pushed list or bundle body in bytes (413 above it). Bodies are streamed to a
    /// temporary file, not held in memory while they arrive.
    pub max_body: usize,
    /// Directory for pushed bodies while they arrive (the system's temporary directory when
    /// unset); each file is removed once its push is done or refused.
    pub spool_dir: Option<PathBuf>,
    /// Size of the audit log past which it is rotated to `<audit_log>.1` (so the audit log
    /// never takes more than twice this on disk).
    pub audit_max_bytes: u64,
}

impl Default for AdminSection {
    fn default() -> Self {
        Self {
            token_file: None,
            audit_log: None,
            max_body: 512 * 1024 * 1024,
            spool_dir: None,
            audit_max_bytes: 16 * 1024 * 1024,
        }
    }
}

/// `[[bundles]]`: a bundle directory and how far to trust it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleConfig {
    /// The bundle directory (with `manifest.toml`).
    pub dir: PathBuf,
    /// Trusted minisign public keys (the `RW…` line); when set, unsigned bundles are refused.
    #[serde(default)]
    pub public_keys: Vec<String>,
    /// Refuse bundles with a lower serial.
    #[serde(default)]
    pub min_serial: Option<u64>,
}

impl BundleConfig {
    /// The trust policy (keys already validated by [`Config::parse`]).
    pub fn policy(&self) -> crate::lists::signature::TrustPolicy {
        crate::lists::signature::TrustPolicy {
            keys: self
                .public_keys
                .iter()
                .filter_map(|k| crate::lists::signature::parse_public_key(k).ok())
                .collect(),
            min_serial: self.min_serial,
            ..Default::default()
        }
    }
}

/// `[reload]`
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReloadSection {
    /// Quiet period after a file event before reloading.
    pub debounce_ms: u64,
    /// Periodic re-check for filesystems where events are lost (also when staleness is checked).
    pub recheck_secs: u64,
    /// When a list is past its `max_age` (or its bundle's `expires`), answer inspected routes
    /// with the safe response (search: the support notice; suggest: nothing) instead of
    /// filtering with stale lists. Off by default: stale lists keep being enforced.
    pub fail_closed_when_stale: bool,
}

impl Default for ReloadSection {
    fn default() -> Self {
        Self {
            debounce_ms: 250,
            recheck_secs: 30,
            fail_closed_when_stale: false,
        }
    }
}

/// A validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// The file it came from (for messages), if any.
    pub source: Option<PathBuf>,
    /// Proxy listen address.
    pub listen: SocketAddr,
    /// Admin listen address.
    pub admin_listen: SocketAddr,
    /// Log format: `pretty` or `json`.
    pub log_format: String,
    /// `X-Forwarded-Proto` value.
    pub forwarded_proto: String,
    /// Proxy worker threads (at least 1).
    pub workers: usize,
    /// Upstream base URL.
    pub upstream: http::Uri,
    /// `Host` header for the upstream.
    pub upstream_host: String,
    /// Limits and timeouts.
    pub limits: Limits,
    /// How a request's client address is found (from `limits.trusted_proxies`).
    pub clients: crate::proxy::client::ClientAddressing,
    /// Routes, in order: the `[[routes]]` entries, then the engine profile's.
    pub routes: Vec<RouteSpec>,
    /// `[engine]`: the profile and what happens to requests no route matches.
    pub engine: crate::profiles::EngineSection,
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
        let mut routes: Vec<RouteSpec> = section(&file, "routes", sections.routes, &mut problems);
        let engine: crate::profiles::EngineSection =
            section(&file, "engine", sections.engine, &mut problems);
        let mut lists: Vec<ListSpec> = section(&file, "lists", sections.lists, &mut problems);
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
        let admin_listen = parse_addr(&file, "server.admin_listen", &admin_listen, &mut problems);
        if !matches!(log_format.as_str(), "pretty" | "json") {
            problems.push(format!(
                "{file}: server.log_format: must be \"pretty\" or \"json\""
            ));
        }
        let (upstream, upstream_host) = match parse_upstream(&upstream_url) {
            Ok((uri, host)) => (uri, upstream.host.unwrap_or(host)),
            Err(msg) => {
                problems.push(format!("{file}: upstream.url: {msg}"));
                (http::Uri::default(), String::new())
            }
        };
        check_limits(&file, &limits, &mut problems);
        let clients = client_addressing(&file, &limits, &mut problems);
        check_routes(&file, &routes, &mut problems);
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
        lists.extend(overrides.lists.iter().cloned());
        check_lists(&file, &lists, &mut problems);
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
            forwarded_proto: server.forwarded_proto,
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

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn section<T: DeserializeOwned + Default>(
    file: &str,
    key: &str,
    value: Option<toml::Value>,
    problems: &mut Vec<String>,
) -> T {
    let Some(value) = value else {
        return T::default();
    };
    match T::deserialize(value) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!("{file}: {key}: {}", one_line(&e.to_string())));
            T::default()
        }
    }
}

fn optional<T: DeserializeOwned>(
    file: &str,
    key: &str,
    value: Option<toml::Value>,
    problems: &mut Vec<String>,
) -> Option<T> {
    match T::deserialize(value?) {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(format!("{file}: {key}: {}", one_line(&e.to_string())));
            None
        }
    }
}

fn parse_addr(file: &str, key: &str, value: &str, problems: &mut Vec<String>) -> SocketAddr {
    match value.parse() {
        Ok(a) => a,
        Err(_) => {
            problems.push(format!(
                "{file}: {key}: {value:?} is not an address like 127.0.0.1:8080"
            ));
            SocketAddr::from(([127, 0, 0, 1], 0))
        }
    }
}

/// Parses the upstream base URL; returns it with its default `Host` value.
fn parse_upstream(url: &str) -> Result<(http::Uri, String), String> {
    if url.is_empty() {
        return Err("missing (set upstream.url, --upstream or SEARCHWARD_UPSTREAM)".into());
    }
    let uri: http::Uri = url.parse().map_err(|_| format!("{url:?} is not a URL"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(format!("{url:?} must start with http:// or https://")),
    }
    let authority = uri
        .authority()
        .ok_or_else(|| format!("{url:?} has no host"))?;
    if authority.as_str().contains('@') {
        return Err("must not contain user info".into());
    }
    if uri.query().is_some() {
        return Err("must not contain a query string".into());
    }
    let host = authority.as_str().to_owned();
    Ok((uri, host))
}

fn check_limits(file: &str, l: &Limits, problems: &mut Vec<String>) {
    let positive = [
        (
            "limits.header_read_timeout_ms",
            l.header_read_timeout_ms as usize,
        ),
        ("limits.max_header_bytes", l.max_header_bytes),
        ("limits.max_request_body", l.max_request_body),
        ("limits.max_response_body", l.max_response_body),
        ("limits.max_decoded_body", l.max_decoded_body),
        ("limits.connect_timeout_ms", l.connect_timeout_ms as usize),
        ("limits.response_timeout_ms", l.response_timeout_ms as usize),
        ("limits.max_connections", l.max_connections),
        ("limits.max_in_flight", l.max_in_flight),
        ("limits.per_client_connections", l.per_client_connections),
        ("limits.per_client_in_flight", l.per_client_in_flight),
        ("limits.max_buffered_bytes", l.max_buffered_bytes),
    ];
    for (key, v) in positive {
        if v == 0 {
            problems.push(format!("{file}: {key}: must be greater than 0"));
        }
    }
    if l.max_header_bytes < 8192 {
        problems.push(format!(
            "{file}: limits.max_header_bytes: must be at least 8192"
        ));
    }
}

/// The validated client addressing of `[limits]`.
fn client_addressing(
    file: &str,
    l: &Limits,
    problems: &mut Vec<String>,
) -> crate::proxy::client::ClientAddressing {
    use crate::proxy::client::{ClientAddressing, ClientHeader};
    let mut nets = Vec::with_capacity(l.trusted_proxies.len());
    for (i, s) in l.trusted_proxies.iter().enumerate() {
        match ClientAddressing::parse_net(s) {
            Some(n) => nets.push(n),
            None => problems.push(format!(
                "{file}: limits.trusted_proxies[{i}]: {s:?} is not an IP address or CIDR block"
            )),
        }
    }
    let header = ClientHeader::parse(&l.client_address_header).unwrap_or_else(|| {
        problems.push(format!(
            "{file}: limits.client_address_header: must be \"x-forwarded-for\" or \"forwarded\""
        ));
        ClientHeader::XForwardedFor
    });
    ClientAddressing::new(nets, header)
}

fn check_routes(file: &str, routes: &[RouteSpec], problems: &mut Vec<String>) {
    let mut names = BTreeSet::new();
    for (i, r) in routes.iter().enumerate() {
        let key = format!("routes[{i}]");
        if !names.insert(r.name.as_str()) {
            problems.push(format!("{file}: {key}.name: {:?} is used twice", r.name));
        }
        if let Err(msg) = crate::proxy::router::Pattern::parse(&r.path) {
            problems.push(format!("{file}: {key}.path: {msg}"));
        }
        for m in &r.methods {
            if http::Method::from_bytes(m.to_ascii_uppercase().as_bytes()).is_err() {
                problems.push(format!(
                    "{file}: {key}.methods: {m:?} is not an HTTP method"
                ));
            }
        }
        match (&r.engine, r.kind.is_inspected()) {
            (None, true) => problems.push(format!(
                "{file}: {key}.engine: required for a {} route",
                r.kind.as_str()
            )),
            (Some(name), _) => {
                if let Err(e) = crate::engines::build(name, r.generic.as_ref()) {
                    problems.push(format!("{file}: {key}.engine: {e}"));
                }
            }
            (None, false) => {}
        }
    }
}

fn check_lists(file: &str, lists: &[ListSpec], problems: &mut Vec<String>) {
    let mut names = BTreeSet::new();
    for (i, l) in lists.iter().enumerate() {
        if !names.insert(l.name.as_str()) {
            problems.push(format!(
                "{file}: lists[{i}].name: {:?} is used twice",
                l.name
            ));
        }
        for p in l.problems() {
            problems.push(format!("{file}: lists[{i}] ({}): {p}", l.name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "[upstream]\nurl = \"http://127.0.0.1:9200\"\n";

    #[test]
    fn minimal_config_gets_defaults() {
        let c = Config::parse(MINIMAL, None, &Overrides::default()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.admin_listen.ip().to_string(), "127.0.0.1");
        assert_eq!(c.upstream_host, "127.0.0.1:9200");
        assert_eq!(c.limits.max_request_body, 1024 * 1024);
    }

    #[test]
    fn client_addressing_is_validated_with_the_rest() {
        let ok = format!(
            "{MINIMAL}[limits]\ntrusted_proxies = [\"10.0.0.0/8\", \"::1\"]\nclient_address_header = \"Forwarded\"\n"
        );
        let c = Config::parse(&ok, None, &Overrides::default()).unwrap();
        assert!(c.clients.is_trusted("10.9.8.7".parse().unwrap()));
        assert!(c.clients.is_trusted("::1".parse().unwrap()));
        assert!(!c.clients.is_trusted("11.0.0.1".parse().unwrap()));
        let bad = format!(
            "{MINIMAL}[limits]\ntrusted_proxies = [\"10.0.0.0/40\", \"lb.example\"]\nclient_address_header = \"x-real-ip\"\nper_client_in_flight = 0\n"
        );
        let all = Config::parse(&bad, Some(Path::new("c.toml")), &Overrides::default())
            .unwrap_err()
            .to_string();
        for key in [
            "c.toml: limits.trusted_proxies[0]",
            "c.toml: limits.trusted_proxies[1]",
            "c.toml: limits.client_address_header",
            "c.toml: limits.per_client_in_flight",
        ] {
            assert!(all.contains(key), "{key} missing from {all}");
        }
    }

    #[test]
    fn every_problem_is_reported_with_its_key() {
        let text = "[server]\nlisten = \"nope\"\nbogus = 1\n[upstream]\nurl = \"ftp://x\"\n[limits]\nmax_connections = 0\n[[routes]]\nname = \"s\"\npath = \"/s\"\nkind = \"search\"\n";
        let err =
            Config::parse(text, Some(Path::new("c.toml")), &Overrides::default()).unwrap_err();
        let all = err.to_string();
        assert!(
            all.contains("c.toml: server: unknown field `bogus`"),
            "{all}"
        );
        assert!(all.contains("upstream.url"), "{all}");
        assert!(all.contains("limits.max_connections"), "{all}");
        assert!(all.contains("routes[0].engine"), "{all}");
    }

    #[test]
    fn unknown_top_level_section_is_named() {
        let err = Config::parse("[surprise]\na = 1\n", None, &Overrides::default()).unwrap_err();
        assert!(err.to_string().contains("surprise"), "{err}");
    }

    #[test]
    fn overrides_win() {
        let o = Overrides {
            listen: Some("127.0.0.1:0".into()),
            upstream: Some("http://localhost:7700".into()),
            ..Overrides::default()
        };
        let c = Config::parse("[upstream]\nurl = \"http://a:1\"\n", None, &o).unwrap();
        assert_eq!(c.listen.port(), 0);
        assert_eq!(c.upstream_host, "localhost:7700");
    }
}
