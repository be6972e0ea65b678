//! `searchward evidence …` (stub, filled in by issue 5).

use std::process::ExitCode;

/// Evidence subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum Command {}

/// Runs the subcommand.
pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {}
}
