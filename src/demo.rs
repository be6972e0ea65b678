//! The built-in demo search backend used by `searchward demo`.
