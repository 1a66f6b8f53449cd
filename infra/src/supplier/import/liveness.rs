//! Whether an import's runner is still alive. The runner holds a PostgreSQL session advisory
//! lock on its import from before the import starts until after its outcome is recorded. A
//! process that dies (killed, crashed, machine lost) loses its session and so the lock, which
//! is how [`abandoned`] tells a running import from one nobody will ever finish — across every
//! replica, with no heartbeat timing to tune.

use crate::database::{LockKey, LockSession};
use sqlx::PgPool;
use uuid::Uuid;

/// The lock class of imports (first key of the two-key advisory lock space, which is apart
/// from the one-key space the relay and migrations use).
const IMPORT_LOCK_CLASS: i32 = 0x494d_5054; // "IMPT"

fn import_lock(import_id: Uuid) -> LockKey {
    LockKey::entity(IMPORT_LOCK_CLASS, import_id)
}

/// Held by a running import's runner; dropping it ends the session and releases the lock.
#[derive(Debug)]
pub struct RunnerLock {
    _session: LockSession,
}

impl RunnerLock {
    /// Takes the lock of `import_id` on a session of its own.
    pub async fn take(pool: &PgPool, import_id: Uuid) -> Result<Self, sqlx::Error> {
        let mut session = LockSession::open(pool).await?;
        session.lock(import_lock(import_id)).await?;
        Ok(Self { _session: session })
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
    let mut session = LockSession::open(pool).await?;
    let mut orphans = Vec::new();
    for import_id in running {
        if session.try_lock(import_lock(import_id)).await? {
            session.unlock(import_lock(import_id)).await?;
            orphans.push(import_id);
        }
    }
    session.close().await;
    Ok(orphans)
}
