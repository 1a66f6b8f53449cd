//! The ingest's own tables (`sales_report_cursors`, `sales_invalid_rows`), written in the
//! transaction that records a page's facts.

use chrono::{DateTime, Utc};
use gomarket_domain::marketplace::account::AccountId;
use gomarket_infra::marketplace::port::InvalidRow;
use sqlx::PgConnection;

/// Where a report of an account is read from next, and whether it was read to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub next_from: String,
    pub caught_up_at: Option<DateTime<Utc>>,
}

pub async fn cursor(conn: &mut PgConnection, account: AccountId, report: &str) -> Result<Option<Cursor>, sqlx::Error> {
    let row: Option<(String, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT next_from, caught_up_at FROM sales_report_cursors WHERE account_id = $1 AND report = $2",
    )
    .bind(account.as_uuid())
    .bind(report)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(next_from, caught_up_at)| Cursor {
        next_from,
        caught_up_at,
    }))
}

pub async fn save_cursor(
    conn: &mut PgConnection,
    account: AccountId,
    report: &str,
    cursor: &Cursor,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sales_report_cursors (account_id, report, next_from, caught_up_at, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (account_id, report) DO UPDATE
            SET next_from = EXCLUDED.next_from, caught_up_at = EXCLUDED.caught_up_at,
                updated_at = EXCLUDED.updated_at",
    )
    .bind(account.as_uuid())
    .bind(report)
    .bind(&cursor.next_from)
    .bind(cursor.caught_up_at)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(drop)
}

/// Keeps the page's unreadable rows, each once however often it is read.
pub async fn keep_invalid_rows(
    conn: &mut PgConnection,
    account: AccountId,
    report: &str,
    rows: &[&InvalidRow],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
    let keys: Vec<Option<&str>> = rows.iter().map(|r| r.key.as_deref()).collect();
    let reasons: Vec<&str> = rows.iter().map(|r| r.reason.as_str()).collect();
    sqlx::query(
        "INSERT INTO sales_invalid_rows (account_id, report, row_hash, row_key, reason, row_text, seen_at)
         SELECT $1, $2, sha256(convert_to(row_text, 'UTF8')), row_key, reason, row_text, $6
           FROM UNNEST($3::text[], $4::text[], $5::text[]) AS r(row_text, row_key, reason)
         ON CONFLICT (account_id, report, row_hash) DO NOTHING",
    )
    .bind(account.as_uuid())
    .bind(report)
    .bind(&texts)
    .bind(&keys)
    .bind(&reasons)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(drop)
}
