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

/// Records that `import_id` runs (its runner holds its lock already): from now on, the sweep
/// looks at it.
pub async fn enter(pool: &PgPool, import_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO running_imports (import_id) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(import_id)
        .execute(pool)
        .await
        .map(drop)
}

/// Records that `import_id` ended (or never started): the sweep no longer looks at it.
pub async fn leave(pool: &PgPool, import_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM running_imports WHERE import_id = $1")
        .bind(import_id)
        .execute(pool)
        .await
        .map(drop)
}

/// The imports entered and not left whose runner holds no lock any more. Reads the running
/// imports only (a handful), never the imports' history.
pub async fn abandoned(pool: &PgPool) -> Result<Vec<Uuid>, sqlx::Error> {
    let running: Vec<Uuid> = sqlx::query_scalar("SELECT import_id FROM running_imports")
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
