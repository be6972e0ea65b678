//! Bundle signatures: a detached minisign (ed25519) signature over the manifest bytes, checked
//! against the trusted public keys of a [`TrustPolicy`].
//!
//! The manifest carries every list's SHA-256, so one signature over it covers the whole bundle
//! (no mixing lists from two signed bundles).

use minisign_verify::Signature;

/// A trusted minisign public key.
pub use minisign_verify::PublicKey;

/// The detached signature's file name inside a bundle directory.
pub const SIGNATURE_FILE: &str = "manifest.toml.minisig";

/// Default cap on the bytes of one bundle (manifest and lists together): 512 MiB.
pub const DEFAULT_MAX_TOTAL_BYTES: u64 = 512 << 20;

/// What a loader requires of a bundle before accepting it.
#[derive(Clone, Debug)]
pub struct TrustPolicy {
    /// Trusted signing keys. When non-empty, unsigned or badly signed bundles are refused.
    pub keys: Vec<PublicKey>,
    /// Refuse bundles whose `serial` is lower (rollback to an older bundle).
    pub min_serial: Option<u64>,
    /// Refuse bundles whose files add up to more bytes (endless or oversized data).
    pub max_total_bytes: u64,
    /// Accept lists with no entries. Off by default: an emptied list disables its filtering.
    pub allow_empty_lists: bool,
}

impl Default for TrustPolicy {
    fn default() -> Self {
        TrustPolicy {
            keys: Vec::new(),
            min_serial: None,
            max_total_bytes: DEFAULT_MAX_TOTAL_BYTES,
            allow_empty_lists: false,
        }
    }
}

/// Why a bundle's signature was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// Keys are configured but the bundle has no signature file.
    #[error("bundle is not signed ({SIGNATURE_FILE} missing) but trusted keys are configured")]
    Missing,
    /// The signature file is not a minisign signature.
    #[error("{SIGNATURE_FILE} is not a valid minisign signature")]
    Malformed(#[source] minisign_verify::Error),
    /// The signature was made by a key that is not trusted.
    #[error("signed by key {key_id}, which is not a trusted key")]
    UntrustedKey {
        /// Key id (hex) named in the signature.
        key_id: String,
    },
    /// The signature does not match the manifest.
    #[error("signature does not match the manifest")]
    Invalid(#[source] minisign_verify::Error),
    /// A public key could not be read.
    #[error("not a minisign public key")]
    BadPublicKey(#[source] minisign_verify::Error),
}

/// Parses a trusted public key: either the base64 line (`RW…`) or the whole `minisign.pub`
/// text (an untrusted comment line, then the key).
///
/// # Errors
/// [`SignatureError::BadPublicKey`] when it is neither.
pub fn parse_public_key(text: &str) -> Result<PublicKey, SignatureError> {
    let text = text.trim();
    if text.lines().count() > 1 {
        PublicKey::decode(text)
    } else {
        PublicKey::from_base64(text)
    }
    .map_err(SignatureError::BadPublicKey)
}

/// Verifies `signature` (the text of a `.minisig` file) over `manifest` with the first trusted
/// key it was made with; returns that key's id in hex.
///
/// # Errors
/// [`SignatureError::Malformed`], [`SignatureError::UntrustedKey`] or
/// [`SignatureError::Invalid`].
pub fn verify(
    manifest: &[u8],
    signature: &str,
    keys: &[PublicKey],
) -> Result<String, SignatureError> {
    let sig = Signature::decode(signature).map_err(SignatureError::Malformed)?;
    let mut last = None;
    for key in keys {
        // Legacy (non-prehashed) signatures are refused: current minisign never makes them.
        match key.verify(manifest, &sig, false) {
            Ok(()) => return Ok(key_id_hex(signature).unwrap_or_default()),
            Err(minisign_verify::Error::UnexpectedKeyId) => {}
            Err(e) => last = Some(e),
        }
    }
    match last {
        Some(e) => Err(SignatureError::Invalid(e)),
        None => Err(SignatureError::UntrustedKey {
            key_id: key_id_hex(signature).unwrap_or_else(|| "(unknown)".into()),
        }),
    }
}

/// The key id of a signature as minisign prints it (16 upper-case hex digits, little-endian).
fn key_id_hex(signature: &str) -> Option<String> {
    use std::fmt::Write;
    let line = signature.lines().nth(1)?;
    use base64::Engine as _;
    let bin = base64::engine::general_purpose::STANDARD
        .decode(line.trim())
        .ok()?;
    let id = bin.get(2..10)?;
    let mut out = String::with_capacity(16);
    for b in id.iter().rev() {
        let _ = write!(out, "{b:02X}");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Pair {
        public: String,
        secret: minisign::SecretKey,
    }

    fn pair() -> Pair {
        let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        Pair {
            public: kp.pk.to_base64(),
            secret: kp.sk,
        }
    }

    fn sign(pair: &Pair, data: &[u8]) -> String {
        minisign::sign(None, &pair.secret, data, None, None)
            .unwrap()
            .into_string()
    }

    #[test]
    fn verify_table() {
        let (a, b) = (pair(), pair());
        let ka = parse_public_key(&a.public).unwrap();
        let kb = parse_public_key(&b.public).unwrap();
        let data = b"version = \"v1\"\n";
        let good = sign(&a, data);
        // (case, signed data, signature text, trusted keys, expected error text)
        type Case<'a> = (
            &'a str,
            &'a [u8],
            &'a str,
            Vec<PublicKey>,
            Result<(), &'a str>,
        );
        let cases: &[Case<'_>] = &[
            ("good", data, &good, vec![ka.clone()], Ok(())),
            (
                "good, second key",
                data,
                &good,
                vec![kb.clone(), ka.clone()],
                Ok(()),
            ),
            (
                "other data",
                b"version = \"v2\"\n",
                &good,
                vec![ka.clone()],
                Err("does not match"),
            ),
            (
                "untrusted key",
                data,
                &good,
                vec![kb.clone()],
                Err("not a trusted key"),
            ),
            (
                "garbage",
                data,
                "hello\nworld\n",
                vec![ka.clone()],
                Err("not a valid minisign"),
            ),
        ];
        for (name, data, sig, keys, want) in cases {
            let got = verify(data, sig, keys);
            match (got, want) {
                (Ok(id), Ok(())) => assert_eq!(id.len(), 16, "{name}"),
                (Err(e), Err(w)) => assert!(e.to_string().contains(w), "{name}: {e}"),
                (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn public_key_forms() {
        let a = pair();
        assert!(parse_public_key(&a.public).is_ok());
        let file = format!("untrusted comment: minisign public key\n{}\n", a.public);
        assert!(parse_public_key(&file).is_ok());
        assert!(parse_public_key("not a key").is_err());
    }
}
