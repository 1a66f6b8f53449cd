//! Beginning a transaction in a way a cancelled caller cannot leave open.
//!
//! sqlx 0.8 counts a transaction only once its `BEGIN` has answered. A future dropped while
//! `BEGIN` is in flight (an aborted task, a client gone, a timeout) leaves the session inside a
//! transaction that nothing ends, and the pool hands that session to its next borrower: the
//! borrower's writes run inside it, report success, and vanish when the session closes
//! (transact-rs/sqlx#4393; here an import swept as failed still showed as running). So `BEGIN`
//! runs on a task of its own, which cancelling the caller does not reach: it always completes,
//! and a transaction nobody waits for any more is dropped on that task, which rolls it back
//! before its connection is lent again. The cost is one task spawn per transaction.

use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres, Transaction};

/// A connection from `pool` with a transaction begun on it (`pool.begin()`, safe to cancel).
pub async fn begin(pool: &PgPool) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    // Taking a connection is safe to cancel: one taken and not yet handed over goes back.
    let connection = pool.acquire().await?;
    begin_on(connection).await
}

/// A transaction begun on `connection`, safe to cancel like [`begin`].
pub async fn begin_on(connection: PoolConnection<Postgres>) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    // `Transaction::begin` is what `Pool::begin` calls; it is the only way to begin on an
    // owned pooled connection and get a transaction that owns it.
    match tokio::spawn(Transaction::begin(connection, None)).await {
        Ok(begun) => begun,
        Err(failure) if failure.is_panic() => std::panic::resume_unwind(failure.into_panic()),
        // Only a runtime shutting down cancels the task, and its pools with it.
        Err(_) => Err(sqlx::Error::PoolClosed),
    }
}
