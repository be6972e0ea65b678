//! The `searchward` command line: a thin shell over the library. Exit codes: 0 success,
//! 1 runtime failure, 2 usage, 64 bad config or lists.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc: fewer CPU cycles per request than glibc's malloc for hyper's many small
/// short-lived allocations (measured in `benches/load.sh`, docs/performance.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "searchward",
    version,
    about = "Search and autocomplete safety proxy"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the proxy in front of the configured search engine.
    Serve(cli::serve::ServeArgs),
    /// Run the built-in demo backend with the proxy in front of it.
    Demo(cli::serve::DemoArgs),
    /// Check queries from stdin against lists; one JSON verdict per line on stdout.
    Check(cli::check::Args),
    /// Canonicalise URLs from stdin (Safe Browsing v4), one per line.
    Canonicalize(cli::canonicalize::Args),
    /// Configuration tools.
    #[command(subcommand)]
    Config(cli::config::Command),
    /// Probe a health URL (for container HEALTHCHECKs); exit 0 on 2xx.
    Healthcheck(cli::healthcheck::Args),
    /// Evidence records of URL and hash matches.
    #[command(subcommand)]
    Evidence(cli::evidence::Command),
    /// List maintenance: verify bundles, write manifests, diff lists.
    #[command(subcommand)]
    Lists(cli::lists::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => cli::serve::serve(args),
        Command::Demo(args) => cli::serve::demo(args),
        Command::Check(args) => cli::check::run(args),
        Command::Canonicalize(args) => cli::canonicalize::run(args),
        Command::Config(cmd) => cli::config::run(cmd),
        Command::Evidence(cmd) => cli::evidence::run(cmd),
        Command::Healthcheck(args) => cli::healthcheck::run(args),
        Command::Lists(cmd) => cli::lists::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("searchward: {err:#}");
            ExitCode::from(1)
        }
    }
}
