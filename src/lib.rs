//! searchward: a search and autocomplete safety proxy.
//!
//! Module map (see DESIGN.md for the data flow):
//! - detection core, pure: [`normalize`], [`matcher`], [`url`], [`urlindex`], [`hashes`],
//!   [`sealed`] (keyed-hash lists), [`verdict`]; [`mempages`] holds their large read-only indexes
//! - lists: [`lists`] (the one reader, parsing, declarations, bundles), [`snapshot`] (compiled,
//!   swappable), [`gate`] (false-positive gate), [`reload`] (loader, publish, watch)
//! - engine shapes, policy and notices, pure: [`engines`] (adapters, by name), [`policy`],
//!   [`signpost`]
//! - serving: [`config`] (TOML parsed once into typed values: routes with their pattern,
//!   methods and adapter; every problem at once; [`profiles`], each engine's built-in route
//!   table, is part of it); [`client_address`] (who the client is: the
//!   peer, or a trusted proxy's header); [`server`] (state from the config, listeners, workers,
//!   admin listener, accept loop, shutdown; in-process test driver); [`proxy`] (the workers'
//!   state and one request: route, inspect, upstream); [`admin`] (health, metrics and the list
//!   API over its own state: reloader, token, throttle, audit), [`audit`] (the audit log),
//!   [`metrics`], [`evidence`] (the log of URL and hash matches), [`demo`] (the demo backend)
//! - disk: [`atomic_fs`] (atomic replacement of files and directories), [`spool`] (uploads
//!   streamed to temporary files)
//! - `fuzzing` (only with `--cfg fuzzing` or in tests): the fuzz targets' entry points
#![forbid(unsafe_code)]
// A panic in a safety proxy is an outage or a bypass: no unwrap or expect outside tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![warn(missing_docs)]

pub mod admin;
pub mod atomic_fs;
pub mod audit;
pub mod client_address;
pub mod config;
pub mod demo;
pub mod engines;
pub mod evidence;
// Entry points for the fuzz targets under fuzz/ (cargo-fuzz sets `--cfg fuzzing`); the unit
// tests replay the seed corpora through them.
#[cfg(any(fuzzing, test))]
#[doc(hidden)]
pub mod fuzzing;
pub mod gate;
pub mod hashes;
pub mod lists;
pub mod matcher;
pub mod mempages;
pub mod metrics;
pub mod normalize;
pub mod policy;
/// The engine profiles' route tables (part of the config: `[engine] profile`).
pub use config::profiles;
pub mod proxy;
pub mod reload;
pub mod sealed;
pub mod server;
pub mod signpost;
pub mod snapshot;
pub mod spool;
pub mod url;
pub mod urlindex;
pub mod verdict;
