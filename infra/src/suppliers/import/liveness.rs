//! Whether an import's runner is still alive. The runner holds a PostgreSQL session advisory
//! lock on its import from before the import starts until after its outcome is recorded. A
//! process that dies (killed, crashed, machine lost) loses its session and so the lock, which
//! is how [`abandoned`] tells a running import from one nobody will ever finish — across every
//! replica, with no heartbeat timing to tune.

use crate::database::advisory_key;
use sqlx::{Connection as _, PgConnection, PgPool};
use uuid::Uuid;

/// The lock class of imports (first key of the two-key advisory lock space, which is apart
/// from the one-key space the relay and migrations use).
const IMPORT_LOCK_CLASS: i32 = 0x494d_5054; // "IMPT"

/// Held by a running import's runner; dropping it ends the session and releases the lock.
#[derive(Debug)]
pub struct RunnerLock {
    connection: Option<PgConnection>,
}

impl RunnerLock {
    /// Takes the lock of `import_id` on a connection of its own (not returned to the pool, so
    /// the lock cannot outlive the runner on a pooled session).
    pub async fn take(pool: &PgPool, import_id: Uuid) -> Result<Self, sqlx::Error> {
        let mut connection = pool.acquire().await?.detach();
        sqlx::query("SELECT pg_advisory_lock($1, $2)")
            .bind(IMPORT_LOCK_CLASS)
            .bind(advisory_key(import_id))
            .execute(&mut connection)
            .await?;
        Ok(Self {
            connection: Some(connection),
        })
    }
}

impl Drop for RunnerLock {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            // Closing the session releases its advisory locks.
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move {
                    let _ = connection.close().await;
                });
            }
        }
    }
}

/// The running imports (no outcome recorded) whose runner holds no lock any more.
pub async fn abandoned(pool: &PgPool) -> Result<Vec<Uuid>, sqlx::Error> {
    let running: Vec<Uuid> = sqlx::query_scalar(
        "SELECT aggregate_id::uuid FROM events WHERE aggregate_type = 'Import'
          GROUP BY aggregate_id
         HAVING NOT bool_or(event_type IN ('ImportCompleted', 'ImportFailed'))",
    )
    .fetch_all(pool)
    .await?;
    if running.is_empty() {
        return Ok(running);
    }
    let mut connection = pool.acquire().await?.detach();
    let mut orphans = Vec::new();
    for import_id in running {
        let free: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
            .bind(IMPORT_LOCK_CLASS)
            .bind(advisory_key(import_id))
            .fetch_one(&mut connection)
            .await?;
        if free {
            sqlx::query("SELECT pg_advisory_unlock($1, $2)")
                .bind(IMPORT_LOCK_CLASS)
                .bind(advisory_key(import_id))
                .execute(&mut connection)
                .await?;
            orphans.push(import_id);
        }
    }
    connection.close().await?;
    Ok(orphans)
}
