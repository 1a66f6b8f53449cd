use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use sha2::{Digest, Sha256};
use std::fmt;

/// One AES-256 key with its fingerprint id.
#[derive(Clone)]
pub struct SecretKey {
    pub id: String,
    key: [u8; 32],
}

impl SecretKey {
    pub fn new(bytes: &[u8]) -> Result<Self, KeyRingError> {
        let key: [u8; 32] = bytes.try_into().map_err(|_| KeyRingError::WrongLength(bytes.len()))?;
        let digest = Sha256::digest(key);
        let id = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self { id, key })
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyRingError {
    #[error("a secrets key must be 32 bytes (base64 of 32 bytes), got {0}")]
    WrongLength(usize),
    #[error("no key with id {0} is configured; add it to the previous keys")]
    UnknownKey(String),
    #[error("the secret could not be decrypted (wrong key or tampered row)")]
    Undecryptable,
}

/// The active key and the older ones still accepted for decryption.
#[derive(Debug, Clone)]
pub struct SecretKeyRing {
    active: SecretKey,
    previous: Vec<SecretKey>,
}

impl SecretKeyRing {
    pub fn new(active: SecretKey, previous: Vec<SecretKey>) -> Self {
        Self { active, previous }
    }

    pub fn active_id(&self) -> &str {
        &self.active.id
    }

    /// Encrypts with the active key; returns (key id, nonce, ciphertext). `aad` binds the
    /// ciphertext to its row (the secret's id), so rows cannot be swapped.
    pub fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> (String, Vec<u8>, Vec<u8>) {
        let nonce_bytes = crate::identity::credentials::random_bytes(12);
        let cipher = Aes256Gcm::new(&self.active.key.into());
        let ciphertext = cipher
            .encrypt(Nonce::from_slice(&nonce_bytes), Payload { msg: plaintext, aad })
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        (self.active.id.clone(), nonce_bytes, ciphertext)
    }

    pub fn decrypt(&self, key_id: &str, nonce: &[u8], ciphertext: &[u8], aad: &[u8]) -> Result<Vec<u8>, KeyRingError> {
        let key = std::iter::once(&self.active)
            .chain(&self.previous)
            .find(|k| k.id == key_id)
            .ok_or_else(|| KeyRingError::UnknownKey(key_id.to_owned()))?;
        if nonce.len() != 12 {
            return Err(KeyRingError::Undecryptable);
        }
        Aes256Gcm::new(&key.key.into())
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad })
            .map_err(|_| KeyRingError::Undecryptable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_rotation_and_tampering() {
        let old = SecretKey::new(&[1; 32]).unwrap();
        let new = SecretKey::new(&[2; 32]).unwrap();
        let ring = SecretKeyRing::new(old.clone(), vec![]);
        let (key_id, nonce, ciphertext) = ring.encrypt(b"wb-token-123", b"row-1");
        assert_eq!(key_id, old.id);
        assert!(!ciphertext.windows(12).any(|w| w == b"wb-token-123"));
        assert_eq!(
            ring.decrypt(&key_id, &nonce, &ciphertext, b"row-1").unwrap(),
            b"wb-token-123"
        );
        // Another row's id as associated data: refused.
        assert_eq!(
            ring.decrypt(&key_id, &nonce, &ciphertext, b"row-2"),
            Err(KeyRingError::Undecryptable)
        );
        // After rotation the old key still decrypts; without it, the id is named.
        let rotated = SecretKeyRing::new(new.clone(), vec![old.clone()]);
        assert_eq!(
            rotated.decrypt(&key_id, &nonce, &ciphertext, b"row-1").unwrap(),
            b"wb-token-123"
        );
        let forgotten = SecretKeyRing::new(new, vec![]);
        assert_eq!(
            forgotten.decrypt(&key_id, &nonce, &ciphertext, b"row-1"),
            Err(KeyRingError::UnknownKey(old.id.clone()))
        );
        let mut flipped = ciphertext.clone();
        flipped[0] ^= 1;
        assert_eq!(
            ring.decrypt(&key_id, &nonce, &flipped, b"row-1"),
            Err(KeyRingError::Undecryptable)
        );
        assert_eq!(SecretKey::new(&[0; 16]).unwrap_err(), KeyRingError::WrongLength(16));
    }
}
