//! Deterrence and support notices: the JSON notice object, the HTML banner and the blocking
//! interstitial page, per locale, with rotated message variants.
//!
//! Implements the signposting part of Principle 6 of the UK Interim Code of Practice on CSEA:
//! when a search looks for abuse material, tell the person plainly that such material is
//! illegal and that every image harms a real child, point anyone at risk of offending to
//! confidential help to change, and say how to report what they have seen.
//!
//! - [`config`]: the `[signpost]` section, built-in English defaults, validation
//! - [`Signposter`]: picks locale and wording, serves the counting redirect, counts for metrics
//! - [`interstitial_page`], [`inject_banner`]: HTML rendering

use serde::Serialize;

pub mod config;
mod html;
pub mod locale;
mod signposter;

pub use config::{SignpostConfig, SignpostConfigError};
pub use html::{banner_html, escape, inject_banner, interstitial_page};
pub use signposter::{Signposter, VariantCount};

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
