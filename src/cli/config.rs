//! `searchward config check FILE`: validate a config (and its lists) without binding sockets.

use std::path::PathBuf;
use std::process::ExitCode;

use searchward::config::{Config, Overrides};
use searchward::gate::Gate;
use searchward::reload::Loader;

/// Config subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Validate a config file and the lists it declares, then exit.
    Check {
        /// The config file.
        file: PathBuf,
    },
}

/// Runs the subcommand. Exit 0 when valid, 64 with every problem on stderr otherwise.
pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Check { file } => {
            let config = match Config::load(&file, &Overrides::default()) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("{e}");
                    return Ok(ExitCode::from(64));
                }
            };
            let gate = match config
                .gate
                .as_ref()
                .map(|g| Gate::load(g, std::path::Path::new("")))
                .transpose()
            {
                Ok(g) => g,
                Err(e) => {
                    eprintln!("{}: {e}", file.display());
                    return Ok(ExitCode::from(64));
                }
            };
            let loader = Loader::new(config.lists.clone(), &config.bundles, gate);
            if let Err(e) = loader.sources(None).and_then(|s| loader.build(s)) {
                eprintln!("{}: lists: {e}", file.display());
                return Ok(ExitCode::from(64));
            }
            println!(
                "{}: ok ({} routes, {} lists)",
                file.display(),
                config.routes.len(),
                config.lists.len()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
