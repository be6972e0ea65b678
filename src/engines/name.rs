//! The engine adapters by name: what a route's `engine` key and an engine profile name, and the
//! adapter each builds.

use std::sync::Arc;

use super::{
    Engine, EngineError, NAMES, elasticsearch, generic, html, meilisearch, opensearch_suggest,
    solr, typesense,
};

/// An engine adapter, as a route's `engine` key (or an engine profile) names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EngineName {
    /// `elasticsearch`
    Elasticsearch,
    /// `opensearch`
    OpenSearch,
    /// `meilisearch`
    Meilisearch,
    /// `solr`
    Solr,
    /// `typesense`
    Typesense,
    /// `opensearch-suggest`
    OpenSearchSuggest,
    /// `generic` (needs its options)
    Generic,
    /// `html`
    Html,
}

impl EngineName {
    const ALL: [EngineName; 8] = [
        EngineName::Elasticsearch,
        EngineName::OpenSearch,
        EngineName::Meilisearch,
        EngineName::Solr,
        EngineName::Typesense,
        EngineName::OpenSearchSuggest,
        EngineName::Generic,
        EngineName::Html,
    ];

    /// The adapter called `name` in config.
    ///
    /// # Errors
    /// [`EngineError::Config`] for an unknown name, listing the known ones.
    pub fn parse(name: &str) -> Result<EngineName, EngineError> {
        Self::ALL
            .into_iter()
            .find(|n| n.as_str() == name)
            .ok_or_else(|| {
                EngineError::Config(format!(
                    "unknown engine adapter {name:?}; known: {}",
                    NAMES.join(", ")
                ))
            })
    }

    /// The name in config.
    pub fn as_str(self) -> &'static str {
        match self {
            EngineName::Elasticsearch => "elasticsearch",
            EngineName::OpenSearch => "opensearch",
            EngineName::Meilisearch => "meilisearch",
            EngineName::Solr => "solr",
            EngineName::Typesense => "typesense",
            EngineName::OpenSearchSuggest => "opensearch-suggest",
            EngineName::Generic => "generic",
            EngineName::Html => "html",
        }
    }

    /// Builds the adapter. `generic` carries the options of the `generic` adapter (required
    /// there); `html` reads its `query_param` and `banner_marker`; the other adapters take no
    /// options and ignore it.
    ///
    /// # Errors
    /// [`EngineError::Config`] for a `generic` adapter without options, or invalid generic
    /// options.
    pub fn build(
        self,
        generic: Option<&generic::GenericOptions>,
    ) -> Result<Arc<dyn Engine>, EngineError> {
        Ok(match self {
            EngineName::Elasticsearch => {
                Arc::new(elasticsearch::Elasticsearch::new("elasticsearch"))
            }
            EngineName::OpenSearch => Arc::new(elasticsearch::Elasticsearch::new("opensearch")),
            EngineName::Meilisearch => Arc::new(meilisearch::Meilisearch),
            EngineName::Solr => Arc::new(solr::Solr),
            EngineName::Typesense => Arc::new(typesense::Typesense),
            EngineName::OpenSearchSuggest => Arc::new(opensearch_suggest::OpenSearchSuggest),
            EngineName::Generic => {
                let options = generic.ok_or_else(|| {
                    EngineError::Config(
                        "the generic adapter needs its options (hits, total, …)".into(),
                    )
                })?;
                Arc::new(generic::Generic::new(options.clone())?)
            }
            EngineName::Html => Arc::new(html::Html::new(generic)),
        })
    }
}
