//! Signing and encryption keys: from configuration, or — when none is configured, as on a
//! developer's machine — generated once and kept in the database, so every process on that
//! database agrees. Production sets both (see docs/operations in the README).

use crate::cli::SecurityArgs;
use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gomarket_infra::identity::credentials::instance_key;
use gomarket_infra::identity::{JwtKeys, SigningKey};
use gomarket_infra::secrets::{SecretKey, SecretKeyRing};
use sqlx::PgPool;

/// A JWT secret as configured: `base64:<...>` or the text's bytes.
fn jwt_secret_bytes(raw: &str) -> anyhow::Result<Vec<u8>> {
    match raw.trim().strip_prefix("base64:") {
        Some(encoded) => STANDARD.decode(encoded).context("GOMARKET_JWT_SECRET: bad base64"),
        None => Ok(raw.trim().as_bytes().to_vec()),
    }
}

fn list(raw: Option<&str>) -> impl Iterator<Item = &str> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

pub async fn jwt_keys(args: &SecurityArgs, pool: &PgPool) -> anyhow::Result<JwtKeys> {
    let active = match args.jwt_secret.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(raw) => SigningKey::new(jwt_secret_bytes(raw)?, None).context("GOMARKET_JWT_SECRET")?,
        None => {
            tracing::warn!(
                "GOMARKET_JWT_SECRET is not set: using a signing key generated for this database (fine for development, set it in production)"
            );
            SigningKey::new(instance_key(pool, "jwt", 32).await?, None)?
        }
    };
    let previous = list(args.jwt_previous_secrets.as_deref())
        .map(|raw| SigningKey::new(jwt_secret_bytes(raw)?, None).context("GOMARKET_JWT_PREVIOUS_SECRETS"))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(JwtKeys::new(active, previous))
}

fn secret_key(raw: &str, variable: &str) -> anyhow::Result<SecretKey> {
    let bytes = STANDARD
        .decode(raw.trim())
        .with_context(|| format!("{variable}: not base64"))?;
    SecretKey::new(&bytes).with_context(|| variable.to_owned())
}

pub async fn secret_keys(args: &SecurityArgs, pool: &PgPool) -> anyhow::Result<SecretKeyRing> {
    let active = match args.secret_key.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(raw) => secret_key(raw, "GOMARKET_SECRET_KEY")?,
        None => {
            tracing::warn!(
                "GOMARKET_SECRET_KEY is not set: secrets are encrypted with a key generated for this database (fine for development, set it in production)"
            );
            SecretKey::new(&instance_key(pool, "secrets", 32).await?)?
        }
    };
    let previous = list(args.secret_previous_keys.as_deref())
        .map(|raw| secret_key(raw, "GOMARKET_SECRET_PREVIOUS_KEYS"))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(SecretKeyRing::new(active, previous))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_secrets_as_text_or_base64() {
        assert_eq!(jwt_secret_bytes("abc").unwrap(), b"abc");
        assert_eq!(jwt_secret_bytes("base64:YWJj").unwrap(), b"abc");
        assert!(jwt_secret_bytes("base64:***").is_err());
        assert!(secret_key("AAAA", "X").is_err(), "3 bytes is not an AES-256 key");
        assert!(secret_key(&STANDARD.encode([7u8; 32]), "X").is_ok());
    }
}
