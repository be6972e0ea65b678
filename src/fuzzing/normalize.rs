//! Fuzz entry points for the normaliser.

// === normaliser ===

/// Normalising never panics, and the output is at most 18 characters per input character (the
/// longest compatibility decomposition).
pub fn normalize(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let chars = text.chars().count();
    let canonical = crate::normalize::canonical(text);
    let skeleton = crate::normalize::skeleton(text);
    assert!(
        canonical.chars().count() <= 18 * chars,
        "canonical grew: {text:?}"
    );
    assert!(
        skeleton.chars().count() <= 18 * chars,
        "skeleton grew: {text:?}"
    );
}

/// Normalising a normal form changes nothing (documented on `canonical` and `skeleton`).
pub fn normalize_idempotent(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let canonical = crate::normalize::canonical(text);
    assert_eq!(
        crate::normalize::canonical(&canonical),
        canonical,
        "canonical of {text:?}"
    );
    let skeleton = crate::normalize::skeleton(text);
    assert_eq!(
        crate::normalize::skeleton(&skeleton),
        skeleton,
        "skeleton of {text:?}"
    );
}
