//! `searchward serve` and `searchward demo`: parse flags, load the config, then hand it to
//! [`searchward::server`] (bind, print the `listening` line, serve until SIGTERM/SIGINT, drain,
//! exit 0).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use searchward::config::{Config, Overrides};
use searchward::lists::{HashAlgorithm, ListKind, ListSpec};
use searchward::server::{Server, shutdown};

/// Lists given on the command line; each is named after its file's stem and blocks.
#[derive(clap::Args, Debug, Default)]
pub struct ListFlags {
    /// A terms list (repeatable).
    #[arg(long = "terms", value_name = "FILE")]
    pub terms: Vec<PathBuf>,
    /// A victims list (repeatable).
    #[arg(long = "victims", value_name = "FILE")]
    pub victims: Vec<PathBuf>,
    /// An allow list (repeatable).
    #[arg(long = "allow", value_name = "FILE")]
    pub allow: Vec<PathBuf>,
    /// A URL list whose matching hits are delisted (repeatable).
    #[arg(long = "urls", value_name = "FILE")]
    pub urls: Vec<PathBuf>,
    /// A hash list, as ALG:FILE with ALG one of md5, sha1, sha256, pdq (repeatable).
    #[arg(long = "hashes", value_name = "ALG:FILE", value_parser = parse_hash_flag)]
    pub hashes: Vec<(HashAlgorithm, PathBuf)>,
}

fn parse_hash_flag(s: &str) -> Result<(HashAlgorithm, PathBuf), String> {
    let (alg, file) = s
        .split_once(':')
        .ok_or("expected ALG:FILE, e.g. md5:lists/hashes.txt")?;
    let alg = match alg {
        "md5" => HashAlgorithm::Md5,
        "sha1" => HashAlgorithm::Sha1,
        "sha256" => HashAlgorithm::Sha256,
        "pdq" => HashAlgorithm::Pdq,
        other => {
            return Err(format!(
                "unknown hash algorithm {other:?} (md5, sha1, sha256, pdq)"
            ));
        }
    };
    Ok((alg, PathBuf::from(file)))
}

impl ListFlags {
    /// The list declarations these flags make.
    pub fn specs(&self) -> Vec<ListSpec> {
        let mut out = Vec::new();
        for (kind, paths) in [
            (ListKind::Terms, &self.terms),
            (ListKind::Victims, &self.victims),
            (ListKind::Allow, &self.allow),
            (ListKind::Urls, &self.urls),
        ] {
            out.extend(paths.iter().map(|p| ListSpec::from_flag(kind, p.clone())));
        }
        for (alg, path) in &self.hashes {
            let mut spec = ListSpec::from_flag(ListKind::Hashes, path.clone());
            spec.algorithm = Some(*alg);
            out.push(spec);
        }
        out
    }
}

/// Arguments of `searchward serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The config file.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    lists: ListFlags,
}

/// Arguments of `searchward demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// The demo config.
    #[arg(long, value_name = "FILE", default_value = "config/demo.toml")]
    pub config: PathBuf,
    #[command(flatten)]
    common: Common,
}

#[derive(clap::Args, Debug)]
struct Common {
    /// Proxy listen address.
    #[arg(long, env = "SEARCHWARD_LISTEN", value_name = "ADDR")]
    listen: Option<String>,
    /// Admin listen address.
    #[arg(long, env = "SEARCHWARD_ADMIN_LISTEN", value_name = "ADDR")]
    admin_listen: Option<String>,
    /// Upstream base URL.
    #[arg(long, env = "SEARCHWARD_UPSTREAM", value_name = "URL")]
    upstream: Option<String>,
    /// Log format: pretty or json.
    #[arg(long, env = "SEARCHWARD_LOG_FORMAT", value_name = "FORMAT")]
    log_format: Option<String>,
}

impl Common {
    fn overrides(&self, lists: Vec<ListSpec>) -> Overrides {
        Overrides {
            listen: self.listen.clone(),
            admin_listen: self.admin_listen.clone(),
            upstream: self.upstream.clone(),
            log_format: self.log_format.clone(),
            lists,
        }
    }
}

/// Runs the proxy.
pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let overrides = args.common.overrides(args.lists.specs());
    let config = match Config::load(&args.config, &overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(64));
        }
    };
    runtime()?.block_on(run(config, None))
}

/// Runs the demo backend and the proxy in front of it.
pub fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    let mut overrides = args.common.overrides(Vec::new());
    overrides
        .listen
        .get_or_insert_with(|| "127.0.0.1:8080".into());
    overrides
        .admin_listen
        .get_or_insert_with(|| "127.0.0.1:9090".into());
    // The upstream is the built-in backend, whatever the environment says.
    overrides.upstream = Some("http://127.0.0.1:1".into());
    let probe = match Config::load(&args.config, &overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(64));
        }
    };
    let corpus = searchward::demo::Corpus::new(
        &demo_entries(&probe, ListKind::Terms, 3),
        &demo_entries(&probe, ListKind::Urls, 2),
        &demo_entries(&probe, ListKind::Hashes, 1),
    );
    let backend = rt
        .block_on(searchward::demo::start(corpus))
        .context("starting the demo backend")?;
    overrides.upstream = Some(format!("http://{backend}"));
    let config = Config::load(&args.config, &overrides).map_err(|e| anyhow::anyhow!("{e}"))?;
    rt.block_on(run(config, Some(backend)))
}

/// The first `n` entries of the config's lists of `kind`: the demo backend builds a few pages
/// around these synthetic placeholders so that filtering has something to act on.
fn demo_entries(config: &Config, kind: ListKind, n: usize) -> Vec<String> {
    config
        .lists
        .iter()
        .filter(|l| l.kind == kind)
        .filter_map(|l| searchward::lists::parse_file(&l.path).ok())
        .flatten()
        .take(n)
        .map(|e| e.text)
        .collect()
}

/// The control-plane runtime: admin listener, watcher, reloads, signals (and the demo backend).
/// Proxy traffic runs on the worker threads.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("starting the runtime")
}

fn init_logging(format: searchward::config::LogFormat) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        searchward::config::LogFormat::Json => builder.json().try_init(),
        searchward::config::LogFormat::Pretty => builder.try_init(),
    };
}

async fn run(
    config: Config,
    demo_backend: Option<std::net::SocketAddr>,
) -> anyhow::Result<ExitCode> {
    init_logging(config.log_format);
    let server = Server::bind(config).await?;
    let (proxy_addr, admin_addr) = (server.proxy_addr(), server.admin_addr());
    {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "listening proxy=http://{proxy_addr} admin=http://{admin_addr}"
        )?;
        if let Some(backend) = demo_backend {
            writeln!(out, "demo backend on http://{backend}; try:")?;
            for line in demo_hints(proxy_addr, admin_addr) {
                writeln!(out, "  {line}")?;
            }
        }
        out.flush()?;
    }
    server.serve(shutdown::signal()).await?;
    Ok(ExitCode::SUCCESS)
}

fn demo_hints(proxy: std::net::SocketAddr, admin: std::net::SocketAddr) -> Vec<String> {
    vec![
        format!("curl 'http://{proxy}/search?q=garden'            # ordinary search, passes"),
        format!(
            "curl 'http://{proxy}/suggest?q=ga'               # autocomplete, flagged suggestions removed"
        ),
        format!(
            "curl 'http://{proxy}/search?q=zorvexil'          # blocked: empty result + deterrence notice"
        ),
        format!("curl 'http://{proxy}/page?q=garden'              # HTML results page"),
        format!("curl 'http://{admin}/metrics'                    # Prometheus metrics"),
        format!(
            "curl -H 'Authorization: Bearer demo-only-admin-token' 'http://{admin}/admin/lists'   # list versions"
        ),
        "edit lists/terms.txt while the demo runs: a new entry blocks within a second".to_owned(),
    ]
}
