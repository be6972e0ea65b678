//! The `[signpost]` config section: links, per-locale message variants, the built-in English
//! defaults, and validation that reports every problem with its key.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

/// The built-in defaults (`config/signpost-defaults.toml`). They name real services; operators
/// must check them for the countries they serve.
pub const DEFAULTS_TOML: &str = include_str!("../../config/signpost-defaults.toml");

/// Why a signpost config cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SignpostConfigError {
    /// The TOML did not parse into the expected shape.
    #[error("signpost config does not parse")]
    Parse(#[source] toml::de::Error),
    /// The config parsed but has problems; every one is listed with its key.
    #[error("signpost config has {} problem(s): {}", problems.len(), problems.join("; "))]
    Invalid {
        /// One line per problem, each starting with the key (`signpost.links[2].url: ...`).
        problems: Vec<String>,
    },
}

/// The `[signpost]` section as written by the operator.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SignpostConfig {
    /// Key of the notice object injected into JSON responses.
    #[serde(default = "default_notice_key")]
    pub notice_key: String,
    /// Locale used when Accept-Language matches none of `locales`; must be one of them.
    #[serde(default = "default_locale")]
    pub default_locale: String,
    /// Path prefix of the proxy's counting redirect; links render as `{go_prefix}/{id}?v={variant}`.
    #[serde(default = "default_go_prefix")]
    pub go_prefix: String,
    /// When false, notices link straight to the targets and no clicks are counted.
    #[serde(default = "default_true")]
    pub count_clicks: bool,
    /// Help and reporting links, referred to by id from the variants.
    #[serde(default)]
    pub links: Vec<LinkConfig>,
    /// Message variants per locale (BCP 47 tag → texts). Empty means the built-in English defaults.
    #[serde(default)]
    pub locales: BTreeMap<String, LocaleConfig>,
}

/// One help or reporting link.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LinkConfig {
    /// Stable slug (`[a-z0-9_-]`, up to 64 bytes); appears in redirect paths and metrics.
    pub id: String,
    /// Visible label.
    pub label: String,
    /// Target; must be `http://` or `https://`.
    pub url: String,
    /// When set, the link is only shown to users whose locale (the notice locale or their
    /// Accept-Language tag, matched exactly or by language) is listed, e.g. `["en-GB", "en-IE"]`.
    #[serde(default)]
    pub locales: Option<Vec<String>>,
}

/// The texts of one locale.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LocaleConfig {
    /// Warnings for blocked or flagged searches; rotated. Empty falls back to the default locale.
    #[serde(default)]
    pub deterrence: Vec<VariantConfig>,
    /// Help and reporting notices; rotated. Empty falls back to the default locale.
    #[serde(default)]
    pub support: Vec<VariantConfig>,
}

/// One wording of a notice.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VariantConfig {
    /// Slug unique across all locales (it identifies the wording in clicks and metrics).
    pub id: String,
    /// Heading.
    pub title: String,
    /// Body text.
    pub message: String,
    /// Ids of configured links, in display order; at least one.
    pub links: Vec<String>,
}

fn default_notice_key() -> String {
    "searchward_notice".to_owned()
}
fn default_locale() -> String {
    "en".to_owned()
}
fn default_go_prefix() -> String {
    "/_searchward/go".to_owned()
}
fn default_true() -> bool {
    true
}

// === impl SignpostConfig ===

impl Default for SignpostConfig {
    /// The built-in English defaults.
    // A compile-time constant, parsed by a unit test: this cannot fail at run time.
    #[allow(clippy::expect_used)]
    fn default() -> Self {
        Self::from_toml_str(DEFAULTS_TOML)
            .expect("the embedded signpost defaults parse (unit-tested)")
    }
}

impl SignpostConfig {
    /// Parses a `[signpost]` section given as its own TOML document (no validation).
    ///
    /// # Errors
    /// [`SignpostConfigError::Parse`] when the TOML is malformed or has unknown keys.
    pub fn from_toml_str(toml_text: &str) -> Result<Self, SignpostConfigError> {
        toml::from_str(toml_text).map_err(SignpostConfigError::Parse)
    }

    /// This config with the built-in defaults filled in: when no locales are configured the
    /// default English texts are used, and default links are added unless a link with the same
    /// id is configured (so an operator can override one link's URL or label alone).
    pub fn with_defaults(mut self) -> Self {
        if !self.locales.is_empty() {
            return self;
        }
        let defaults = Self::default();
        self.locales = defaults.locales;
        let have: HashSet<String> = self.links.iter().map(|l| l.id.clone()).collect();
        self.links
            .extend(defaults.links.into_iter().filter(|l| !have.contains(&l.id)));
        if !self.locales.contains_key(&self.default_locale) {
            self.default_locale = defaults.default_locale;
        }
        self
    }

    /// Every problem in this config, each prefixed with its key under `signpost.`; empty when
    /// the config is usable. Call after [`Self::with_defaults`].
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.notice_key.trim().is_empty() {
            out.push("signpost.notice_key: must not be empty".to_owned());
        }
        check_go_prefix(&self.go_prefix, &mut out);

        let mut link_ids = HashSet::new();
        for (i, link) in self.links.iter().enumerate() {
            let key = format!("signpost.links[{i}]");
            check_slug(&format!("{key}.id"), &link.id, &mut out);
            if !link_ids.insert(link.id.as_str()) {
                out.push(format!("{key}.id: duplicate link id {:?}", link.id));
            }
            if link.label.trim().is_empty() {
                out.push(format!("{key}.label: must not be empty"));
            }
            check_url(&format!("{key}.url"), &link.url, &mut out);
            for (j, tag) in link.locales.iter().flatten().enumerate() {
                check_tag(&format!("{key}.locales[{j}]"), tag, &mut out);
            }
        }

        if self.locales.is_empty() {
            out.push("signpost.locales: at least one locale is needed".to_owned());
        }
        let mut seen_tags = HashSet::new();
        let mut variant_ids = HashSet::new();
        for (tag, texts) in &self.locales {
            let key = format!("signpost.locales.{tag}");
            check_tag(&key, tag, &mut out);
            if !seen_tags.insert(tag.to_ascii_lowercase()) {
                out.push(format!(
                    "{key}: same locale as another key (tags ignore case)"
                ));
            }
            for (kind, variants) in [
                ("deterrence", &texts.deterrence),
                ("support", &texts.support),
            ] {
                for (i, v) in variants.iter().enumerate() {
                    let vkey = format!("{key}.{kind}[{i}]");
                    check_slug(&format!("{vkey}.id"), &v.id, &mut out);
                    if !variant_ids.insert(v.id.as_str()) {
                        out.push(format!("{vkey}.id: duplicate variant id {:?}", v.id));
                    }
                    if v.title.trim().is_empty() {
                        out.push(format!("{vkey}.title: must not be empty"));
                    }
                    if v.message.trim().is_empty() {
                        out.push(format!("{vkey}.message: must not be empty"));
                    }
                    if v.links.is_empty() {
                        out.push(format!(
                            "{vkey}.links: at least one help or reporting link is needed"
                        ));
                    }
                    for id in &v.links {
                        if !link_ids.contains(id.as_str()) {
                            out.push(format!("{vkey}.links: unknown link id {id:?}"));
                        }
                    }
                }
            }
        }

        match self.locales.get(&self.default_locale) {
            None => out.push(format!(
                "signpost.default_locale: {:?} is not one of signpost.locales",
                self.default_locale
            )),
            Some(texts) => {
                for (kind, empty) in [
                    ("deterrence", texts.deterrence.is_empty()),
                    ("support", texts.support.is_empty()),
                ] {
                    if empty {
                        out.push(format!(
                            "signpost.locales.{}.{kind}: the default locale needs at least one variant",
                            self.default_locale
                        ));
                    }
                }
            }
        }
        out
    }
}

fn check_slug(key: &str, id: &str, out: &mut Vec<String>) {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !ok {
        out.push(format!(
            "{key}: {id:?} is not a slug (1-64 of a-z, 0-9, '-', '_')"
        ));
    }
}

fn check_tag(key: &str, tag: &str, out: &mut Vec<String>) {
    let ok = !tag.is_empty()
        && tag
            .split('-')
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !ok {
        out.push(format!(
            "{key}: {tag:?} is not a language tag such as \"en\" or \"en-GB\""
        ));
    }
}

fn check_url(key: &str, url: &str, out: &mut Vec<String>) {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let host_ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'));
    let clean = !url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\'));
    if !host_ok || !clean {
        out.push(format!(
            "{key}: must be an http:// or https:// URL with a host and no spaces or quotes"
        ));
    }
}

fn check_go_prefix(prefix: &str, out: &mut Vec<String>) {
    let ok = prefix.len() > 1
        && prefix.starts_with('/')
        && !prefix.starts_with("//")
        && !prefix.ends_with('/')
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'));
    if !ok {
        out.push(format!(
            "signpost.go_prefix: {prefix:?} must be an absolute path like \"/_searchward/go\" \
             (no trailing slash, no query)"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_defaults_are_valid() {
        let c = SignpostConfig::default();
        assert_eq!(c.problems(), Vec::<String>::new());
        let en = &c.locales["en"];
        assert!(en.deterrence.len() >= 2, "two deterrence wordings");
        assert!(!en.support.is_empty());
        for id in [
            "stop-it-now-uk",
            "stop-it-now-us",
            "iwf-report",
            "ncmec-cybertipline",
            "childline",
        ] {
            assert!(c.links.iter().any(|l| l.id == id), "{id}");
        }
    }

    #[test]
    fn empty_config_gets_defaults_and_link_overrides_stay() {
        let c = SignpostConfig::from_toml_str(
            "[[links]]\nid = \"iwf-report\"\nlabel = \"Report\"\nurl = \"https://example.org/r\"\n",
        )
        .unwrap()
        .with_defaults();
        assert_eq!(c.problems(), Vec::<String>::new());
        let iwf: Vec<_> = c.links.iter().filter(|l| l.id == "iwf-report").collect();
        assert_eq!(iwf.len(), 1);
        assert_eq!(iwf[0].url, "https://example.org/r");
        assert_eq!(c.notice_key, "searchward_notice");
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(matches!(
            SignpostConfig::from_toml_str("notice_kee = \"x\"\n"),
            Err(SignpostConfigError::Parse(_))
        ));
    }

    #[test]
    fn validation_reports_every_problem_with_its_key() {
        let toml_text = r#"
default_locale = "fr"
go_prefix = "go/"
[[links]]
id = "Help"
label = ""
url = "javascript:alert(1)"
[[links]]
id = "ok"
label = "OK"
url = "https://example.org"
[[links]]
id = "ok"
label = "Again"
url = "ftp://example.org"
[[locales.en.deterrence]]
id = "d1"
title = "T"
message = "M"
links = ["ok"]
[[locales.en.deterrence]]
id = "d1"
title = " "
message = ""
links = ["x"]
[[locales.en.support]]
id = "s1"
title = "T"
message = "M"
links = []
[locales."e n"]
"#;
        let problems = SignpostConfig::from_toml_str(toml_text).unwrap().problems();
        let cases = [
            ("bad prefix", "signpost.go_prefix: "),
            (
                "id not a slug",
                "signpost.links[0].id: \"Help\" is not a slug",
            ),
            ("empty label", "signpost.links[0].label: must not be empty"),
            ("javascript url", "signpost.links[0].url: must be an http"),
            (
                "duplicate link",
                "signpost.links[2].id: duplicate link id \"ok\"",
            ),
            ("ftp url", "signpost.links[2].url: must be an http"),
            (
                "duplicate variant",
                "signpost.locales.en.deterrence[1].id: duplicate variant id",
            ),
            (
                "empty title",
                "signpost.locales.en.deterrence[1].title: must not be empty",
            ),
            (
                "empty message",
                "signpost.locales.en.deterrence[1].message: must not be empty",
            ),
            (
                "unknown link",
                "signpost.locales.en.deterrence[1].links: unknown link id \"x\"",
            ),
            (
                "no links",
                "signpost.locales.en.support[0].links: at least one",
            ),
            (
                "bad tag",
                "signpost.locales.e n: \"e n\" is not a language tag",
            ),
            (
                "default locale missing",
                "signpost.default_locale: \"fr\" is not one of",
            ),
        ];
        for (name, want) in cases {
            assert!(
                problems.iter().any(|p| p.starts_with(want)),
                "case {name}: no problem starting {want:?} in {problems:#?}"
            );
        }
        assert_eq!(problems.len(), cases.len(), "{problems:#?}");
    }
}
