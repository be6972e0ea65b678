//! Deterrence and support notices: the JSON notice object, the HTML banner and the blocking
//! interstitial page, per locale, with rotated message variants.

use serde::Serialize;

/// Whether a notice warns (a blocked or flagged search) or offers help.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeKind {
    /// Warns that the content searched for is illegal and harmful, and points to help.
    Deterrence,
    /// Points to confidential help and reporting.
    Support,
}

/// A link in a notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NoticeLink {
    /// Stable id of the configured link (used by the counting redirect).
    pub id: String,
    /// Visible label.
    pub label: String,
    /// The href to use: the proxy's counting redirect `/_searchward/go/{id}`, or the target.
    pub url: String,
}

/// A notice chosen for one response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// Deterrence or support.
    pub kind: NoticeKind,
    /// Heading.
    pub title: String,
    /// Body text.
    pub message: String,
    /// Help and reporting links.
    pub links: Vec<NoticeLink>,
    /// BCP 47 locale of the text.
    pub locale: String,
    /// Id of the message variant shown (for counting which wording sends people to help).
    pub variant: String,
}

impl Notice {
    /// The JSON object injected into JSON responses.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// A complete, accessible HTML interstitial page for a blocked search (stub until issue 4).
pub fn interstitial_page(notice: &Notice, back_href: &str) -> String {
    let _ = (notice, back_href);
    String::new()
}

/// `html` with a notice banner inserted after `<body…>` or before `marker` (stub until issue 4).
pub fn inject_banner(html: &str, notice: &Notice, marker: Option<&str>) -> String {
    let _ = (notice, marker);
    html.to_owned()
}

/// Notice configuration (stub until signposting lands).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignpostConfig {
    /// Key of the JSON notice.
    #[serde(default)]
    pub notice_key: Option<String>,
}

impl SignpostConfig {
    /// Problems with the config.
    pub fn problems(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Chooses notices (stub).
#[derive(Debug)]
pub struct Signposter {
    key: String,
}

impl Signposter {
    /// Builds from config.
    ///
    /// # Errors
    /// Never in the stub.
    pub fn new(config: &SignpostConfig) -> Result<Self, String> {
        Ok(Self {
            key: config
                .notice_key
                .clone()
                .unwrap_or_else(|| "searchward_notice".into()),
        })
    }
    /// The notice for a response.
    pub fn choose(&self, kind: NoticeKind, _accept_language: Option<&str>) -> Notice {
        Notice {
            kind,
            title: String::new(),
            message: String::new(),
            links: Vec::new(),
            locale: "en".into(),
            variant: "stub".into(),
        }
    }
    /// The JSON key.
    pub fn notice_key(&self) -> &str {
        &self.key
    }
    /// Redirect target.
    pub fn redirect(&self, _path_and_query: &str) -> Option<String> {
        None
    }
}
