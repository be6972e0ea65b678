//! `searchward serve` and `searchward demo`: load config and lists, bind both listeners, print the
//! `listening` line, serve until SIGTERM/SIGINT, drain, exit 0.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use anyhow::Context as _;
use searchward::config::{Config, Overrides};
use searchward::lists::{HashAlgorithm, ListKind, ListSpec};
use searchward::proxy::{State, server};
use tokio::net::TcpListener;
use tokio::sync::watch;

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

fn init_logging(format: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

async fn run(
    config: Config,
    demo_backend: Option<std::net::SocketAddr>,
) -> anyhow::Result<ExitCode> {
    init_logging(&config.log_format);
    let listen = config.listen;
    let admin_listen = config.admin_listen;
    let max_connections = config.limits.max_connections;
    let debounce = std::time::Duration::from_millis(config.reload.debounce_ms);
    let recheck = std::time::Duration::from_secs(config.reload.recheck_secs);
    let state = Arc::new(State::new(config)?);
    // Watch before the first load, so a change made while it runs is not missed.
    let (stop_watch, watch_rx) = watch::channel(false);
    let watcher = state.reloader.spawn_watcher(debounce, recheck, watch_rx)?;
    if state.reloader.loader().is_empty() {
        tracing::warn!(
            "no lists declared: not ready, inspected routes answer with their safe response"
        );
    } else {
        match state.reloader.reload().await {
            Ok(_) => {
                let s = state.snapshot.load();
                let (lists, entries) = s
                    .map(|s| {
                        (
                            s.lists.len(),
                            s.lists.iter().map(|l| l.entries).sum::<usize>(),
                        )
                    })
                    .unwrap_or((0, 0));
                tracing::info!(lists, entries, "lists loaded");
            }
            Err(_) => {
                tracing::error!("lists failed to load: not ready until a valid version arrives")
            }
        }
    }
    let workers = state.config.workers.max(1);
    let proxies = bind_workers(listen, workers).with_context(|| format!("binding {listen}"))?;
    let admin = TcpListener::bind(admin_listen)
        .await
        .with_context(|| format!("binding {admin_listen}"))?;
    let proxy_addr = proxies.first().context("no proxy listener")?.local_addr()?;
    let admin_addr = admin.local_addr()?;
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
    let (stop_proxy, proxy_rx) = watch::channel(false);
    let (stop_admin, admin_rx) = watch::channel(false);
    let per_worker = max_connections.div_ceil(workers);
    let mut threads = Vec::with_capacity(workers);
    for (i, listener) in proxies.into_iter().enumerate() {
        let worker = Arc::new(state.for_worker(i)?);
        let rx = proxy_rx.clone();
        let thread = std::thread::Builder::new()
            .name(format!("searchward-worker-{i}"))
            .spawn(move || run_worker(listener, worker, per_worker, rx))
            .context("starting a worker thread")?;
        threads.push(thread);
    }
    let admin_task = tokio::spawn(server::serve(
        admin,
        state.clone(),
        256,
        None,
        admin_rx,
        |state, req, peer: server::Peer| async move {
            Ok(searchward::admin::handle(state, req, peer.addr).await)
        },
    ));
    shutdown_signal().await;
    tracing::info!("shutting down: draining in-flight requests");
    state.draining.store(true, Ordering::SeqCst);
    let _ = stop_watch.send(true);
    let _ = watcher.await;
    let _ = stop_proxy.send(true);
    let _ =
        tokio::task::spawn_blocking(move || threads.into_iter().for_each(|t| drop(t.join()))).await;
    let _ = stop_admin.send(true);
    let _ = admin_task.await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Binds `workers` listeners on one address with `SO_REUSEPORT`, so the kernel spreads new
/// connections over the workers. Port 0 is resolved by the first bind.
fn bind_workers(
    listen: std::net::SocketAddr,
    workers: usize,
) -> std::io::Result<Vec<std::net::TcpListener>> {
    use socket2::{Domain, Protocol, Socket, Type};
    let mut out = Vec::with_capacity(workers);
    let mut addr = listen;
    for _ in 0..workers {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_reuse_address(true)?;
        socket.set_reuse_port(true)?;
        socket.bind(&addr.into())?;
        socket.listen(1024)?;
        socket.set_nonblocking(true)?;
        let listener: std::net::TcpListener = socket.into();
        addr = listener.local_addr()?;
        out.push(listener);
    }
    Ok(out)
}

/// One proxy worker: a single-threaded event loop serving its own listener until shutdown.
fn run_worker(
    listener: std::net::TcpListener,
    state: Arc<State>,
    limit: usize,
    stop: watch::Receiver<bool>,
) {
    // I/O and timers only: signals are the control plane's, and a signal or process driver
    // would be consulted on every turn of this loop.
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "worker runtime failed to start");
            return;
        }
    };
    rt.block_on(async move {
        match TcpListener::from_std(listener) {
            Ok(l) => {
                let clients = Some(state.clients.clone());
                server::serve(
                    l,
                    state,
                    limit,
                    clients,
                    stop,
                    searchward::proxy::service::handle,
                )
                .await
            }
            Err(e) => tracing::error!(error = %e, "worker listener failed"),
        }
    });
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

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
