//! Reading a filter's JSON pointers out of one hit while scanning it: the pointers become a
//! small trie, and only the branches of the hit that lead to a pointer are looked into.

use std::borrow::Cow;
use std::sync::Arc;

use super::{Bail, Cursor, Scan};
use crate::engines::hit::Captured;

/// JSON pointers compiled into a trie; each distinct pointer gets a capture slot.
#[derive(Debug)]
pub(crate) struct Pointers {
    nodes: Vec<Node>,
    /// For each pointer given, its slot (`None`: it can never resolve, e.g. no leading `/`).
    slots: Vec<Option<usize>>,
    count: usize,
}

#[derive(Debug, Default)]
struct Node {
    slot: Option<usize>,
    /// Token (unescaped), the array index it names if any, child node.
    children: Vec<(String, Option<usize>, usize)>,
}

/// `serde_json`'s reading of an array index token (no sign, no leading zero).
fn parse_index(s: &str) -> Option<usize> {
    if s.starts_with('+') || (s.starts_with('0') && s.len() != 1) {
        return None;
    }
    s.parse().ok()
}

impl Pointers {
    /// Compiles `pointers` (with the meaning of `serde_json::Value::pointer`).
    pub(crate) fn new(pointers: &[String]) -> Self {
        let mut out = Self {
            nodes: vec![Node::default()],
            slots: Vec::with_capacity(pointers.len()),
            count: 0,
        };
        for p in pointers {
            let slot = if p.is_empty() {
                Some(out.slot_of(0))
            } else if let Some(rest) = p.strip_prefix('/') {
                let mut node = 0;
                for token in rest.split('/') {
                    node = out.child(node, unescape(token));
                }
                Some(out.slot_of(node))
            } else {
                None
            };
            out.slots.push(slot);
        }
        out
    }

    fn slot_of(&mut self, node: usize) -> usize {
        if let Some(slot) = self.nodes.get(node).and_then(|n| n.slot) {
            return slot;
        }
        let slot = self.count;
        self.count += 1;
        if let Some(n) = self.nodes.get_mut(node) {
            n.slot = Some(slot);
        }
        slot
    }

    fn child(&mut self, node: usize, token: Cow<'_, str>) -> usize {
        let existing = self.nodes.get(node).and_then(|n| {
            n.children
                .iter()
                .find(|(t, _, _)| *t == token)
                .map(|&(_, _, c)| c)
        });
        if let Some(c) = existing {
            return c;
        }
        let c = self.nodes.len();
        self.nodes.push(Node::default());
        let index = parse_index(&token);
        if let Some(n) = self.nodes.get_mut(node) {
            n.children.push((token.into_owned(), index, c));
        }
        c
    }

    /// Capture slots per hit.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// The slot of each pointer given to [`Pointers::new`], in order.
    pub(crate) fn slots(&self) -> &[Option<usize>] {
        &self.slots
    }

    /// Whether a pointer starts with the key `key` of the hit object.
    pub(crate) fn reads_top_key(&self, key: &str) -> bool {
        self.by_key(0, key).is_some()
    }

    fn by_key(&self, node: usize, key: &str) -> Option<(usize, usize)> {
        self.nodes
            .get(node)?
            .children
            .iter()
            .enumerate()
            .find(|(_, (t, _, _))| t == key)
            .map(|(k, &(_, _, c))| (k, c))
    }

    fn by_index(&self, node: usize, index: usize) -> Option<usize> {
        self.nodes
            .get(node)?
            .children
            .iter()
            .find(|(_, i, _)| *i == Some(index))
            .map(|&(_, _, c)| c)
    }
}

/// A pointer token with `~1` and `~0` unescaped (in that order, as RFC 6901 says).
fn unescape(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

/// A filter's hit pointers together with the tries a scanning fast path reads them with,
/// compiled once: a route's filter keeps one for all its requests instead of compiling the
/// same pointers for each response.
#[derive(Debug)]
pub struct CompiledPointers {
    list: Vec<String>,
    hits: Pointers,
    /// The same pointers, then `/text` (what a suggestion option is judged by).
    options: Pointers,
}

impl CompiledPointers {
    /// Compiles `list` (the filter's [`hit_pointers`](crate::engines::ResponseFilter::hit_pointers)).
    pub fn new(list: Vec<String>) -> Arc<Self> {
        let hits = Pointers::new(&list);
        let mut with_text = list.clone();
        with_text.push("/text".into());
        let options = Pointers::new(&with_text);
        Arc::new(Self {
            list,
            hits,
            options,
        })
    }

    /// The pointers, as given.
    pub fn list(&self) -> &[String] {
        &self.list
    }

    /// The trie of hits.
    pub(crate) fn hits(&self) -> &Pointers {
        &self.hits
    }

    /// The trie of suggestion options: the pointers and then `/text`.
    pub(crate) fn options(&self) -> &Pointers {
        &self.options
    }
}

/// Where the captures of one hit go: `out[base + slot]`.
struct Sink<'o, 'a> {
    out: &'o mut Vec<Captured<'a>>,
    base: usize,
}

impl<'a> Sink<'_, 'a> {
    fn put(&mut self, slot: Option<usize>, value: Captured<'a>) -> Scan<()> {
        if let Some(slot) = slot {
            *self.out.get_mut(self.base + slot).ok_or(Bail)? = value;
        }
        Ok(())
    }
}

/// In a hit object, reads top-level key `key`'s value into `out[base..base + ptrs.count()]`
/// (or skips it); `seen` is that object's record of keys read, starting at 0.
pub(crate) fn top_key<'a>(
    c: &mut Cursor<'a>,
    ptrs: &Pointers,
    key: &str,
    seen: &mut u64,
    out: &mut Vec<Captured<'a>>,
    base: usize,
) -> Scan<()> {
    descend(c, ptrs, 0, key, seen, &mut Sink { out, base })
}

/// Reads a whole hit that is not an object into `out[base..base + ptrs.count()]`.
pub(crate) fn whole<'a>(
    c: &mut Cursor<'a>,
    ptrs: &Pointers,
    out: &mut Vec<Captured<'a>>,
    base: usize,
) -> Scan<()> {
    value(c, ptrs, 0, &mut Sink { out, base })
}

/// In an object at `node`, reads key `key`'s value (into the trie or skipped). A key read
/// twice would make the scanner and `serde_json` (last one wins) disagree: bail.
fn descend<'a>(
    c: &mut Cursor<'a>,
    ptrs: &Pointers,
    node: usize,
    key: &str,
    seen: &mut u64,
    sink: &mut Sink<'_, 'a>,
) -> Scan<()> {
    match ptrs.by_key(node, key) {
        Some((k, child)) => {
            let bit = 1u64
                .checked_shl(u32::try_from(k).map_err(|_| Bail)?)
                .ok_or(Bail)?;
            if *seen & bit != 0 {
                return Err(Bail);
            }
            *seen |= bit;
            value(c, ptrs, child, sink)
        }
        None => c.skip(),
    }
}

/// Reads the value at the cursor, which is at trie node `node`.
fn value<'a>(
    c: &mut Cursor<'a>,
    ptrs: &Pointers,
    node: usize,
    sink: &mut Sink<'_, 'a>,
) -> Scan<()> {
    let n = ptrs.nodes.get(node).ok_or(Bail)?;
    match c.peek()? {
        b'"' => {
            let s = c.string()?;
            sink.put(n.slot, Captured::Str(s))
        }
        b'{' if !n.children.is_empty() => {
            let mut seen = 0u64;
            c.object(|c, key| descend(c, ptrs, node, &key, &mut seen, sink))?;
            sink.put(n.slot, Captured::Object)
        }
        b'{' if n.slot.is_some() => {
            c.skip()?;
            sink.put(n.slot, Captured::Object)
        }
        b'[' if n.slot.is_some() || !n.children.is_empty() => {
            let mut items: Vec<Option<Cow<'a, str>>> = Vec::new();
            c.array(|c, i| {
                let child = ptrs.by_index(node, i);
                if c.peek()? == b'"' {
                    let s = c.string()?;
                    if let Some(child) = child.and_then(|ch| ptrs.nodes.get(ch)) {
                        sink.put(child.slot, Captured::Str(s.clone()))?;
                    }
                    if n.slot.is_some() {
                        items.push(Some(s));
                    }
                    Ok(())
                } else {
                    if n.slot.is_some() {
                        items.push(None);
                    }
                    match child {
                        Some(child) => value(c, ptrs, child, sink),
                        None => c.skip(),
                    }
                }
            })?;
            sink.put(n.slot, Captured::Array(items))
        }
        _ => c.skip(),
    }
}

impl Cursor<'_> {
    /// Skips whitespace and returns the offset of the next value.
    pub(crate) fn pos_after_ws(&mut self) -> usize {
        let _ = self.peek();
        self.pos()
    }
}
