//! The one integration-test binary. Each module starts real servers or the real `searchward`
//! binary on 127.0.0.1:0 in its own temp dir.
//!
//! Modules:
//! - util: spawning the binary, reading its `listening` line, small HTTP helpers
//! - check_cli: `searchward check` contract, shipped synthetic lists, streaming, bad lists
//! - corpus: detection recall per evasion class and false-positive rate over testdata/corpus/

mod check_cli;
mod corpus;
mod util;
