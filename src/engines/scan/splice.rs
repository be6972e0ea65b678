//! Rebuilding a changed response from the upstream's own bytes: arrays re-assembled from their
//! kept elements (in a new order), and small values replaced; everything else is copied as is.

use std::ops::Range;

/// One change to the upstream body. Edits may nest (an edit inside an element of a rebuilt
/// array applies to that element wherever it lands); otherwise they must not overlap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Edit {
    /// The bytes replaced.
    pub(crate) range: Range<usize>,
    /// What replaces them.
    pub(crate) with: Replacement,
}

/// What an [`Edit`] puts in place of its range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Replacement {
    /// These bytes.
    Bytes(Vec<u8>),
    /// A JSON array of these elements (byte ranges of the original body), in this order.
    Array(Vec<Range<usize>>),
}

/// `body` with `edits` applied, or `None` when the edits do not fit the body (a bug; the caller
/// fails closed).
pub(crate) fn splice(body: &[u8], mut edits: Vec<Edit>) -> Option<Vec<u8>> {
    edits.sort_by(|a, b| {
        a.range
            .start
            .cmp(&b.range.start)
            .then(b.range.end.cmp(&a.range.end))
    });
    let mut out = Vec::with_capacity(body.len());
    render(body, 0..body.len(), &edits, &mut out)?;
    Some(out)
}

/// Copies `range` of `body` with `edits` (sorted, all inside `range`) applied.
fn render(body: &[u8], range: Range<usize>, edits: &[Edit], out: &mut Vec<u8>) -> Option<()> {
    let mut pos = range.start;
    let mut k = 0;
    while let Some(e) = edits.get(k) {
        if e.range.start < pos || e.range.end > range.end {
            return None;
        }
        out.extend_from_slice(body.get(pos..e.range.start)?);
        let rest = edits.get(k + 1..)?;
        let nested = rest.partition_point(|x| x.range.start < e.range.end);
        let inner = rest.get(..nested)?;
        match &e.with {
            Replacement::Bytes(bytes) => {
                if !inner.is_empty() {
                    return None;
                }
                out.extend_from_slice(bytes);
            }
            Replacement::Array(parts) => {
                out.push(b'[');
                for (n, part) in parts.iter().enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    let lo = inner.partition_point(|x| x.range.start < part.start);
                    let hi = inner.partition_point(|x| x.range.start < part.end);
                    render(body, part.clone(), inner.get(lo..hi)?, out)?;
                }
                out.push(b']');
            }
        }
        pos = e.range.end;
        k += 1 + nested;
    }
    out.extend_from_slice(body.get(pos..range.end)?);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_nested_edits() {
        let body = br#"{"a":[ {"x":[1,2,3]} , 5 , {"t":7} ],"n":10}"#;
        let s = std::str::from_utf8(body).unwrap();
        let at = |needle: &str| s.find(needle).unwrap();
        let first = at("{\"x\"")..at(" , 5");
        let third = at("{\"t\"")..at("} ]") + 1;
        let inner = at("[1,2,3]")..at("[1,2,3]") + 7;
        let edits = vec![
            Edit {
                range: at("[ {")..at("],\"n\"") + 1,
                with: Replacement::Array(vec![third, first]),
            },
            Edit {
                range: inner.clone(),
                with: Replacement::Array(vec![
                    inner.start + 1..inner.start + 2,
                    inner.start + 5..inner.start + 6,
                ]),
            },
            Edit {
                range: at("10")..at("10") + 2,
                with: Replacement::Bytes(b"8".to_vec()),
            },
        ];
        let out = splice(body, edits).unwrap();
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"a":[{"t":7},{"x":[1,3]}],"n":8}"#
        );
        let overlapping = vec![
            Edit {
                range: 1..5,
                with: Replacement::Bytes(vec![]),
            },
            Edit {
                range: 3..8,
                with: Replacement::Bytes(vec![]),
            },
        ];
        assert_eq!(splice(body, overlapping), None);
    }
}
