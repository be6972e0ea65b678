//! List input and its declared meaning: parsing text lists, list specs, bundles (a
//! [`manifest`], an optional [`signature`], loaded whole by [`bundle::load_bundle`]), and the
//! one reader ([`source`]) that turns a file, a pushed body or a bundle's list into a
//! [`ListSource`] for [`crate::snapshot::Snapshot::build`].

pub mod bundle;
pub mod manifest;
pub mod parse;
pub mod signature;
pub mod source;
pub mod spec;
pub mod unpack;

pub use parse::{Entry, ParseError, count_entries, parse_file, parse_reader};
pub use source::{ListSource, ReadError, read_files};
pub use spec::{HashAlgorithm, HitEffect, ListKind, ListSpec, MatchMode};
