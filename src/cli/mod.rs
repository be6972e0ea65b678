//! Subcommands of the `searchward` binary, one file each.

pub mod canonicalize;
pub mod check;
pub mod compile;
pub mod config;
pub mod evidence;
pub mod healthcheck;
pub mod lists;
pub mod seal;
pub mod serve;
