use super::cipher::{KeyRingError, SecretKeyRing};
use crate::event_store::StoreError;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::fmt;
use uuid::Uuid;

/// A secret's id: what events and read models store instead of the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretId(pub Uuid);

impl fmt::Display for SecretId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A secret's plaintext. Never printed, never serialized.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(***)")
    }
}

/// What may be known about a secret without its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMetadata {
    pub id: SecretId,
    pub name: String,
    pub key_id: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub rotated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("secret not found")]
    NotFound,
    #[error(transparent)]
    Key(#[from] KeyRingError),
    #[error("secrets store failure")]
    Store(#[source] StoreError),
}

impl From<sqlx::Error> for SecretError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::new(e))
    }
}

/// Encrypted credentials in PostgreSQL.
#[derive(Debug, Clone)]
pub struct SecretStore {
    pool: PgPool,
    keys: SecretKeyRing,
}

type Row = (Uuid, String, String, DateTime<Utc>, String, Option<DateTime<Utc>>);

fn metadata((id, name, key_id, created_at, created_by, rotated_at): Row) -> SecretMetadata {
    SecretMetadata {
        id: SecretId(id),
        name,
        key_id,
        created_at,
        created_by,
        rotated_at,
    }
}

impl SecretStore {
    pub fn new(pool: PgPool, keys: SecretKeyRing) -> Self {
        Self { pool, keys }
    }

    /// Stores a new secret, encrypted with the active key.
    pub async fn put(&self, name: &str, value: &SecretValue, created_by: &str) -> Result<SecretMetadata, SecretError> {
        let id = Uuid::now_v7();
        let (key_id, nonce, ciphertext) = self.keys.encrypt(value.expose().as_bytes(), id.as_bytes());
        let row: Row = sqlx::query_as(
            "INSERT INTO secrets (id, name, key_id, nonce, ciphertext, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, now(), $6)
             RETURNING id, name, key_id, created_at, created_by, rotated_at",
        )
        .bind(id)
        .bind(name)
        .bind(&key_id)
        .bind(nonce)
        .bind(ciphertext)
        .bind(created_by)
        .fetch_one(&self.pool)
        .await?;
        tracing::info!(secret_id = %id, key_id, "secret stored");
        Ok(metadata(row))
    }

    pub async fn metadata(&self, id: SecretId) -> Result<SecretMetadata, SecretError> {
        sqlx::query_as::<_, Row>(
            "SELECT id, name, key_id, created_at, created_by, rotated_at FROM secrets WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .map(metadata)
        .ok_or(SecretError::NotFound)
    }

    /// A page of secrets' metadata, newest first, after the given id.
    pub async fn list(&self, limit: i64, after: Option<Uuid>) -> Result<(Vec<SecretMetadata>, i64), SecretError> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, name, key_id, created_at, created_by, rotated_at FROM secrets
              WHERE $2::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM secrets WHERE id = $2)
              ORDER BY created_at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .bind(after)
        .fetch_all(&self.pool)
        .await?;
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM secrets")
            .fetch_one(&self.pool)
            .await?;
        Ok((rows.into_iter().map(metadata).collect(), total))
    }

    /// The plaintext, for an adapter that must present the credential to a supplier or a
    /// marketplace. Never exposed through the API.
    pub async fn reveal(&self, id: SecretId) -> Result<SecretValue, SecretError> {
        let row: Option<(String, Vec<u8>, Vec<u8>)> =
            sqlx::query_as("SELECT key_id, nonce, ciphertext FROM secrets WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?;
        let (key_id, nonce, ciphertext) = row.ok_or(SecretError::NotFound)?;
        let plaintext = self.keys.decrypt(&key_id, &nonce, &ciphertext, id.0.as_bytes())?;
        String::from_utf8(plaintext)
            .map(SecretValue)
            .map_err(|_| SecretError::Key(KeyRingError::Undecryptable))
    }

    /// Re-encrypts every secret not under the active key; returns how many. Run after adding
    /// a new active key (the old one moved to the previous keys), then drop the old key.
    pub async fn rotate(&self) -> Result<u64, SecretError> {
        let ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM secrets WHERE key_id <> $1")
            .bind(self.keys.active_id())
            .fetch_all(&self.pool)
            .await?;
        let mut rotated = 0;
        for id in ids {
            let value = self.reveal(SecretId(id)).await?;
            let (key_id, nonce, ciphertext) = self.keys.encrypt(value.expose().as_bytes(), id.as_bytes());
            rotated += sqlx::query(
                "UPDATE secrets SET key_id = $2, nonce = $3, ciphertext = $4, rotated_at = now() WHERE id = $1",
            )
            .bind(id)
            .bind(key_id)
            .bind(nonce)
            .bind(ciphertext)
            .execute(&self.pool)
            .await?
            .rows_affected();
        }
        Ok(rotated)
    }
}
