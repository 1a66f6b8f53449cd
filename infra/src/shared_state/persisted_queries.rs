//! Persisted queries: query texts known by their SHA-256, so a client sends the hash instead
//! of the text (Apollo's automatic persisted queries), and a production edge can refuse every
//! text that was not registered in advance (the allow-list).
//!
//! Two kinds, kept apart because only one of them is a security boundary:
//! - *automatic* entries, remembered from any client that sent a text with its hash: held in
//!   this process and, with Redis, shared by every replica for [`AUTOMATIC_TTL`]; losing them
//!   costs one extra round trip (the client resends the text);
//! - *registered* entries (`gomarket persisted-queries register`), the allow-list: stored in
//!   PostgreSQL, durable, and the only texts `GOMARKET_PERSISTED_QUERIES_ONLY=true` runs.

use super::store::SharedStore;
use redis::AsyncCommands as _;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long an automatically persisted text is kept in Redis after its last registration.
pub const AUTOMATIC_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// Texts remembered in the process before the map is emptied.
const MAX_LOCAL: usize = 10_000;
/// Longest query text accepted for registration (the body limit bounds the automatic ones).
pub const MAX_QUERY_BYTES: usize = 256 * 1024;

/// The lowercase hex SHA-256 of a query text, as Apollo clients send it.
pub fn query_hash(query: &str) -> String {
    Sha256::digest(query.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `hash` looks like a SHA-256 in hex (anything else is never looked up).
pub fn is_hash(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

#[derive(Debug, thiserror::Error)]
pub enum PersistedQueryError {
    #[error("the allow-list could not be read")]
    Database(#[from] sqlx::Error),
}

/// Where query texts are found by hash.
#[derive(Debug)]
pub struct PersistedQueries {
    pool: PgPool,
    shared: Option<SharedStore>,
    /// Texts seen by this process, automatic or registered (`true`: registered).
    local: Mutex<HashMap<String, (Arc<str>, bool)>>,
}

impl PersistedQueries {
    pub fn new(pool: PgPool, shared: Option<SharedStore>) -> Self {
        Self {
            pool,
            shared,
            local: Mutex::new(HashMap::new()),
        }
    }

    fn remember_locally(&self, hash: &str, query: Arc<str>, registered: bool) {
        let mut local = self.local.lock().unwrap_or_else(|p| p.into_inner());
        if local.len() >= MAX_LOCAL {
            local.clear();
        }
        local.insert(hash.to_owned(), (query, registered));
    }

    fn local(&self, hash: &str) -> Option<(Arc<str>, bool)> {
        self.local.lock().unwrap_or_else(|p| p.into_inner()).get(hash).cloned()
    }

    /// The registered (allow-listed) text of `hash`, if any.
    pub async fn registered(&self, hash: &str) -> Result<Option<Arc<str>>, PersistedQueryError> {
        if let Some((query, true)) = self.local(hash) {
            return Ok(Some(query));
        }
        if !is_hash(hash) {
            return Ok(None);
        }
        let query: Option<String> = sqlx::query_scalar("SELECT query FROM persisted_queries WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(query.map(|query| {
            let query: Arc<str> = query.into();
            self.remember_locally(hash, query.clone(), true);
            query
        }))
    }

    /// The text of `hash`, automatic or registered.
    pub async fn find(&self, hash: &str) -> Result<Option<Arc<str>>, PersistedQueryError> {
        if let Some((query, _)) = self.local(hash) {
            return Ok(Some(query));
        }
        if !is_hash(hash) {
            return Ok(None);
        }
        if let Some(shared) = &self.shared {
            let key = shared.key(&format!("pq:{hash}"));
            match shared
                .run(|mut connection| async move { connection.get::<_, Option<String>>(key).await })
                .await
            {
                // The key is the text's hash: a text found under it is checked all the same,
                // since anyone who can write to Redis could otherwise swap a query.
                Ok(Some(query)) if query_hash(&query) == hash => {
                    let query: Arc<str> = query.into();
                    self.remember_locally(hash, query.clone(), false);
                    return Ok(Some(query));
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::debug!(%error, "persisted query not looked up in redis");
                    shared.metrics().record_redis_fallback("persisted_queries");
                }
            }
        }
        self.registered(hash).await
    }

    /// Remembers a text a client sent with its hash (the caller checked the hash), here and,
    /// with Redis, for every replica.
    pub async fn remember(&self, hash: &str, query: &str) {
        if self.local(hash).is_some() {
            return;
        }
        self.remember_locally(hash, query.into(), false);
        if let Some(shared) = &self.shared {
            let key = shared.key(&format!("pq:{hash}"));
            let query = query.to_owned();
            let stored = shared
                .run(|mut connection| async move {
                    connection.set_ex::<_, _, ()>(key, query, AUTOMATIC_TTL.as_secs()).await
                })
                .await;
            if let Err(error) = stored {
                tracing::debug!(%error, "persisted query not shared through redis");
                shared.metrics().record_redis_fallback("persisted_queries");
            }
        }
    }
}

/// Registers `query` in the allow-list; its hash.
pub async fn register(pool: &PgPool, query: &str, operation_name: Option<&str>) -> Result<String, sqlx::Error> {
    let hash = query_hash(query);
    sqlx::query(
        "INSERT INTO persisted_queries (hash, query, operation_name) VALUES ($1, $2, $3)
         ON CONFLICT (hash) DO NOTHING",
    )
    .bind(&hash)
    .bind(query)
    .bind(operation_name)
    .execute(pool)
    .await?;
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_as_apollo_clients_do() {
        // sha256("{__typename}"), as computed by Apollo Client's `sha256` link.
        assert_eq!(
            query_hash("{__typename}"),
            "ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"
        );
        assert!(is_hash(&query_hash("query { a }")));
        assert!(!is_hash("abc"));
        assert!(!is_hash(&"z".repeat(64)));
    }
}
