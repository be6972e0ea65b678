//! What a route's response filter reads, worked out once per route rather than once per
//! response: the hit fields, every form the engine returns each URL and hash field in, and the
//! hit pointers compiled for a fast path's scan.

use std::sync::Arc;

use super::forms::Judged;
use crate::config::RouteSpec;
use crate::engines::{CompiledPointers, Engine, HitFields};
use crate::snapshot::Snapshot;

/// The fields a [`super::PolicyFilter`] judges hits by, for one route (and, once made with
/// [`FilterPlan::for_engine`], one engine). Depends on config only, never on a request or on
/// the lists loaded.
#[derive(Debug)]
pub struct FilterPlan {
    pub(super) fields: HitFields,
    /// URL and hash fields with every form the engine returns them in (empty without an
    /// engine: then only the configured pointers are read).
    pub(super) judged: Vec<Judged>,
    /// Every pointer `judge_hit` reads: URL, hash and (with title checks) title and snippet,
    /// then the engine's other forms of the URL and hash fields.
    pub(super) pointers: Arc<CompiledPointers>,
}

impl FilterPlan {
    /// The plan of `route` with `engine`'s hit fields, reading each URL and hash field wherever
    /// the engine may return it ([`Engine::field_forms`]).
    pub fn for_engine(route: &RouteSpec, engine: &dyn Engine) -> Self {
        Self::with_forms(route, engine.hit_fields(), engine)
    }

    /// `fields` (the route's `url_fields` replacing `fields.url` when set), read only at the
    /// configured pointers.
    pub(super) fn of_fields(route: &RouteSpec, fields: HitFields) -> Self {
        let fields = Self::route_fields(route, fields);
        let pointers = Self::base_pointers(route, &fields);
        Self {
            fields,
            judged: Vec::new(),
            pointers: CompiledPointers::new(pointers),
        }
    }

    /// `fields` as [`FilterPlan::of_fields`], each URL and hash field also read wherever
    /// `engine` may return it.
    pub(super) fn with_forms(route: &RouteSpec, fields: HitFields, engine: &dyn Engine) -> Self {
        let fields = Self::route_fields(route, fields);
        let mut pointers = Self::base_pointers(route, &fields);
        let urls = fields.url.iter().map(|p| (p, None));
        let hashes = route
            .hash_fields
            .iter()
            .map(|f| (&f.pointer, Some(f.algorithm)));
        let judged: Vec<Judged> = urls
            .chain(hashes)
            .map(|(p, algorithm)| Judged {
                forms: engine.field_forms(p),
                algorithm,
            })
            .collect();
        for p in judged.iter().flat_map(Judged::pointers) {
            if !pointers.contains(p) {
                pointers.push(p.clone());
            }
        }
        Self {
            fields,
            judged,
            pointers: CompiledPointers::new(pointers),
        }
    }

    fn route_fields(route: &RouteSpec, mut fields: HitFields) -> HitFields {
        if !route.url_fields.is_empty() {
            fields.url.clone_from(&route.url_fields);
        }
        fields
    }

    fn base_pointers(route: &RouteSpec, fields: &HitFields) -> Vec<String> {
        let mut pointers: Vec<String> = Vec::new();
        let texts = [&fields.title, &fields.snippet];
        let text_pointers = texts.into_iter().filter(|_| route.demote_matching_hits);
        let hash_pointers = route.hash_fields.iter().map(|f| &f.pointer);
        for p in fields
            .url
            .iter()
            .chain(hash_pointers)
            .chain(text_pointers.flatten())
        {
            if !pointers.contains(p) {
                pointers.push(p.clone());
            }
        }
        pointers
    }

    /// The configured URL and hash pointers that have lists in `snapshot` to be matched
    /// against: the fields a request must let the engine return for its hits to be judged.
    pub fn judged_pointers(&self, snapshot: &Snapshot, route: &RouteSpec) -> Vec<String> {
        let urls = self.fields.url.iter().filter(|_| !snapshot.urls.is_empty());
        let hashes = route
            .hash_fields
            .iter()
            .filter(|f| snapshot.hashes.len(f.algorithm) > 0)
            .map(|f| &f.pointer);
        let mut out: Vec<String> = Vec::new();
        for p in urls.chain(hashes) {
            if !out.contains(p) {
                out.push(p.clone());
            }
        }
        out
    }
}
