//! The one integration-test binary. Each module starts real servers or the real `searchward`
//! binary on 127.0.0.1:0 in its own temp dir.
//!
//! Modules:
//! - util: spawning the binary, reading its `listening` line, small HTTP helpers
//! - evidence: evidence log crash safety (SIGKILL mid-append), export, purge, legal holds

mod evidence;
mod util;
