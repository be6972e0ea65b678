//! Elasticsearch's fast response path: the body is scanned once for what filtering needs (hits
//! arrays, totals, suggestion options and, per hit, the filter's pointers), the filter judges
//! in exactly the order the `Value` path would, and then either nothing changed (the upstream
//! bytes are forwarded) or the upstream bytes are spliced. A body the scanner cannot vouch for
//! goes to the `Value` path before anything has been judged.

mod judge;

use std::ops::Range;

use super::MAX_INNER_HITS;
use crate::engines::hit::Captured;
use crate::engines::query::shape;
use crate::engines::scan::{
    self, Bail, CompiledPointers, Cursor, Edit, Pointers, Replacement, Scan,
};
use crate::engines::{EngineError, ResponseFilter};

/// A total that can be reduced: its count and the bytes of the number.
type Total = Option<(u64, Range<usize>)>;

/// A `hits` object: the bytes of its `hits` array, the hits in it, its total.
struct HitsObj {
    array: Range<usize>,
    hits: Vec<usize>,
    total: Total,
}

/// One hit (or suggestion option): its bytes, where its captures start, its `inner_hits`
/// entries (hits objects) and, for options, whether it carries a `_source`.
struct Rec {
    range: Range<usize>,
    base: usize,
    inner: Vec<usize>,
    source: bool,
}

/// One search response: its hits object and its suggestion option arrays (in document order,
/// as (array bytes, options)).
struct Resp {
    hits: Option<usize>,
    options: Vec<(Range<usize>, Vec<usize>)>,
}

/// What the scan of one body found.
struct Parsed<'a> {
    hit_ptrs: &'a Pointers,
    /// The filter's pointers and then `/text` (for suggestion options).
    option_ptrs: &'a Pointers,
    captured: Vec<Captured<'a>>,
    objs: Vec<HitsObj>,
    recs: Vec<Rec>,
    responses: Vec<Resp>,
}

/// Where the notice goes: the bytes of an existing value under its key at the top level (the
/// `Value` path replaces it in place), else just before the closing brace (it appends).
struct NoticeSlot {
    existing: Option<Range<usize>>,
    close: usize,
}

/// Keys the fast path reads at the top level; a notice key equal to one takes the `Value` path.
const TOP_KEYS: &[&str] = &["hits", "suggest", "error", "responses"];

/// Rewrites `body` without building a `Value` tree. `Err(Bail)` means nothing was judged and
/// the `Value` path must run.
pub(super) fn rewrite(
    body: &[u8],
    msearch: bool,
    filter: &mut dyn ResponseFilter,
) -> Scan<Result<Option<Vec<u8>>, EngineError>> {
    let notice = match filter.notice() {
        None => None,
        Some(_) if TOP_KEYS.contains(&filter.notice_key()) => return Err(Bail),
        Some(n) => Some((filter.notice_key().to_owned(), n.to_json())),
    };
    let compiled = filter
        .compiled_pointers()
        .unwrap_or_else(|| CompiledPointers::new(filter.hit_pointers().to_vec()));
    let compiled: &CompiledPointers = &compiled;
    let pointers = compiled.list();
    let (parsed, slot) = Parsed::scan(
        body,
        msearch,
        compiled,
        notice.as_ref().map(|(k, _)| k.as_str()),
    )?;
    let mut edits = Vec::new();
    for r in &parsed.responses {
        if let Some(h) = r.hits {
            parsed.judge_hits(h, filter, pointers, &mut edits);
        }
        for (array, options) in &r.options {
            parsed.judge_options(array, options, filter, pointers, &mut edits);
        }
    }
    if let Some((key, json)) = notice {
        let Ok(json) = serde_json::to_vec(&json) else {
            return Ok(Err(shape("cannot serialise the notice")));
        };
        edits.push(match slot.existing {
            Some(range) => Edit {
                range,
                with: Replacement::Bytes(json),
            },
            None => {
                let Ok(mut bytes) = serde_json::to_vec(&key) else {
                    return Ok(Err(shape("cannot serialise the notice key")));
                };
                bytes.insert(0, b',');
                bytes.push(b':');
                bytes.extend_from_slice(&json);
                Edit {
                    range: slot.close..slot.close,
                    with: Replacement::Bytes(bytes),
                }
            }
        });
    }
    if edits.is_empty() {
        return Ok(Ok(None));
    }
    Ok(scan::splice(body, edits)
        .map(Some)
        .ok_or_else(|| shape("the response could not be rebuilt")))
}

impl<'a> Parsed<'a> {
    /// Scans the whole body; also finds where a notice under `notice_key` would go.
    fn scan(
        body: &'a [u8],
        msearch: bool,
        compiled: &'a CompiledPointers,
        notice_key: Option<&str>,
    ) -> Scan<(Self, NoticeSlot)> {
        let mut p = Self {
            hit_ptrs: compiled.hits(),
            option_ptrs: compiled.options(),
            captured: Vec::new(),
            objs: Vec::new(),
            recs: Vec::new(),
            responses: Vec::new(),
        };
        let mut c = Cursor::new(body)?;
        let mut existing = None;
        // A value under the notice key at the top level: where it is (once only).
        let mut notice = |c: &mut Cursor<'a>, key: &str| -> Scan<bool> {
            if notice_key != Some(key) {
                return Ok(false);
            }
            if existing.is_some() {
                return Err(Bail);
            }
            let start = c.pos_after_ws();
            c.skip()?;
            existing = Some(start..c.pos());
            Ok(true)
        };
        if msearch {
            let mut seen = false;
            c.object(|c, key| {
                if notice(c, &key)? {
                    return Ok(());
                }
                if key != "responses" {
                    return c.skip();
                }
                if std::mem::replace(&mut seen, true) {
                    return Err(Bail);
                }
                c.array(|c, _| p.search(c, &mut |_, _| Ok(false)))
            })?;
            if !seen {
                return Err(Bail);
            }
        } else {
            p.search(&mut c, &mut notice)?;
        }
        // The object just read ended with its closing brace.
        let close = c.pos().checked_sub(1).ok_or(Bail)?;
        c.end()?;
        Ok((p, NoticeSlot { existing, close }))
    }

    /// One search response; `top` is offered each key first and returns true when it consumed
    /// the value (the notice key, at the top level).
    fn search(
        &mut self,
        c: &mut Cursor<'a>,
        top: &mut dyn FnMut(&mut Cursor<'a>, &str) -> Scan<bool>,
    ) -> Scan<()> {
        let mut resp = Resp {
            hits: None,
            options: Vec::new(),
        };
        let (mut suggest, mut error) = (false, false);
        c.object(|c, key| match &*key {
            _ if top(c, &key)? => Ok(()),
            "hits" if resp.hits.is_none() => {
                resp.hits = Some(self.hits_obj(c, 0)?);
                Ok(())
            }
            "suggest" if !suggest => {
                suggest = true;
                self.suggest(c, &mut resp.options)
            }
            "hits" | "suggest" => Err(Bail),
            "error" => {
                error = true;
                c.skip()
            }
            _ => c.skip(),
        })?;
        if resp.hits.is_none() && !error && !suggest {
            return Err(Bail);
        }
        self.responses.push(resp);
        Ok(())
    }

    fn hits_obj(&mut self, c: &mut Cursor<'a>, depth: usize) -> Scan<usize> {
        if depth > MAX_INNER_HITS {
            return Err(Bail);
        }
        let (mut array, mut hits, mut total) = (None, Vec::new(), None);
        c.object(|c, key| match &*key {
            "hits" if array.is_none() => {
                let start = c.pos_after_ws();
                c.array(|c, _| {
                    hits.push(self.hit(c, depth)?);
                    Ok(())
                })?;
                array = Some(start..c.pos());
                Ok(())
            }
            "total" if total.is_none() => {
                total = Some(Self::total(c)?);
                Ok(())
            }
            "hits" | "total" => Err(Bail),
            _ => c.skip(),
        })?;
        self.objs.push(HitsObj {
            array: array.ok_or(Bail)?,
            hits,
            total: total.flatten(),
        });
        Ok(self.objs.len() - 1)
    }

    /// A count, or an object whose `value` is a count (anything else: the `Value` path).
    fn total(c: &mut Cursor<'a>) -> Scan<Total> {
        if c.peek()? != b'{' {
            return c.u64().map(Some);
        }
        let mut value = None;
        c.object(|c, key| match &*key {
            "value" if value.is_none() => {
                value = Some(c.u64()?);
                Ok(())
            }
            "value" => Err(Bail),
            _ => c.skip(),
        })?;
        value.map(Some).ok_or(Bail)
    }

    /// Reserves capture slots for one hit or option.
    fn reserve(&mut self, slots: usize) -> usize {
        let base = self.captured.len();
        self.captured.resize(base + slots, Captured::Absent);
        base
    }

    fn hit(&mut self, c: &mut Cursor<'a>, depth: usize) -> Scan<usize> {
        let base = self.reserve(self.hit_ptrs.count());
        let start = c.pos_after_ws();
        let mut inner = Vec::new();
        if c.peek()? == b'{' {
            let (mut seen, mut inner_seen) = (0u64, false);
            c.object(|c, key| {
                if key != "inner_hits" {
                    return scan::top_key(
                        c,
                        self.hit_ptrs,
                        &key,
                        &mut seen,
                        &mut self.captured,
                        base,
                    );
                }
                if std::mem::replace(&mut inner_seen, true) || self.hit_ptrs.reads_top_key(&key) {
                    return Err(Bail);
                }
                c.object(|c, _name| {
                    let mut nested = None;
                    c.object(|c, k| match &*k {
                        "hits" if nested.is_none() => {
                            nested = Some(self.hits_obj(c, depth + 1)?);
                            Ok(())
                        }
                        "hits" => Err(Bail),
                        _ => c.skip(),
                    })?;
                    inner.push(nested.ok_or(Bail)?);
                    Ok(())
                })
            })?;
        } else {
            scan::whole(c, self.hit_ptrs, &mut self.captured, base)?;
        }
        self.recs.push(Rec {
            range: start..c.pos(),
            base,
            inner,
            source: false,
        });
        Ok(self.recs.len() - 1)
    }

    /// `suggest`: suggester name → entries, each with `options` (texts, maybe documents).
    fn suggest(
        &mut self,
        c: &mut Cursor<'a>,
        out: &mut Vec<(Range<usize>, Vec<usize>)>,
    ) -> Scan<()> {
        let mut names = Vec::new();
        c.object(|c, name| {
            if names.contains(&name) {
                return Err(Bail);
            }
            names.push(name);
            c.array(|c, _| {
                let mut options = None;
                c.object(|c, key| match &*key {
                    "options" if options.is_none() => {
                        let start = c.pos_after_ws();
                        let mut list = Vec::new();
                        c.array(|c, _| {
                            list.push(self.option(c)?);
                            Ok(())
                        })?;
                        options = Some((start..c.pos(), list));
                        Ok(())
                    }
                    "options" => Err(Bail),
                    _ => c.skip(),
                })?;
                out.push(options.ok_or(Bail)?);
                Ok(())
            })
        })
    }

    /// One suggestion option: an object with a string `text`, maybe with a `_source`.
    fn option(&mut self, c: &mut Cursor<'a>) -> Scan<usize> {
        let base = self.reserve(self.option_ptrs.count());
        let start = c.pos_after_ws();
        let (mut seen, mut source) = (0u64, false);
        c.object(|c, key| {
            source |= key == "_source";
            scan::top_key(
                c,
                self.option_ptrs,
                &key,
                &mut seen,
                &mut self.captured,
                base,
            )
        })?;
        if !matches!(self.text(base), Some(Captured::Str(_))) {
            return Err(Bail);
        }
        self.recs.push(Rec {
            range: start..c.pos(),
            base,
            inner: Vec::new(),
            source,
        });
        Ok(self.recs.len() - 1)
    }
}

#[cfg(test)]
mod tests;
