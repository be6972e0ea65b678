//! searchward: a search and autocomplete safety proxy.
//!
//! Module map (see DESIGN.md for the data flow):
//! - detection core, pure: [`normalize`], [`matcher`], [`url`], [`urlindex`], [`hashes`], [`verdict`]
//! - lists: [`lists`] (parse, declarations), [`sealed`] (keyed-hash lists), [`snapshot`]
//!   (compiled, swappable)
//! - engine shapes and notices, pure: [`engines`], [`signpost`]
//! - serving: [`config`], [`proxy`], [`admin`], [`metrics`], [`evidence`], [`demo`]
#![forbid(unsafe_code)]
// A panic in a safety proxy is an outage or a bypass: no unwrap or expect outside tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![warn(missing_docs)]

pub mod admin;
pub mod atomic_fs;
pub mod audit;
pub mod config;
pub mod demo;
pub mod engines;
pub mod evidence;
pub mod gate;
pub mod hashes;
pub mod lists;
pub mod matcher;
pub mod metrics;
pub mod normalize;
pub mod pages;
pub mod policy;
pub mod proxy;
pub mod reload;
pub mod sealed;
pub mod signpost;
pub mod snapshot;
pub mod url;
pub mod urlindex;
pub mod verdict;
