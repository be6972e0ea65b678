//! `searchward config check FILE` (stub until the config module lands).

use std::path::PathBuf;
use std::process::ExitCode;

/// Config subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Validate a config file and exit.
    Check {
        /// The config file.
        file: PathBuf,
    },
}

/// Runs the subcommand.
pub fn run(_cmd: Command) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
