//! Google Safe Browsing v4 URL canonicalisation and lookup expressions (issue 5).
