//! Text normalisation shared by list entries and queries (owned by the detection core; issue 3).
