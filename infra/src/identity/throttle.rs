//! Failed-login throttling per account and per client address, in PostgreSQL so that every
//! replica sees the same counts.
//!
//! Each key counts failures within a window; reaching the limit locks the key until the window
//! (counted from the locking failure) has passed. A successful login clears the account's count.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::time::Duration;

/// Limits of failed logins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottleSettings {
    /// Failures of one account before it is locked.
    pub max_account_failures: i32,
    /// Failures from one client address (over all accounts) before it is locked.
    pub max_address_failures: i32,
    /// Counting window and lock duration.
    pub window: Duration,
}

impl Default for LoginThrottleSettings {
    fn default() -> Self {
        Self {
            max_account_failures: 5,
            max_address_failures: 50,
            window: Duration::from_secs(300),
        }
    }
}

pub fn account_key(login: &str) -> String {
    format!("account:{login}")
}

pub fn address_key(address: &str) -> String {
    format!("address:{address}")
}

/// How long until the first of `keys` that is locked opens again, if any is.
pub async fn locked_for(pool: &PgPool, keys: &[String], now: DateTime<Utc>) -> Result<Option<Duration>, sqlx::Error> {
    let until: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT max(locked_until) FROM login_throttle WHERE key = ANY($1) AND locked_until > $2")
            .bind(keys)
            .bind(now)
            .fetch_one(pool)
            .await?;
    Ok(until.map(|until| (until - now).to_std().unwrap_or_default()))
}

/// Counts a failure against `key`; returns the failures in the current window.
pub async fn record_failure(
    pool: &PgPool,
    key: &str,
    limit: i32,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<i32, sqlx::Error> {
    let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::seconds(300));
    sqlx::query_scalar(
        "INSERT INTO login_throttle AS t (key, failures, window_started_at, locked_until)
              VALUES ($1, 1, $2, CASE WHEN 1 >= $3 THEN $2 + $4 END)
         ON CONFLICT (key) DO UPDATE SET
              failures = CASE WHEN t.window_started_at < $2 - $4 THEN 1 ELSE t.failures + 1 END,
              window_started_at = CASE WHEN t.window_started_at < $2 - $4 THEN $2 ELSE t.window_started_at END,
              locked_until = CASE
                  WHEN (CASE WHEN t.window_started_at < $2 - $4 THEN 1 ELSE t.failures + 1 END) >= $3 THEN $2 + $4
                  ELSE t.locked_until END
         RETURNING failures",
    )
    .bind(key)
    .bind(now)
    .bind(limit)
    .bind(window)
    .fetch_one(pool)
    .await
}

pub async fn clear(pool: &PgPool, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(pool)
        .await
        .map(drop)
}
