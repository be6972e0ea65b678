//! List files and their declared meaning: parsing text lists, list specs, and bundles (a
//! [`manifest`], an optional [`signature`], loaded whole by [`bundle::load_bundle`]) that feed a
//! [`crate::snapshot::Snapshot`].

pub mod bundle;
pub mod manifest;
pub mod parse;
pub mod signature;
pub mod spec;
pub mod unpack;

pub use parse::{Entry, ParseError, count_entries, parse_file, parse_reader};
pub use spec::{HashAlgorithm, HitEffect, ListKind, ListSpec, MatchMode};
