//! Access tokens: compact JWTs signed with HMAC-SHA256, with a key id (`kid`) in the header so
//! the signing key can rotate: new tokens are signed with the active key, tokens signed with a
//! previous key stay valid until they expire.
//!
//! Only `HS256` is accepted: `alg: none`, other algorithms, unknown key ids, bad signatures,
//! missing or past `exp` are all refused before any claim is trusted.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use thiserror::Error;

type HmacSha256 = Hmac<Sha256>;

/// One signing key and its id.
#[derive(Clone)]
pub struct SigningKey {
    pub id: String,
    secret: Vec<u8>,
}

impl SigningKey {
    /// A key from its secret bytes (at least 32); the id is a fingerprint of the secret unless
    /// given.
    pub fn new(secret: Vec<u8>, id: Option<String>) -> Result<Self, JwtKeyError> {
        if secret.len() < 32 {
            return Err(JwtKeyError::TooShort);
        }
        let id = id.unwrap_or_else(|| {
            let digest = Sha256::digest(&secret);
            digest[..8].iter().map(|b| format!("{b:02x}")).collect()
        });
        Ok(Self { id, secret })
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum JwtKeyError {
    #[error("a JWT signing key must be at least 32 bytes")]
    TooShort,
}

/// The active key and the previous ones still accepted.
#[derive(Debug, Clone)]
pub struct JwtKeys {
    active: SigningKey,
    previous: Vec<SigningKey>,
}

/// What an access token says. Permissions are not in it: they are read from the user's current
/// state on every request, so a revoked role or a disabled user takes effect at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user id.
    pub sub: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// Token id, for logs.
    pub jti: String,
    /// The session (refresh-token family) the token belongs to: revoking the session revokes
    /// it. Absent from tokens issued before sessions were named; those live out their 15 min.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// Why a token was refused. The message is safe to show to the client.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the access token is malformed")]
    Malformed,
    #[error("the access token uses an unsupported algorithm (only HS256)")]
    UnsupportedAlgorithm,
    #[error("the access token was signed with an unknown key")]
    UnknownKey,
    #[error("the access token's signature is invalid")]
    BadSignature,
    #[error("the access token has expired")]
    Expired,
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    typ: Option<String>,
    kid: Option<String>,
}

impl JwtKeys {
    pub fn new(active: SigningKey, previous: Vec<SigningKey>) -> Self {
        Self { active, previous }
    }

    pub fn active_key_id(&self) -> &str {
        &self.active.id
    }

    fn key(&self, id: &str) -> Option<&SigningKey> {
        std::iter::once(&self.active).chain(&self.previous).find(|k| k.id == id)
    }

    /// Signs the claims with the active key.
    pub fn sign(&self, claims: &AccessClaims) -> String {
        let header = Header {
            alg: "HS256".into(),
            typ: Some("JWT".into()),
            kid: Some(self.active.id.clone()),
        };
        let json =
            |value: Result<Vec<u8>, serde_json::Error>| URL_SAFE_NO_PAD.encode(value.expect("plain structs serialize"));
        let signing_input = format!(
            "{}.{}",
            json(serde_json::to_vec(&header)),
            json(serde_json::to_vec(claims))
        );
        let signature = mac(&self.active, signing_input.as_bytes()).finalize().into_bytes();
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    /// Verifies a token and returns its claims.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, TokenError> {
        let mut parts = token.split('.');
        let (Some(header_b64), Some(claims_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let header: Header = decode_json(header_b64)?;
        if header.alg != "HS256" {
            return Err(TokenError::UnsupportedAlgorithm);
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.key(kid))
            .ok_or(TokenError::UnknownKey)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature_b64)
            .map_err(|_| TokenError::Malformed)?;
        let signing_input = &token[..header_b64.len() + 1 + claims_b64.len()];
        mac(key, signing_input.as_bytes())
            .verify_slice(&signature)
            .map_err(|_| TokenError::BadSignature)?;
        let claims: AccessClaims = decode_json(claims_b64)?;
        if now.timestamp() >= claims.exp {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

fn mac(key: &SigningKey, input: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(&key.secret).expect("HMAC takes keys of any length");
    mac.update(input);
    mac
}

fn decode_json<T: for<'de> Deserialize<'de>>(part: &str) -> Result<T, TokenError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn key(byte: u8, id: &str) -> SigningKey {
        SigningKey::new(vec![byte; 32], Some(id.into())).unwrap()
    }

    fn claims(now: DateTime<Utc>) -> AccessClaims {
        AccessClaims {
            sub: "5f0e1c9a-0000-4000-8000-000000000001".into(),
            iat: now.timestamp(),
            exp: (now + Duration::minutes(15)).timestamp(),
            jti: "t1".into(),
            sid: Some("0193a6f1c2d37b6e8a4f000000000001".into()),
        }
    }

    #[test]
    fn signed_tokens_verify_until_they_expire() {
        let now = Utc::now();
        let keys = JwtKeys::new(key(1, "k1"), vec![]);
        let token = keys.sign(&claims(now));
        assert_eq!(keys.verify(&token, now).unwrap(), claims(now));
        assert_eq!(
            keys.verify(&token, now + Duration::minutes(15)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn rotation_keeps_old_tokens_valid_and_unknown_keys_fail() {
        let now = Utc::now();
        let old = JwtKeys::new(key(1, "k1"), vec![]);
        let token = old.sign(&claims(now));
        let rotated = JwtKeys::new(key(2, "k2"), vec![key(1, "k1")]);
        assert!(rotated.verify(&token, now).is_ok());
        assert!(rotated.sign(&claims(now)).len() > 10);
        let forgotten = JwtKeys::new(key(2, "k2"), vec![]);
        assert_eq!(forgotten.verify(&token, now), Err(TokenError::UnknownKey));
    }

    #[test]
    fn forged_tokens_are_refused() {
        let now = Utc::now();
        let keys = JwtKeys::new(key(1, "k1"), vec![]);
        let token = keys.sign(&claims(now));
        let (header, rest) = token.split_once('.').unwrap();
        let (payload, _signature) = rest.split_once('.').unwrap();

        // Signed with another secret under the same key id.
        let other = JwtKeys::new(key(9, "k1"), vec![]);
        assert_eq!(
            keys.verify(&other.sign(&claims(now)), now),
            Err(TokenError::BadSignature)
        );

        // alg: none, with and without a signature.
        let none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT","kid":"k1"}"#);
        assert_eq!(
            keys.verify(&format!("{none}.{payload}."), now),
            Err(TokenError::UnsupportedAlgorithm)
        );
        // HS512 header.
        let hs512 = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS512","kid":"k1"}"#);
        assert_eq!(
            keys.verify(&format!("{hs512}.{payload}.AAAA"), now),
            Err(TokenError::UnsupportedAlgorithm)
        );

        // Claims swapped under a valid signature.
        let mut later = claims(now);
        later.exp += 3600;
        let tampered = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&later).unwrap());
        let signature = token.rsplit('.').next().unwrap();
        assert_eq!(
            keys.verify(&format!("{header}.{tampered}.{signature}"), now),
            Err(TokenError::BadSignature)
        );

        for garbage in ["", "a.b", "a.b.c.d", "!!.!!.!!"] {
            assert!(keys.verify(garbage, now).is_err(), "{garbage}");
        }
    }

    #[test]
    fn keys_shorter_than_32_bytes_are_refused() {
        assert_eq!(SigningKey::new(vec![0; 31], None).unwrap_err(), JwtKeyError::TooShort);
        let derived = SigningKey::new(vec![7; 32], None).unwrap();
        assert_eq!(derived.id.len(), 16);
        assert!(!format!("{derived:?}").contains("7, 7"));
    }
}
