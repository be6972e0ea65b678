//! Append-only evidence records of URL and hash matches, for reports (issue 5).
