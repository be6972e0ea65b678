//! The false-positive gate: a new snapshot must not flag more than a budget of a benign query
//! corpus, nor any query of a must-pass canary set. A typo in a list must not take a search
//! engine's ordinary traffic down, so a snapshot over budget is refused like a broken one.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::lists::parse_file;
use crate::snapshot::Snapshot;
use crate::verdict::Action;

/// `[gate]` config.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateConfig {
    /// Benign queries, one per line.
    pub benign: PathBuf,
    /// Largest share of benign queries that may be flagged (signpost or block), e.g. 0.001.
    #[serde(default = "default_rate")]
    pub max_flagged_rate: f64,
    /// Queries that must never be flagged.
    #[serde(default)]
    pub canaries: Option<PathBuf>,
}

fn default_rate() -> f64 {
    0.001
}

/// Why a snapshot was refused by the gate (counts only, never the queries).
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// A corpus file could not be read.
    #[error("gate: {0}")]
    Corpus(#[from] crate::lists::ParseError),
    /// Too many benign queries flagged.
    #[error("gate: new lists flag {flagged} of {total} benign queries (budget {budget})")]
    OverBudget {
        /// Flagged queries.
        flagged: usize,
        /// Corpus size.
        total: usize,
        /// Allowed count.
        budget: usize,
    },
    /// A canary query was flagged.
    #[error("gate: new lists flag {0} must-pass canary queries")]
    Canary(usize),
}

/// A loaded gate.
#[derive(Clone, Debug)]
pub struct Gate {
    benign: Vec<String>,
    canaries: Vec<String>,
    max_rate: f64,
}

impl Gate {
    /// Loads the corpora named in `config` (relative paths against `base`).
    ///
    /// # Errors
    /// [`GateError::Corpus`] when a file cannot be read.
    pub fn load(config: &GateConfig, base: &Path) -> Result<Gate, GateError> {
        let read = |p: &Path| -> Result<Vec<String>, GateError> {
            Ok(parse_file(&base.join(p))?
                .into_iter()
                .map(|e| e.text)
                .collect())
        };
        Ok(Gate {
            benign: read(&config.benign)?,
            canaries: config
                .canaries
                .as_deref()
                .map(read)
                .transpose()?
                .unwrap_or_default(),
            max_rate: config.max_flagged_rate.max(0.0),
        })
    }

    /// A gate over in-memory corpora.
    pub fn new(benign: Vec<String>, canaries: Vec<String>, max_rate: f64) -> Gate {
        Gate {
            benign,
            canaries,
            max_rate,
        }
    }

    /// Checks a snapshot against the budget.
    ///
    /// # Errors
    /// [`GateError::OverBudget`] or [`GateError::Canary`].
    pub fn check(&self, snapshot: &Snapshot) -> Result<(), GateError> {
        let flagged = |q: &String| snapshot.check_text(q).action >= Action::Signpost;
        let canaries = self.canaries.iter().filter(|q| flagged(q)).count();
        if canaries > 0 {
            return Err(GateError::Canary(canaries));
        }
        let n = self.benign.iter().filter(|q| flagged(q)).count();
        let budget = (self.benign.len() as f64 * self.max_rate).floor() as usize;
        if n > budget {
            return Err(GateError::OverBudget {
                flagged: n,
                total: self.benign.len(),
                budget,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lists::ListSource;
    use crate::lists::{ListKind, ListSpec};

    fn snapshot(terms: &str) -> Snapshot {
        let spec = ListSpec::from_flag(ListKind::Terms, "t.txt".into());
        Snapshot::build(vec![ListSource::new(spec, terms.as_bytes().to_vec())]).unwrap()
    }

    #[test]
    fn budget_and_canaries() {
        let benign: Vec<String> = (0..1000).map(|i| format!("garden tips {i}")).collect();
        let gate = Gate::new(benign.clone(), vec!["weather today".into()], 0.001);
        assert!(gate.check(&snapshot("zorvexil\n")).is_ok());
        // A typo that turns an ordinary word into an entry takes ordinary traffic down: refused.
        let err = gate.check(&snapshot("zorvexil\ngarden\n")).unwrap_err();
        assert!(
            matches!(
                err,
                GateError::OverBudget {
                    flagged: 1000,
                    total: 1000,
                    budget: 1
                }
            ),
            "{err}"
        );
        assert!(
            !err.to_string().contains("garden"),
            "gate errors carry counts, not queries"
        );
        let err = gate.check(&snapshot("weather\n")).unwrap_err();
        assert!(matches!(err, GateError::Canary(1)));
        // One flagged query in 1000 is within a 0.1 % budget.
        let mut one = benign;
        one[0] = "zorvexil tips".into();
        assert!(
            Gate::new(one, vec![], 0.001)
                .check(&snapshot("zorvexil\n"))
                .is_ok()
        );
    }
}
