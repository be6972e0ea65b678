//! The secret of a sealed list: a 32-byte key, its public id, and the keyed hash (HMAC-SHA256
//! truncated to 128 bits) that turns a normalised form into an opaque list entry.

use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::SealedError;

/// Bytes of a key.
pub const KEY_BYTES: usize = 32;
/// What the key id is the keyed hash of; normalised entries never contain `-`, so no entry's
/// hash can equal it.
const ID_LABEL: &[u8] = b"searchward-sealed key-id";

/// A sealing key with the HMAC pads already absorbed (`Hmac` keeps its keyed state and is
/// cloned per hash), so each hash costs two compressions.
/// Its `Debug` output shows only the key id.
#[derive(Clone)]
pub struct SealKey {
    mac: Hmac<Sha256>,
    id: String,
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealKey").field("id", &self.id).finish()
    }
}

impl SealKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(key: &[u8; KEY_BYTES]) -> Self {
        Self::from_key(key)
    }

    /// A key of any length (HMAC hashes keys longer than a block).
    fn from_key(key: &[u8]) -> Self {
        // HMAC accepts a key of any length; this cannot fail.
        let mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC takes keys of any length"),
        };
        let mut k = SealKey {
            mac,
            id: String::new(),
        };
        k.id = hex::encode(&k.mac(ID_LABEL)[..8]);
        k
    }

    /// Parses a key file's text: 64 hex digits, surrounding white space ignored.
    ///
    /// # Errors
    /// [`SealedError::BadKey`] naming `path` when the text is not 64 hex digits.
    pub fn parse(text: &str, path: &Path) -> Result<Self, SealedError> {
        let mut key = [0u8; KEY_BYTES];
        hex::decode_to_slice(text.trim(), &mut key).map_err(|_| SealedError::BadKey {
            path: path.to_path_buf(),
        })?;
        Ok(Self::from_bytes(&key))
    }

    /// Reads and parses the key file at `path`.
    ///
    /// # Errors
    /// [`SealedError::ReadKey`] when it cannot be read, [`SealedError::BadKey`] when malformed.
    pub fn load(path: &Path) -> Result<Self, SealedError> {
        let text = std::fs::read_to_string(path).map_err(|source| SealedError::ReadKey {
            path: PathBuf::from(path),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// A new random key, as the hex text of a key file (with a final newline).
    ///
    /// # Errors
    /// [`SealedError::Random`] when the system has no randomness to give.
    pub fn generate_hex() -> Result<String, SealedError> {
        let mut key = [0u8; KEY_BYTES];
        getrandom::fill(&mut key).map_err(|e| SealedError::Random(e.to_string()))?;
        Ok(format!("{}\n", hex::encode(key)))
    }

    /// The key's public id: 16 hex digits, recorded in sealed files to catch a wrong key.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// HMAC-SHA256 of `data` under this key.
    fn mac(&self, data: &[u8]) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// The keyed hash of one normalised form: HMAC-SHA256 truncated to its first 128 bits.
    pub fn hash(&self, form: &[u8]) -> u128 {
        let mac = self.mac(form);
        let mut first = [0u8; 16];
        first.copy_from_slice(&mac[..16]);
        u128::from_be_bytes(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        // RFC 4231 test case 2 has a 4-byte key.
        let k = SealKey::from_key(b"Jefe");
        assert_eq!(
            hex::encode(k.mac(b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn key_files_parse_and_ids_differ() {
        let a = SealKey::parse(&format!("{}\n", "ab".repeat(32)), Path::new("k")).unwrap();
        let b = SealKey::parse(&"cd".repeat(32), Path::new("k")).unwrap();
        assert_eq!(a.id().len(), 16);
        assert_ne!(a.id(), b.id());
        assert_ne!(a.hash(b"zorvexil"), b.hash(b"zorvexil"));
        for bad in ["", "abcd", &"zz".repeat(32), &"ab".repeat(33)] {
            let err = SealKey::parse(bad, Path::new("k.key")).unwrap_err();
            assert!(err.to_string().contains("k.key"), "{bad}");
        }
        let fresh = SealKey::generate_hex().unwrap();
        assert_eq!(fresh.len(), 65);
        assert!(SealKey::parse(&fresh, Path::new("k")).is_ok());
    }
}
