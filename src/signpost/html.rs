//! HTML rendering of notices: the blocking interstitial page and the banner injected into
//! result pages. Pure string work; everything from the notice is escaped, nothing panics.

use super::{Notice, NoticeKind};

/// Escapes text for HTML element content and double- or single-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// `href` when it is a same-site path or an http(s) URL; anything else (`javascript:`,
/// `data:`, protocol-relative `//host`) is refused so a notice can never carry script.
fn safe_href(href: &str) -> Option<&str> {
    let lower = href
        .trim_start()
        .get(..8)
        .unwrap_or(href)
        .to_ascii_lowercase();
    let ok = (href.starts_with('/') && !href.starts_with("//") && !href.starts_with("/\\"))
        || lower.starts_with("https://")
        || lower.starts_with("http://");
    ok.then_some(href)
}

fn links_html(notice: &Notice, link_style: &str, item_style: &str) -> String {
    let mut out = String::new();
    for link in &notice.links {
        let Some(href) = safe_href(&link.url) else {
            continue;
        };
        out.push_str(&format!(
            "<li{item_style}><a href=\"{}\" rel=\"noopener noreferrer\"{link_style}>{}</a></li>",
            escape(href),
            escape(&link.label)
        ));
    }
    out
}

const PAGE_CSS: &str = "\
*,*::before,*::after{box-sizing:border-box}\
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}\
body{margin:0;background:#ffffff;color:#1b1b1b;font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif;font-size:1.0625rem;line-height:1.55}\
main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem 2.5rem;overflow-wrap:break-word;word-wrap:break-word}\
h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem;padding-left:.75rem;border-left:.4rem solid #b3261e}\
p{margin:0 0 1.25rem;max-width:100%}\
h2{font-size:1.125rem;margin:1.5rem 0 .5rem}\
ul{list-style:none;margin:0 0 1.5rem;padding:0}\
li{margin:0 0 .75rem}\
a{color:#0b4f9c;text-decoration:underline;text-underline-offset:.15em}\
ul a{display:block;min-height:2.75rem;padding:.65rem .85rem;border:2px solid #0b4f9c;border-radius:.4rem;background:#f3f7fc;text-decoration:none;font-weight:600}\
a:hover{background:#e3ecf8}\
a:focus-visible{outline:3px solid #1b1b1b;outline-offset:2px}\
.back{display:inline-block;padding:.5rem 0;font-weight:600}\
@media (prefers-color-scheme:dark){body{background:#121212;color:#f1f1f1}a{color:#9cc3ff}ul a{background:#1c2633;border-color:#9cc3ff}a:hover{background:#24344a}a:focus-visible{outline-color:#f1f1f1}h1{border-left-color:#ff8a80}}\
@media (forced-colors:active){ul a{border-color:LinkText}}";

/// A complete, accessible HTML interstitial page for a blocked search: the notice's title and
/// message, its links as a list, and a link back to `back_href` (a same-site path or an
/// http(s) URL; anything else becomes `/`). No scripts, no external resources.
pub fn interstitial_page(notice: &Notice, back_href: &str) -> String {
    let lang = if notice.locale.is_empty() {
        "en"
    } else {
        notice.locale.as_str()
    };
    let back = safe_href(back_href).unwrap_or("/");
    let (links_heading, back_label) = labels(lang);
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"referrer\" content=\"no-referrer\">\n\
<meta name=\"robots\" content=\"noindex, nofollow\">\n\
<title>{title}</title>\n<style>{PAGE_CSS}</style>\n</head>\n<body>\n\
<main id=\"searchward-notice\" data-searchward-notice=\"{kind}\" data-variant=\"{variant}\">\n\
<h1>{title}</h1>\n<p>{message}</p>\n\
<h2 id=\"searchward-links\">{links_heading}</h2>\n\
<ul aria-labelledby=\"searchward-links\">{links}</ul>\n\
<p><a class=\"back\" href=\"{back}\">{back_label}</a></p>\n</main>\n</body>\n</html>\n",
        lang = escape(lang),
        title = escape(&notice.title),
        kind = kind_attr(notice.kind),
        variant = escape(&notice.variant),
        message = escape(&notice.message),
        links = links_html(notice, "", ""),
        back = escape(back),
        links_heading = escape(links_heading),
        back_label = escape(back_label),
    )
}

/// Fixed interface words; English unless translated here (the notice text itself comes from
/// config).
fn labels(lang: &str) -> (&'static str, &'static str) {
    match lang
        .split('-')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
        .as_str()
    {
        "de" => ("Hilfe und Meldestellen", "Zurück"),
        "fr" => ("Aide et signalement", "Retour"),
        "es" => ("Ayuda y denuncia", "Volver"),
        _ => ("Help and reporting", "Go back"),
    }
}

fn kind_attr(kind: NoticeKind) -> &'static str {
    match kind {
        NoticeKind::Deterrence => "deterrence",
        NoticeKind::Support => "support",
    }
}

/// The banner element: a labelled region with inline styles that survive most host CSS.
pub fn banner_html(notice: &Notice) -> String {
    let lang = if notice.locale.is_empty() {
        "en"
    } else {
        notice.locale.as_str()
    };
    let (accent, bg) = match notice.kind {
        NoticeKind::Deterrence => ("#b3261e", "#fff4f2"),
        NoticeKind::Support => ("#0b4f9c", "#f3f7fc"),
    };
    let box_style = format!(
        " style=\"display:block;box-sizing:border-box;width:auto;max-width:100%;margin:0 0 16px 0;\
padding:12px 16px;background:{bg};color:#1b1b1b;border:0;border-left:6px solid {accent};\
font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;text-align:left;\
overflow-wrap:break-word;word-wrap:break-word\""
    );
    let link_style = " style=\"color:#0b4f9c;text-decoration:underline;font-weight:600\"";
    let item_style = " style=\"margin:0 0 6px 0;padding:0\"";
    format!(
        "<div role=\"region\" aria-label=\"{title}\" lang=\"{lang}\" data-searchward-notice=\"{kind}\" \
data-variant=\"{variant}\"{box_style}>\
<p style=\"margin:0 0 6px 0;font-size:18px;font-weight:700;color:#1b1b1b\">{title}</p>\
<p style=\"margin:0 0 8px 0;color:#1b1b1b\">{message}</p>\
<ul style=\"margin:0;padding:0 0 0 20px;list-style:disc\">{links}</ul></div>",
        title = escape(&notice.title),
        lang = escape(lang),
        kind = kind_attr(notice.kind),
        variant = escape(&notice.variant),
        message = escape(&notice.message),
        links = links_html(notice, link_style, item_style),
    )
}

/// `html` with the notice banner inserted just before `marker` when given and found, else
/// right after the opening `<body …>` tag (any case, with attributes), else after `</head>`,
/// else at the start.
pub fn inject_banner(html: &str, notice: &Notice, marker: Option<&str>) -> String {
    let banner = banner_html(notice);
    let at = marker
        .filter(|m| !m.is_empty())
        .and_then(|m| html.find(m))
        .or_else(|| after_body_open(html))
        .or_else(|| find_tag_end(html, "</head"))
        .unwrap_or(0);
    let (head, tail) = html.split_at_checked(at).unwrap_or(("", html));
    let mut out = String::with_capacity(html.len() + banner.len());
    out.push_str(head);
    out.push_str(&banner);
    out.push_str(tail);
    out
}

/// Byte index just after the `>` of the first real `<body` start tag, skipping comments and
/// the contents of `script`, `style` and `template`.
fn after_body_open(html: &str) -> Option<usize> {
    find_tag_end(html, "<body")
}

/// Index after the end of the first tag opening with `open` (lowercase, e.g. `<body`,
/// `</head`) outside comments and raw-text elements. ASCII lowercasing keeps byte offsets,
/// and every offset returned follows an ASCII `>`, so it is a char boundary.
fn find_tag_end(html: &str, open: &str) -> Option<usize> {
    let lower = html.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut i = 0;
    while let Some(rel) = lower.get(i..)?.find('<') {
        let start = i + rel;
        let rest = lower.get(start..)?;
        if rest.starts_with("<!--") {
            i = start + 4 + rest.get(4..)?.find("-->")? + 3;
            continue;
        }
        if let Some(name) = ["script", "style", "template", "textarea", "title"]
            .into_iter()
            .find(|n| {
                rest.get(1..)
                    .is_some_and(|r| r.starts_with(n) && is_name_end(r.as_bytes().get(n.len())))
            })
        {
            let close = format!("</{name}");
            i = start + 1 + rest.get(1..)?.find(&close).unwrap_or(rest.len() - 1);
            continue;
        }
        if rest.starts_with(open) && is_name_end(bytes.get(start + open.len())) {
            return tag_close(bytes, start + open.len());
        }
        i = start + 1;
    }
    None
}

fn is_name_end(b: Option<&u8>) -> bool {
    matches!(
        b,
        None | Some(b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
    )
}

/// Index after the `>` closing a tag whose attributes start at `from`, honouring quotes.
fn tag_close(bytes: &[u8], from: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (k, &b) in bytes.get(from..)?.iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => return Some(from + k + 1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests;
