//! A route's path pattern, parsed once at config load: exact, prefix (`/api/*`) or segments
//! with `{param}` placeholders.

/// A compiled path pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// The whole path must be equal.
    Exact(String),
    /// The path must start with this.
    Prefix(String),
    /// Segment by segment; `None` is a `{param}` matching any one non-empty segment.
    Segments(Vec<Option<String>>),
}

impl Pattern {
    /// Parses `/exact`, `/prefix/*` or `/indexes/{index}/search`.
    ///
    /// # Errors
    /// A message when the pattern is not an absolute path or a `{…}` is malformed.
    pub fn parse(p: &str) -> Result<Pattern, String> {
        if !p.starts_with('/') {
            return Err(format!("{p:?} must start with '/'"));
        }
        if let Some(prefix) = p.strip_suffix('*') {
            if prefix.contains(['*', '{', '}']) {
                return Err(format!("{p:?}: '*' may only end a prefix pattern"));
            }
            return Ok(Pattern::Prefix(prefix.to_owned()));
        }
        if !p.contains(['{', '}']) {
            return Ok(Pattern::Exact(p.to_owned()));
        }
        let mut segs = Vec::new();
        for seg in p[1..].split('/') {
            if seg.starts_with('{')
                && seg.ends_with('}')
                && seg.len() > 2
                && !seg[1..seg.len() - 1].contains(['{', '}'])
            {
                segs.push(None);
            } else if seg.contains(['{', '}']) {
                return Err(format!(
                    "{p:?}: a parameter must be a whole segment like {{name}}"
                ));
            } else {
                segs.push(Some(seg.to_owned()));
            }
        }
        Ok(Pattern::Segments(segs))
    }

    /// Whether `path` matches exactly.
    pub fn matches(&self, path: &str) -> bool {
        match self {
            Pattern::Exact(p) => p == path,
            Pattern::Prefix(p) => path.starts_with(p.as_str()),
            Pattern::Segments(segs) => {
                let Some(rest) = path.strip_prefix('/') else {
                    return false;
                };
                let mut parts = rest.split('/');
                for seg in segs {
                    match (seg, parts.next()) {
                        (_, None) => return false,
                        (None, Some("")) => return false,
                        (None, Some(_)) => {}
                        (Some(want), Some(part)) if want == part => {}
                        (Some(_), Some(_)) => return false,
                    }
                }
                parts.next().is_none()
            }
        }
    }
}
