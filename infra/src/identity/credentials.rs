//! Stored credential hashes: users' passwords and API keys' secrets.

use gomarket_domain::identity::{ApiKeyId, UserId};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use subtle::ConstantTimeEq;

pub async fn set_password_hash(pool: &PgPool, user: UserId, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO user_passwords (user_id, password_hash, changed_at) VALUES ($1, $2, now())
         ON CONFLICT (user_id) DO UPDATE SET password_hash = EXCLUDED.password_hash, changed_at = now()",
    )
    .bind(user.as_uuid())
    .bind(hash)
    .execute(pool)
    .await
    .map(drop)
}

pub async fn password_hash(pool: &PgPool, user: UserId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT password_hash FROM user_passwords WHERE user_id = $1")
        .bind(user.as_uuid())
        .fetch_optional(pool)
        .await
}

/// SHA-256 of a high-entropy secret (API key secrets, refresh tokens).
pub fn secret_digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Compares two digests in constant time.
pub fn digests_match(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

pub async fn set_api_key_hash(pool: &PgPool, key: ApiKeyId, digest: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO api_key_hashes (key_id, secret_hash) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING")
        .bind(key.as_uuid())
        .bind(digest)
        .execute(pool)
        .await
        .map(drop)
}

pub async fn api_key_hash(pool: &PgPool, key: ApiKeyId) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT secret_hash FROM api_key_hashes WHERE key_id = $1")
        .bind(key.as_uuid())
        .fetch_optional(pool)
        .await
}

/// `len` bytes from the operating system's CSPRNG.
pub fn random_bytes(len: usize) -> Vec<u8> {
    use rand::RngCore as _;
    let mut bytes = vec![0; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// The instance key `name`, generated (`len` random bytes) and stored on first use. Every
/// process on the database gets the same key; concurrent first uses agree on one.
pub async fn instance_key(pool: &PgPool, name: &str, len: usize) -> Result<Vec<u8>, sqlx::Error> {
    sqlx::query("INSERT INTO instance_keys (name, key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(random_bytes(len))
        .execute(pool)
        .await?;
    sqlx::query_scalar("SELECT key FROM instance_keys WHERE name = $1")
        .bind(name)
        .fetch_one(pool)
        .await
}
