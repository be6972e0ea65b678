//! A hit's URL and hash fields read wherever the engine returns them (the configured pointer,
//! `fields`, highlighting with its markup stripped), and looked up in the snapshot.

use std::borrow::Cow;

use super::ListedHit;
use crate::config::RouteSpec;
use crate::engines::{FieldForms, Hit};
use crate::lists::HashAlgorithm;
use crate::snapshot::Snapshot;

/// Looks up every candidate URL and hash; `url` is given as context of hash matches.
pub(super) fn lookup<'s>(
    snapshot: &Snapshot,
    urls: impl Iterator<Item = Cow<'s, str>> + Clone,
    hashes: impl Iterator<Item = (HashAlgorithm, Cow<'s, str>)>,
) -> Vec<ListedHit> {
    let mut out = Vec::new();
    for u in urls.clone() {
        for m in snapshot.urls.lookup(&u) {
            out.push(ListedHit {
                m,
                kind: crate::evidence::MatchKind::Url,
                url: Some(u.clone().into_owned()),
                hash: None,
            });
        }
    }
    for (algorithm, value) in hashes {
        for m in snapshot.hashes.lookup(algorithm, &value) {
            out.push(ListedHit {
                m,
                kind: crate::evidence::MatchKind::Hash,
                url: urls.clone().next().map(Cow::into_owned),
                hash: Some((algorithm, value.clone().into_owned())),
            });
        }
    }
    out
}

/// One configured URL or hash field of a hit and every place the engine may return it.
#[derive(Debug)]
pub(super) struct Judged {
    pub(super) forms: FieldForms,
    /// `None` for URL fields.
    pub(super) algorithm: Option<HashAlgorithm>,
}

impl Judged {
    /// Every value of this field in `hit`, markup stripped from highlighted forms.
    pub(super) fn values<'h>(&self, hit: &Hit<'h>) -> impl Iterator<Item = Cow<'h, str>> + Clone {
        let plain = self
            .forms
            .plain
            .iter()
            .flat_map(move |p| hit.strs_at(p).map(Cow::Borrowed));
        let marked = self
            .forms
            .marked
            .iter()
            .flat_map(move |p| hit.strs_at(p).map(crate::engines::strip_markup));
        plain.chain(marked)
    }

    /// Whether the engine showed this field (it would be at one of its forms if the document
    /// had it). `container_shows_absence` is false when the request filtered the container (a
    /// field missing from it may be hidden).
    pub(super) fn visible(&self, hit: &Hit<'_>, container_shows_absence: bool) -> bool {
        match &self.forms.container {
            None => true,
            Some(c) => {
                (container_shows_absence && hit.has_object_at(c))
                    || self.values(hit).next().is_some()
            }
        }
    }

    pub(super) fn pointers(&self) -> impl Iterator<Item = &String> {
        let f = &self.forms;
        f.plain.iter().chain(&f.marked).chain(&f.container)
    }
}

/// Finds the URL and hash list entries a hit or document matches: every URL at `url_fields`
/// (a field may hold an array of them) and every hash at the route's hash fields.
pub fn listed_hit(
    snapshot: &Snapshot,
    doc: &Hit<'_>,
    url_fields: &[String],
    route: &RouteSpec,
) -> Vec<ListedHit> {
    let mut out = Vec::new();
    for u in url_fields.iter().flat_map(|p| doc.strs_at(p)) {
        for m in snapshot.urls.lookup(u) {
            out.push(ListedHit {
                m,
                kind: crate::evidence::MatchKind::Url,
                url: Some(u.to_owned()),
                hash: None,
            });
        }
    }
    for field in &route.hash_fields {
        for value in doc.strs_at(&field.pointer) {
            for m in snapshot.hashes.lookup(field.algorithm, value) {
                // The hit's first URL, as context for the hash match.
                let url = url_fields.iter().flat_map(|p| doc.strs_at(p)).next();
                out.push(ListedHit {
                    m,
                    kind: crate::evidence::MatchKind::Hash,
                    url: url.map(str::to_owned),
                    hash: Some((field.algorithm, value.to_owned())),
                });
            }
        }
    }
    out
}
