//! The secrets store: credentials other contexts need (supplier logins, marketplace API
//! tokens), encrypted at rest with AES-256-GCM.
//!
//! - [`SecretKeyRing`]: the active key (encrypts) and previous keys (still decrypt); each key's
//!   id is a fingerprint stored with every secret, so keys rotate without guessing;
//! - [`SecretStore`]: put (write-only through the API), list metadata, reveal (for adapters
//!   that must send the credential, never for the API), re-encrypt under the active key.
//!
//! Events and read models refer to a secret by its id only. [`SecretValue`] never prints.

mod cipher;
mod store;

pub use cipher::{KeyRingError, SecretKey, SecretKeyRing};
pub use store::{SecretError, SecretId, SecretMetadata, SecretStore, SecretValue};
