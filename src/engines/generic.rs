//! Generic JSON adapter (stub until the adapters land).

use serde::Deserialize;

/// Options of the generic adapter.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenericOptions {
    /// Query parameter holding the user's text.
    #[serde(default)]
    pub query_param: Option<String>,
}
