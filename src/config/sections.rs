//! The config file's sections as written (serde, unknown keys refused), with their defaults.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

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

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Sections {
    #[serde(default)]
    pub(super) server: Option<toml::Value>,
    #[serde(default)]
    pub(super) upstream: Option<toml::Value>,
    #[serde(default)]
    pub(super) limits: Option<toml::Value>,
    #[serde(default)]
    pub(super) routes: Option<toml::Value>,
    #[serde(default)]
    pub(super) lists: Option<toml::Value>,
    #[serde(default)]
    pub(super) signpost: Option<toml::Value>,
    #[serde(default)]
    pub(super) evidence: Option<toml::Value>,
    #[serde(default)]
    pub(super) admin: Option<toml::Value>,
    #[serde(default)]
    pub(super) bundles: Option<toml::Value>,
    #[serde(default)]
    pub(super) gate: Option<toml::Value>,
    #[serde(default)]
    pub(super) reload: Option<toml::Value>,
    #[serde(default)]
    pub(super) engine: Option<toml::Value>,
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
    /// The trust policy (keys already validated by [`super::Config::parse`]).
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

impl ReloadSection {
    /// Quiet period after a file event.
    pub fn debounce(&self) -> Duration {
        Duration::from_millis(self.debounce_ms)
    }
    /// Periodic re-check interval.
    pub fn recheck(&self) -> Duration {
        Duration::from_secs(self.recheck_secs)
    }
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
