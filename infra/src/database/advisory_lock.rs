//! PostgreSQL session advisory locks: the one way every role says "this is mine" across
//! replicas — the relay's and the scheduler's leadership, the account a push worker is
//! pushing, an import's runner being alive.
//!
//! A lock belongs to a session, so it is held on a connection of its own ([`LockSession`]),
//! detached from the pool: a pooled connection returned with a lock would lend it to whoever
//! takes the connection next. Closing the session (or the process dying) frees every lock.

use sqlx::{Connection as _, PgConnection, PgPool};

/// An advisory lock's key. The one-key (64-bit) and two-key (32 + 32-bit) spaces are
/// separate in PostgreSQL; the classes below keep the two-key space apart per use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKey {
    /// One 64-bit key (the relay's, kept from before the classes).
    Single(i64),
    /// A class and an entity within it.
    Pair(i32, i32),
}

impl LockKey {
    /// The lock of the one thing in `class` (a leadership).
    pub const fn class(class: i32) -> Self {
        Self::Pair(class, 0)
    }

    /// The lock of entity `id` in `class`.
    pub fn entity(class: i32, id: uuid::Uuid) -> Self {
        Self::Pair(class, advisory_key(id))
    }
}

/// The second key of a two-key advisory lock for an entity: its UUID folded to 32 bits. Two
/// entities that fold alike only share a lock (one waits, or looks busy), never lose one.
pub fn advisory_key(id: uuid::Uuid) -> i32 {
    let bits = id.as_u128();
    (bits as u32 ^ (bits >> 32) as u32 ^ (bits >> 64) as u32 ^ (bits >> 96) as u32) as i32
}

/// A database session of its own, for holding advisory locks.
#[derive(Debug)]
pub struct LockSession {
    connection: Option<PgConnection>,
}

impl LockSession {
    /// Opens a session off `pool` (taken from it, never returned to it).
    pub async fn open(pool: &PgPool) -> Result<Self, sqlx::Error> {
        Ok(Self {
            connection: Some(pool.acquire().await?.detach()),
        })
    }

    fn connection(&mut self) -> &mut PgConnection {
        self.connection.as_mut().expect("a lock session is open until closed")
    }

    /// Takes `key` if nobody holds it; `false` when another session does.
    pub async fn try_lock(&mut self, key: LockKey) -> Result<bool, sqlx::Error> {
        try_lock_on(self.connection(), key).await
    }

    /// Takes `key`, waiting for whoever holds it.
    pub async fn lock(&mut self, key: LockKey) -> Result<(), sqlx::Error> {
        let query = match key {
            LockKey::Single(key) => sqlx::query("SELECT pg_advisory_lock($1)").bind(key),
            LockKey::Pair(class, key) => sqlx::query("SELECT pg_advisory_lock($1, $2)").bind(class).bind(key),
        };
        query.execute(self.connection()).await.map(drop)
    }

    /// Frees `key` (held by this session).
    pub async fn unlock(&mut self, key: LockKey) -> Result<(), sqlx::Error> {
        let query = match key {
            LockKey::Single(key) => sqlx::query("SELECT pg_advisory_unlock($1)").bind(key),
            LockKey::Pair(class, key) => sqlx::query("SELECT pg_advisory_unlock($1, $2)").bind(class).bind(key),
        };
        query.execute(self.connection()).await.map(drop)
    }

    /// Whether the session still answers (if not, its locks are gone with it).
    pub async fn is_alive(&mut self) -> bool {
        sqlx::query("SELECT 1").execute(self.connection()).await.is_ok()
    }

    /// Ends the session, freeing its locks.
    pub async fn close(mut self) {
        if let Some(connection) = self.connection.take() {
            // A close that fails has lost the session all the same, and its locks with it.
            let _ = connection.close().await;
        }
    }

    /// Takes `key` if it is free, on a session that then holds it until closed or dropped.
    /// `None` when another session holds it (or the database is not answering). The attempt
    /// runs on a pooled connection, which goes back to the pool when the lock is not won: a
    /// standby trying every tick must not open a connection every tick.
    pub async fn try_hold(pool: &PgPool, key: LockKey) -> Option<Self> {
        let mut connection = pool.acquire().await.ok()?;
        let won = try_lock_on(&mut connection, key).await.ok()?;
        won.then(|| Self {
            connection: Some(connection.detach()),
        })
    }
}

/// `pg_try_advisory_lock` of `key` on `connection`'s session.
async fn try_lock_on(connection: &mut PgConnection, key: LockKey) -> Result<bool, sqlx::Error> {
    let query = match key {
        LockKey::Single(key) => sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(key),
        LockKey::Pair(class, key) => sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
            .bind(class)
            .bind(key),
    };
    query.fetch_one(connection).await
}

impl Drop for LockSession {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            // Closing the session frees its locks; off the dropping task, if there is a runtime.
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move {
                    let _ = connection.close().await;
                });
            }
        }
    }
}
