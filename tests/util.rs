//! Shared helpers for the integration tests.

#![allow(dead_code)]

use std::path::PathBuf;

/// Path of the `searchward` binary built for these tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_searchward"))
}

/// The repository root (for `lists/`, `config/`, `testdata/`).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
