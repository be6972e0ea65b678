//! The validated signposting state: choosing a notice (locale + rotated variant), the
//! counting redirect's target lookup, and shown/clicked counters for `/metrics`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::config::{LinkConfig, SignpostConfig, SignpostConfigError};
use super::locale;
use super::{Notice, NoticeKind, NoticeLink};

/// Chooses notices and counts how often each wording was shown and which links were followed.
/// Shared across requests (`Arc<Signposter>`); all counters are atomics, nothing per user.
#[derive(Debug)]
pub struct Signposter {
    notice_key: String,
    default_locale: usize,
    go_prefix: String,
    count_clicks: bool,
    links: Vec<LinkConfig>,
    link_index: HashMap<String, usize>,
    locales: Vec<LocaleSlot>,
    variants: Vec<VariantSlot>,
    variant_index: HashMap<String, usize>,
    /// Clicks on a configured link with a missing or unknown variant, per link.
    unattributed: Vec<AtomicU64>,
}

#[derive(Debug)]
struct LocaleSlot {
    tag: String,
    deterrence: Vec<usize>,
    support: Vec<usize>,
    next_deterrence: AtomicUsize,
    next_support: AtomicUsize,
}

#[derive(Debug)]
struct VariantSlot {
    locale: String,
    kind: NoticeKind,
    id: String,
    title: String,
    message: String,
    /// Indexes into `links`, in display order.
    links: Vec<usize>,
    shown: AtomicU64,
    /// One counter per entry of `links`.
    clicks: Vec<AtomicU64>,
}

/// Counts for one variant, as returned by [`Signposter::counts`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariantCount {
    /// Locale of the wording.
    pub locale: String,
    /// Deterrence or support.
    pub kind: NoticeKind,
    /// Variant id.
    pub variant: String,
    /// Times chosen for a response.
    pub shown: u64,
    /// (link id, clicks) for each link of the variant.
    pub clicks: Vec<(String, u64)>,
}

// === impl Signposter ===

impl Signposter {
    /// Builds from a config, filling in the built-in defaults first
    /// ([`SignpostConfig::with_defaults`]).
    ///
    /// # Errors
    /// [`SignpostConfigError::Invalid`] with every problem found.
    pub fn new(config: SignpostConfig) -> Result<Self, SignpostConfigError> {
        let config = config.with_defaults();
        let problems = config.problems();
        if !problems.is_empty() {
            return Err(SignpostConfigError::Invalid { problems });
        }
        let link_index: HashMap<String, usize> = config
            .links
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id.clone(), i))
            .collect();
        let mut variants = Vec::new();
        let mut locales = Vec::new();
        for (tag, texts) in &config.locales {
            let mut slot = LocaleSlot {
                tag: tag.clone(),
                deterrence: Vec::new(),
                support: Vec::new(),
                next_deterrence: AtomicUsize::new(0),
                next_support: AtomicUsize::new(0),
            };
            for (kind, list) in [
                (NoticeKind::Deterrence, &texts.deterrence),
                (NoticeKind::Support, &texts.support),
            ] {
                for v in list {
                    let links: Vec<usize> = v
                        .links
                        .iter()
                        .filter_map(|id| link_index.get(id).copied())
                        .collect();
                    let target = match kind {
                        NoticeKind::Deterrence => &mut slot.deterrence,
                        NoticeKind::Support => &mut slot.support,
                    };
                    target.push(variants.len());
                    variants.push(VariantSlot {
                        locale: tag.clone(),
                        kind,
                        id: v.id.clone(),
                        title: v.title.clone(),
                        message: v.message.clone(),
                        clicks: links.iter().map(|_| AtomicU64::new(0)).collect(),
                        links,
                        shown: AtomicU64::new(0),
                    });
                }
            }
            locales.push(slot);
        }
        let default_locale = locales
            .iter()
            .position(|l| l.tag == config.default_locale)
            .unwrap_or(0);
        let variant_index = variants
            .iter()
            .enumerate()
            .map(|(i, v)| (v.id.clone(), i))
            .collect();
        Ok(Self {
            notice_key: config.notice_key,
            default_locale,
            go_prefix: config.go_prefix,
            count_clicks: config.count_clicks,
            unattributed: config.links.iter().map(|_| AtomicU64::new(0)).collect(),
            links: config.links,
            link_index,
            locales,
            variants,
            variant_index,
        })
    }

    /// Key of the notice object in JSON responses.
    pub fn notice_key(&self) -> &str {
        &self.notice_key
    }

    /// Path prefix of the counting redirect (`/_searchward/go` by default); the proxy routes
    /// `{go_prefix}/…` to [`Self::follow`].
    pub fn go_prefix(&self) -> &str {
        &self.go_prefix
    }

    /// The notice for one response: locale from `accept_language`, wording rotated round-robin
    /// among that locale's variants of `kind` (the default locale's when it has none). Counts
    /// one "shown" for the variant.
    pub fn choose(&self, kind: NoticeKind, accept_language: Option<&str>) -> Notice {
        let tags: Vec<&str> = self.locales.iter().map(|l| l.tag.as_str()).collect();
        let matched = accept_language.and_then(|h| locale::best(h, &tags));
        let (slot_index, user_range) = match matched {
            Some((tag, range)) => (
                self.locales
                    .iter()
                    .position(|l| l.tag == tag)
                    .unwrap_or(self.default_locale),
                Some(range),
            ),
            None => (self.default_locale, None),
        };
        let slot = self
            .locales
            .get(slot_index)
            .filter(|s| !Self::pool(s, kind).0.is_empty())
            .or_else(|| self.locales.get(self.default_locale));
        let variant = slot.and_then(|s| {
            let (pool, next) = Self::pool(s, kind);
            let n = next.fetch_add(1, Ordering::Relaxed);
            pool.get(n.checked_rem(pool.len())?)
                .and_then(|&i| self.variants.get(i))
        });
        let Some(v) = variant else {
            // Unreachable after validation (the default locale has both kinds); still answer.
            return Notice {
                kind,
                title: String::new(),
                message: String::new(),
                links: Vec::new(),
                locale: String::new(),
                variant: String::new(),
            };
        };
        v.shown.fetch_add(1, Ordering::Relaxed);
        Notice {
            kind,
            title: v.title.clone(),
            message: v.message.clone(),
            links: self.notice_links(v, user_range.as_deref()),
            locale: v.locale.clone(),
            variant: v.id.clone(),
        }
    }

    fn pool(slot: &LocaleSlot, kind: NoticeKind) -> (&[usize], &AtomicUsize) {
        match kind {
            NoticeKind::Deterrence => (&slot.deterrence, &slot.next_deterrence),
            NoticeKind::Support => (&slot.support, &slot.next_support),
        }
    }

    /// The variant's links that suit the user; all of them if the filter would leave none,
    /// so a notice always points somewhere.
    fn notice_links(&self, v: &VariantSlot, user_range: Option<&str>) -> Vec<NoticeLink> {
        let all: Vec<&LinkConfig> = v.links.iter().filter_map(|&i| self.links.get(i)).collect();
        let suited: Vec<&LinkConfig> = all
            .iter()
            .copied()
            .filter(|l| {
                l.locales
                    .as_deref()
                    .is_none_or(|allowed| locale::link_allowed(allowed, &v.locale, user_range))
            })
            .collect();
        let chosen = if suited.is_empty() { all } else { suited };
        chosen
            .into_iter()
            .map(|l| NoticeLink {
                id: l.id.clone(),
                label: l.label.clone(),
                url: if self.count_clicks {
                    format!("{}/{}?v={}", self.go_prefix, l.id, v.id)
                } else {
                    l.url.clone()
                },
            })
            .collect()
    }

    /// The target URL of a configured link; `None` for any other id (the redirect is never open).
    pub fn link_target(&self, id: &str) -> Option<&str> {
        self.link_index
            .get(id)
            .and_then(|&i| self.links.get(i))
            .map(|l| l.url.as_str())
    }

    /// The `Location` for a counting-redirect request `{go_prefix}/{link-id}?v={variant-id}`
    /// (pure: counts nothing). `None` when the path is not under the prefix or the link id is
    /// not configured.
    pub fn redirect(&self, path_and_query: &str) -> Option<String> {
        let (link, _) = self.parse_go(path_and_query)?;
        self.link_target(link).map(str::to_owned)
    }

    /// Like [`Self::redirect`], and counts the click against the variant named by `v` (or as
    /// unattributed when `v` is missing or unknown).
    pub fn follow(&self, path_and_query: &str) -> Option<String> {
        let (link, variant) = self.parse_go(path_and_query)?;
        let target = self.link_target(link)?.to_owned();
        self.record_click(link, variant.unwrap_or(""));
        Some(target)
    }

    fn parse_go<'a>(&self, path_and_query: &'a str) -> Option<(&'a str, Option<&'a str>)> {
        let rest = path_and_query
            .strip_prefix(self.go_prefix.as_str())?
            .strip_prefix('/')?;
        let (link, query) = match rest.split_once('?') {
            Some((l, q)) => (l, Some(q)),
            None => (rest, None),
        };
        let variant = query
            .into_iter()
            .flat_map(|q| q.split('&'))
            .find_map(|pair| pair.strip_prefix("v="));
        Some((link, variant))
    }

    /// Counts a click on `link_id` from the wording `variant_id`. Returns false (and counts
    /// nothing) for an unconfigured link; a known link from an unknown variant, or one the
    /// variant does not show, is counted as unattributed so crafted URLs cannot add labels.
    pub fn record_click(&self, link_id: &str, variant_id: &str) -> bool {
        let Some(&li) = self.link_index.get(link_id) else {
            return false;
        };
        let slot = self
            .variant_index
            .get(variant_id)
            .and_then(|&vi| self.variants.get(vi))
            .and_then(|v| {
                let pos = v.links.iter().position(|&x| x == li)?;
                v.clicks.get(pos)
            });
        match slot.or_else(|| self.unattributed.get(li)) {
            Some(counter) => {
                counter.fetch_add(1, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// A snapshot of every variant's shown and click counts, in config order.
    pub fn counts(&self) -> Vec<VariantCount> {
        self.variants
            .iter()
            .map(|v| VariantCount {
                locale: v.locale.clone(),
                kind: v.kind,
                variant: v.id.clone(),
                shown: v.shown.load(Ordering::Relaxed),
                clicks: v
                    .links
                    .iter()
                    .zip(&v.clicks)
                    .filter_map(|(&li, c)| {
                        Some((self.links.get(li)?.id.clone(), c.load(Ordering::Relaxed)))
                    })
                    .collect(),
            })
            .collect()
    }

    /// Appends `searchward_notice_shown_total` and `searchward_notice_clicks_total` in the
    /// Prometheus text format. Unattributed clicks carry `variant=""`.
    pub fn render_metrics(&self, out: &mut String) {
        let counts = self.counts();
        out.push_str("# HELP searchward_notice_shown_total Notices shown, by wording.\n");
        out.push_str("# TYPE searchward_notice_shown_total counter\n");
        for c in &counts {
            let _ = writeln!(
                out,
                "searchward_notice_shown_total{{kind=\"{}\",locale=\"{}\",variant=\"{}\"}} {}",
                kind_label(c.kind),
                label(&c.locale),
                label(&c.variant),
                c.shown
            );
        }
        out.push_str("# HELP searchward_notice_clicks_total Help and report links followed, by wording and link.\n");
        out.push_str("# TYPE searchward_notice_clicks_total counter\n");
        for c in &counts {
            for (link, n) in &c.clicks {
                let _ = writeln!(
                    out,
                    "searchward_notice_clicks_total{{kind=\"{}\",locale=\"{}\",variant=\"{}\",link=\"{}\"}} {}",
                    kind_label(c.kind),
                    label(&c.locale),
                    label(&c.variant),
                    label(link),
                    n
                );
            }
        }
        for (l, n) in self.links.iter().zip(&self.unattributed) {
            let n = n.load(Ordering::Relaxed);
            if n > 0 {
                let _ = writeln!(
                    out,
                    "searchward_notice_clicks_total{{kind=\"\",locale=\"\",variant=\"\",link=\"{}\"}} {n}",
                    label(&l.id)
                );
            }
        }
    }
}

fn kind_label(kind: NoticeKind) -> &'static str {
    match kind {
        NoticeKind::Deterrence => "deterrence",
        NoticeKind::Support => "support",
    }
}

/// Escapes a Prometheus label value (ids are validated slugs; this is belt and braces).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests;
