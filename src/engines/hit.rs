//! One search hit as a [`ResponseFilter`](super::ResponseFilter) sees it: the values at JSON
//! pointers, read either from a parsed `serde_json::Value` or from the captures of the fast
//! response scanner (which never builds a tree).

use std::borrow::Cow;

use serde_json::Value;

/// What the fast scanner found at one JSON pointer inside a hit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Captured<'a> {
    /// Nothing there, or a value that is neither a string nor an array (filters read strings).
    #[default]
    Absent,
    /// A string.
    Str(Cow<'a, str>),
    /// An array: each element's string, `None` for elements that are not strings.
    Array(Vec<Option<Cow<'a, str>>>),
    /// An object (only its presence is recorded).
    Object,
}

/// One element of an engine's hits array (or a document-carrying suggestion), as judged by a
/// filter. A filter must read a hit only at the pointers it declares in
/// [`ResponseFilter::hit_pointers`](super::ResponseFilter::hit_pointers): a scanned hit holds
/// nothing else.
#[derive(Clone, Copy, Debug)]
pub struct Hit<'h>(Repr<'h>);

#[derive(Clone, Copy, Debug)]
enum Repr<'h> {
    Tree(&'h Value),
    Scanned {
        pointers: &'h [String],
        slots: &'h [Option<usize>],
        captured: &'h [Captured<'h>],
    },
}

impl<'h> Hit<'h> {
    /// A hit that is a parsed JSON value.
    pub fn tree(value: &'h Value) -> Self {
        Self(Repr::Tree(value))
    }

    /// A hit read by the scanner: `captured[slots[i]]` is the value at `pointers[i]`.
    pub(crate) fn scanned(
        pointers: &'h [String],
        slots: &'h [Option<usize>],
        captured: &'h [Captured<'h>],
    ) -> Self {
        Self(Repr::Scanned {
            pointers,
            slots,
            captured,
        })
    }

    /// The string at `pointer` (an array there is not a string).
    pub fn str_at(&self, pointer: &str) -> Option<&'h str> {
        match self.0 {
            Repr::Tree(v) => v.pointer(pointer).and_then(Value::as_str),
            Repr::Scanned { .. } => match self.captured(pointer)? {
                Captured::Str(s) => Some(s),
                _ => None,
            },
        }
    }

    /// Whether the value at `pointer` is an object (e.g. an Elasticsearch hit's `_source`).
    pub fn has_object_at(&self, pointer: &str) -> bool {
        match self.0 {
            Repr::Tree(v) => v.pointer(pointer).is_some_and(Value::is_object),
            Repr::Scanned { .. } => matches!(self.captured(pointer), Some(Captured::Object)),
        }
    }

    /// The string at `pointer`, or the first element of an array there when it is a string.
    pub fn first_str_at(&self, pointer: &str) -> Option<&'h str> {
        self.strs_at(pointer).first
    }

    /// Every string at `pointer`: the string there, or each string element of an array there.
    pub fn strs_at(&self, pointer: &str) -> Strs<'h> {
        let mut out = Strs {
            first: None,
            rest: Rest::None,
        };
        match self.0 {
            Repr::Tree(v) => match v.pointer(pointer) {
                Some(Value::String(s)) => out.first = Some(s),
                Some(Value::Array(a)) => {
                    out.first = a.first().and_then(Value::as_str);
                    out.rest = Rest::Tree(a.get(1..).unwrap_or_default().iter());
                }
                _ => {}
            },
            Repr::Scanned { .. } => match self.captured(pointer) {
                Some(Captured::Str(s)) => out.first = Some(s),
                Some(Captured::Array(a)) => {
                    out.first = a.first().and_then(|s| s.as_deref());
                    out.rest = Rest::Scanned(a.get(1..).unwrap_or_default().iter());
                }
                _ => {}
            },
        }
        out
    }

    fn captured(&self, pointer: &str) -> Option<&'h Captured<'h>> {
        let Repr::Scanned {
            pointers,
            slots,
            captured,
        } = self.0
        else {
            return None;
        };
        let found = pointers.iter().position(|p| p == pointer);
        debug_assert!(
            found.is_some(),
            "{pointer} is read but not declared in hit_pointers"
        );
        captured.get((*slots.get(found?)?)?)
    }
}

/// The strings at one pointer of a [`Hit`] (see [`Hit::strs_at`]). The first element of an
/// array is reported even when it is not a string (as `None` by [`Strs::first`]).
#[derive(Clone, Debug)]
pub struct Strs<'h> {
    first: Option<&'h str>,
    rest: Rest<'h>,
}

#[derive(Clone, Debug)]
enum Rest<'h> {
    None,
    Tree(std::slice::Iter<'h, Value>),
    Scanned(std::slice::Iter<'h, Option<Cow<'h, str>>>),
}

impl<'h> Strs<'h> {
    /// The string itself, or the first array element when it is a string.
    pub fn first(&self) -> Option<&'h str> {
        self.first
    }
}

impl<'h> Iterator for Strs<'h> {
    type Item = &'h str;

    fn next(&mut self) -> Option<&'h str> {
        if let Some(s) = self.first.take() {
            return Some(s);
        }
        loop {
            let next = match &mut self.rest {
                Rest::None => return None,
                Rest::Tree(it) => it.next().map(Value::as_str),
                Rest::Scanned(it) => it.next().map(|s| s.as_deref()),
            };
            match next {
                None => return None,
                Some(Some(s)) => return Some(s),
                Some(None) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_and_scanned_views_agree() {
        let v = serde_json::json!({"u": "a", "t": ["x", 1, "y"], "n": [1, "z"], "o": {}});
        let pointers: Vec<String> = ["/u", "/t", "/n", "/o", "/missing"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let captured = vec![
            Captured::Str("a".into()),
            Captured::Array(vec![Some("x".into()), None, Some("y".into())]),
            Captured::Array(vec![None, Some("z".into())]),
            Captured::Absent,
        ];
        let slots = [Some(0), Some(1), Some(2), Some(3), None];
        let scanned = Hit::scanned(&pointers, &slots, &captured);
        let tree = Hit::tree(&v);
        for p in &pointers {
            for hit in [tree, scanned] {
                let (s, first, all) = (
                    hit.str_at(p),
                    hit.first_str_at(p),
                    hit.strs_at(p).collect::<Vec<_>>(),
                );
                let want: (Option<&str>, Option<&str>, Vec<&str>) = match p.as_str() {
                    "/u" => (Some("a"), Some("a"), vec!["a"]),
                    "/t" => (None, Some("x"), vec!["x", "y"]),
                    "/n" => (None, None, vec!["z"]),
                    _ => (None, None, vec![]),
                };
                assert_eq!((s, first, all), want, "{p}");
            }
        }
    }
}
