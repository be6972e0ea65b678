//! Highlighting markup removed from a highlighted field value, so that the value under it can be
//! judged: tags (`<em>`, `<mark>`, custom `<b class=…>`) dropped and the entities an engine's
//! HTML encoder writes decoded.

use std::borrow::Cow;

/// Entities the Elasticsearch/OpenSearch `html` encoder, Meilisearch and Typesense write.
const ENTITIES: &[(&str, char)] = &[
    ("&amp;", '&'),
    ("&lt;", '<'),
    ("&gt;", '>'),
    ("&quot;", '"'),
    ("&#39;", '\''),
    ("&#x27;", '\''),
    ("&#x2F;", '/'),
    ("&#x2f;", '/'),
    ("&#47;", '/'),
];

/// `text` without markup tags and with the common HTML entities decoded. Borrowed when there
/// is nothing to remove.
pub fn strip_markup(text: &str) -> Cow<'_, str> {
    if !text.contains(['<', '&']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(rest.get(..i).unwrap_or_default());
        let tail = rest.get(i..).unwrap_or_default();
        if tail.starts_with('<') {
            match tail.find('>') {
                Some(end) => rest = tail.get(end + 1..).unwrap_or_default(),
                None => {
                    out.push_str(tail);
                    rest = "";
                }
            }
        } else if let Some((entity, c)) = ENTITIES.iter().find(|(e, _)| tail.starts_with(e)) {
            out.push(*c);
            rest = tail.get(entity.len()..).unwrap_or_default();
        } else {
            out.push('&');
            rest = tail.get(1..).unwrap_or_default();
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_stripped() {
        let cases = [
            ("https://plain.example/x", "https://plain.example/x"),
            (
                "https://<em>listed</em>.example/<em>x</em>",
                "https://listed.example/x",
            ),
            (
                "https:&#x2F;&#x2F;<b class=\"hl\">listed</b>.example&#x2F;x?a=1&amp;b=2",
                "https://listed.example/x?a=1&b=2",
            ),
            ("a < b & c", "a < b & c"),
            (
                "<mark>3dbcfd15b317557b3d3f9b5c78d7cc18</mark>",
                "3dbcfd15b317557b3d3f9b5c78d7cc18",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(strip_markup(input), want, "{input}");
        }
    }
}
