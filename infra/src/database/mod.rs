//! Connecting to PostgreSQL: one pool per process, the database created on first start;
//! [`advisory_lock`]: the session locks every role uses to own something across replicas.
//! [`begin`]: every transaction, begun so that a cancelled caller cannot leave it open.

use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres};
use std::str::FromStr;
use std::time::Duration;
use thiserror::Error;

pub mod advisory_lock;
pub mod private_cluster;
pub mod transaction;

pub use advisory_lock::{LockKey, LockSession, advisory_key};
pub use private_cluster::{PrivateCluster, PrivateClusterError, private_unless_answering};
pub use transaction::{begin, begin_on};

/// Whether the database answers a trivial query within `within` (health checks, the edge's
/// outage probe).
pub async fn answers(pool: &PgPool, within: Duration) -> bool {
    matches!(
        tokio::time::timeout(within, sqlx::query("SELECT 1").execute(pool)).await,
        Ok(Ok(_))
    )
}

/// Why the database could not be reached. The message names the URL (password hidden) and says
/// what to do, because it is what an operator sees when `gomarket serve` cannot start.
#[derive(Debug, Error)]
pub enum DatabaseError {
    // The cause is part of the message and deliberately not a `source`, so that printing the
    // error chain does not repeat it.
    #[error("DATABASE_URL is not a valid PostgreSQL URL ({url}): {cause}")]
    BadUrl { url: String, cause: sqlx::Error },
    #[error(
        "cannot reach PostgreSQL at {url}: {cause}. Start PostgreSQL there or set DATABASE_URL \
         (e.g. postgres://postgres@127.0.0.1:5432/gomarket)"
    )]
    Unreachable { url: String, cause: sqlx::Error },
}

/// The URL with any password replaced by `***`, safe to print and log.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _password)) => {
                    format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
                }
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Options shared by every pool the platform opens.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// Connects to `url`, creating the database first if the server is up but the database is not.
pub async fn connect(url: &str, settings: PoolSettings) -> Result<PgPool, DatabaseError> {
    let shown = redact_url(url);
    let options = PgConnectOptions::from_str(url).map_err(|cause| DatabaseError::BadUrl {
        url: shown.clone(),
        cause,
    })?;
    let unreachable = |cause| DatabaseError::Unreachable {
        url: shown.clone(),
        cause,
    };
    let pool = || {
        PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .connect_with(options.clone())
    };
    // Asked of the database itself: a managed server may not let the user into the
    // maintenance database `postgres`, which only creating the database needs.
    match pool().await {
        Ok(pool) => return Ok(pool),
        Err(error) if is_missing_database(&error) => {}
        Err(cause) => return Err(unreachable(cause)),
    }
    match Postgres::create_database(url).await {
        Ok(()) => tracing::info!(url = %shown, "created database"),
        // Another process may have created it between our attempt and our create.
        Err(error) if is_duplicate_database(&error) => {}
        Err(cause) => return Err(unreachable(cause)),
    }
    pool().await.map_err(unreachable)
}

fn is_missing_database(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().as_deref() == Some("3D000"))
}

fn is_duplicate_database(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().as_deref() == Some("42P04"))
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn password_is_hidden() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
    }
}
