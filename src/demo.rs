//! The built-in demo search backend behind `searchward demo`: a few hundred harmless sample
//! pages with `GET /search?q=` (JSON hits), `GET /suggest?q=` (OpenSearch suggestions) and
//! `GET /page?q=` (an HTML results page). A few pages and suggestions carry the synthetic
//! placeholder terms so the proxy has something to filter.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::net::TcpListener;

/// One sample page.
#[derive(Clone, Debug, Serialize)]
pub struct Page {
    /// Title.
    pub title: String,
    /// URL.
    pub url: String,
    /// Snippet.
    pub snippet: String,
    /// MD5 of the page's image, for hash-list demos.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
}

const TOPICS: [&str; 12] = [
    "garden",
    "bread",
    "bicycle",
    "river",
    "chess",
    "violin",
    "pottery",
    "kayak",
    "tomato",
    "lantern",
    "orchard",
    "telescope",
];
const ANGLES: [&str; 25] = [
    "beginner guide",
    "history",
    "tips",
    "repair",
    "photos",
    "club",
    "festival",
    "museum",
    "shop",
    "workshop",
    "forum",
    "news",
    "recipes",
    "maps",
    "events",
    "books",
    "podcast",
    "glossary",
    "safety",
    "tools",
    "courses",
    "reviews",
    "FAQ",
    "calendar",
    "community",
];

/// The demo corpus: 300 ordinary pages, plus pages and suggestions built from `flagged_terms`
/// (synthetic placeholders from the shipped lists) and on `flagged_urls`.
#[derive(Clone, Debug)]
pub struct Corpus {
    pages: Vec<Page>,
    suggestions: Vec<String>,
}

impl Corpus {
    /// Builds the corpus.
    pub fn new(flagged_terms: &[String], flagged_urls: &[String], flagged_md5: &[String]) -> Self {
        let mut pages = Vec::new();
        let mut suggestions = Vec::new();
        for (i, topic) in TOPICS.iter().enumerate() {
            for (j, angle) in ANGLES.iter().enumerate() {
                let host = format!(
                    "{topic}-{}.example",
                    ["world", "hub", "notes", "corner"][(i + j) % 4]
                );
                pages.push(Page {
                    title: format!("{} {angle}", capitalise(topic)),
                    url: format!("https://{host}/{}", angle.to_lowercase().replace(' ', "-")),
                    snippet: format!("Everything about {topic} {}: a friendly sample page for the searchward demo.", angle.to_lowercase()),
                    md5: None,
                });
                suggestions.push(format!("{topic} {}", angle.to_lowercase()));
            }
        }
        for term in flagged_terms {
            pages.push(Page {
                title: format!("Garden {term} archive"),
                url: format!("https://{}.example/archive", term.replace(' ', "-")),
                snippet: format!(
                    "A sample page mentioning the placeholder {term} next to garden words."
                ),
                md5: None,
            });
            suggestions.push(format!("garden {term}"));
            suggestions.push(format!("{term} garden"));
        }
        for url in flagged_urls {
            let url = if url.contains("://") {
                url.clone()
            } else {
                format!("https://{url}")
            };
            pages.push(Page {
                title: "Garden tips (listed URL)".into(),
                url,
                snippet: "A garden page whose URL is on the synthetic URL list, so searchward delists it.".into(),
                md5: None,
            });
        }
        for md5 in flagged_md5 {
            pages.push(Page {
                title: "Garden photos (listed image hash)".into(),
                url: "https://garden-photos.example/album".into(),
                snippet: "A garden page whose image hash is on the synthetic hash list, so searchward demotes it.".into(),
                md5: Some(md5.clone()),
            });
        }
        // Flagged pages first, so the top ten of an ordinary query like "garden" show filtering.
        let ordinary = TOPICS.len() * ANGLES.len();
        pages.rotate_left(ordinary);
        Self { pages, suggestions }
    }

    /// Pages whose title or snippet contains every word of `q` (case-insensitive).
    pub fn search(&self, q: &str) -> Vec<&Page> {
        let words: Vec<String> = q.split_whitespace().map(str::to_lowercase).collect();
        if words.is_empty() {
            return Vec::new();
        }
        self.pages
            .iter()
            .filter(|p| {
                let hay = format!("{} {}", p.title, p.snippet).to_lowercase();
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .collect()
    }

    /// Suggestions starting with `q` (case-insensitive), at most eight.
    pub fn suggest(&self, q: &str) -> Vec<&str> {
        let q = q.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        self.suggestions
            .iter()
            .filter(|s| s.starts_with(&q))
            .take(8)
            .map(String::as_str)
            .collect()
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The first value of `name` in the query string, decoded by the adapters' form decoder.
fn query_param(query: Option<&str>, name: &str) -> String {
    crate::engines::query::param_values(query, name)
        .ok()
        .and_then(|values| values.into_iter().next())
        .unwrap_or_default()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn respond(corpus: &Corpus, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    let q = query_param(req.uri().query(), "q");
    let (status, ctype, body) = match req.uri().path() {
        "/search" => {
            let hits = corpus.search(&q);
            let body = serde_json::json!({"query": q, "total": hits.len(), "hits": hits.iter().take(10).collect::<Vec<_>>()});
            (StatusCode::OK, "application/json", body.to_string())
        }
        "/suggest" => (
            StatusCode::OK,
            "application/json",
            serde_json::json!([q, corpus.suggest(&q)]).to_string(),
        ),
        "/page" => {
            let items: String = corpus
                .search(&q)
                .iter()
                .take(10)
                .map(|p| {
                    format!(
                        "<li><a href=\"{}\">{}</a><p>{}</p></li>",
                        html_escape(&p.url),
                        html_escape(&p.title),
                        html_escape(&p.snippet)
                    )
                })
                .collect();
            let body = format!(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Demo search</title></head><body><h1>Results for {}</h1><ol>{items}</ol></body></html>",
                html_escape(&q)
            );
            (StatusCode::OK, "text/html; charset=utf-8", body)
        }
        _ => (
            StatusCode::NOT_FOUND,
            "application/json",
            "{\"error\":\"not found\"}".to_owned(),
        ),
    };
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    if let Ok(v) = ctype.parse() {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

/// Serves the demo backend on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, corpus: Arc<Corpus>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let corpus = corpus.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let resp = respond(&corpus, &req);
                async move { Ok::<_, Infallible>(resp) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// Binds the demo backend on 127.0.0.1 (port chosen by the system) and returns its address.
///
/// # Errors
/// When the socket cannot be bound.
pub async fn start(corpus: Corpus) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(serve(listener, Arc::new(corpus)));
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_and_suggest() {
        let c = Corpus::new(&["zorvexil".to_owned()], &[], &[]);
        assert!(c.search("garden").len() > 20);
        assert_eq!(c.search("zorvexil").len(), 1);
        assert!(c.suggest("ga").iter().all(|s| s.starts_with("ga")));
        assert!(c.suggest("").is_empty());
    }

    #[test]
    fn query_params_are_decoded() {
        assert_eq!(
            query_param(Some("a=1&q=garden+tips%21"), "q"),
            "garden tips!"
        );
        assert_eq!(query_param(Some("q=%zz%4"), "q"), "%zz%4");
        assert_eq!(query_param(None, "q"), "");
    }
}
