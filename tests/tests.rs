//! The one integration-test binary. Each module starts real servers or the real `searchward`
//! binary on 127.0.0.1:0 in its own temp dir.
//!
//! Modules:
//! - canonicalize: `searchward canonicalize` on stdin against a golden file
//! - util: spawning the binary, reading its `listening` line, small HTTP helpers

mod canonicalize;
mod util;
