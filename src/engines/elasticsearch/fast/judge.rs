//! Judging what the scan found, in exactly the order the `Value` path asks, and turning the
//! decisions into edits of the upstream bytes.

use std::ops::Range;

use super::Parsed;
use crate::engines::hit::{Captured, Hit};
use crate::engines::scan::{Edit, Pointers, Replacement};
use crate::engines::{HitDecision, ResponseFilter};

impl<'a> Parsed<'a> {
    /// A suggestion option's `text` (checked to be a string by the scan).
    pub(super) fn text(&self, base: usize) -> Option<&Captured<'a>> {
        let slot = (*self.option_ptrs.slots().last()?)?;
        self.captured.get(base + slot)
    }

    /// The filter's view of record `rec`, read with `ptrs` (the hit or the option trie).
    fn view<'s>(&'s self, rec: usize, ptrs: &'s Pointers, pointers: &'s [String]) -> Hit<'s> {
        let base = self.recs.get(rec).map_or(usize::MAX, |r| r.base);
        let captured = self
            .captured
            .get(base..base.saturating_add(ptrs.count()))
            .unwrap_or_default();
        let slots = ptrs.slots().get(..pointers.len()).unwrap_or_default();
        Hit::scanned(pointers, slots, captured)
    }

    /// Judges a hits array as `Rewriter::hits` does, then the `inner_hits` of the hits kept.
    pub(super) fn judge_hits(
        &self,
        obj: usize,
        filter: &mut dyn ResponseFilter,
        pointers: &[String],
        edits: &mut Vec<Edit>,
    ) {
        let Some(o) = self.objs.get(obj) else { return };
        let mut kept = Vec::with_capacity(o.hits.len());
        let (mut demoted, mut removed) = (Vec::new(), 0u64);
        for &h in &o.hits {
            match filter.judge_hit(&self.view(h, self.hit_ptrs, pointers)) {
                HitDecision::Keep => kept.push(h),
                HitDecision::Demote => demoted.push(h),
                HitDecision::Delist => removed += 1,
            }
        }
        if removed > 0 || !demoted.is_empty() {
            kept.append(&mut demoted);
            edits.push(Edit {
                range: o.array.clone(),
                with: Replacement::Array(self.ranges(&kept)),
            });
        }
        if let (true, Some((count, range))) = (removed > 0, &o.total) {
            edits.push(Edit {
                range: range.clone(),
                with: Replacement::Bytes(count.saturating_sub(removed).to_string().into_bytes()),
            });
        }
        for &h in &kept {
            for &inner in self
                .recs
                .get(h)
                .map(|r| r.inner.as_slice())
                .unwrap_or_default()
            {
                self.judge_hits(inner, filter, pointers, edits);
            }
        }
    }

    /// Judges suggestion options as the `Value` path does: texts first, then the documents
    /// among the options kept.
    pub(super) fn judge_options(
        &self,
        array: &Range<usize>,
        options: &[usize],
        filter: &mut dyn ResponseFilter,
        pointers: &[String],
        edits: &mut Vec<Edit>,
    ) {
        let mut kept = Vec::with_capacity(options.len());
        for &o in options {
            let text = self.recs.get(o).and_then(|r| match self.text(r.base) {
                Some(Captured::Str(s)) => Some(s.as_ref()),
                _ => None,
            });
            if text.is_some_and(|t| filter.keep_suggestion(t)) {
                kept.push(o);
            }
        }
        let texts_kept = kept.len();
        kept.retain(|&o| {
            !self.recs.get(o).is_some_and(|r| r.source)
                || filter.judge_hit(&self.view(o, self.option_ptrs, pointers))
                    != HitDecision::Delist
        });
        if kept.len() != options.len() || texts_kept != options.len() {
            edits.push(Edit {
                range: array.clone(),
                with: Replacement::Array(self.ranges(&kept)),
            });
        }
    }

    fn ranges(&self, recs: &[usize]) -> Vec<Range<usize>> {
        recs.iter()
            .filter_map(|&r| self.recs.get(r).map(|r| r.range.clone()))
            .collect()
    }
}
