//! Rejected offers of an import, kept as rows with their line and reason.

use crate::supplier::feed::Rejection;
use crate::supplier::limits::printable;
use sqlx::PgPool;
use uuid::Uuid;

/// A stored rejection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRejection {
    pub seq: i64,
    pub line: i64,
    pub supplier_sku: Option<String>,
    pub reason: String,
    pub message: String,
}

/// Longest supplier id kept with a rejection, in characters.
const MAX_SKU_CHARS: usize = 200;
/// Longest message kept with a rejection, in characters (messages quote what was wrong).
const MAX_MESSAGE_CHARS: usize = 1000;

/// Stores rejections numbered from `first_seq` (idempotent: a retried write changes nothing),
/// on its own or in the executor's transaction. What a feed put in an id or a message is
/// stored printable and bounded ([`printable`]): a NUL would fail the statement.
pub async fn store<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    import_id: Uuid,
    first_seq: i64,
    rejections: &[Rejection],
) -> Result<(), sqlx::Error> {
    if rejections.is_empty() {
        return Ok(());
    }
    let seqs: Vec<i64> = (0..rejections.len() as i64).map(|i| first_seq + i).collect();
    let lines: Vec<i64> = rejections
        .iter()
        .map(|r| i64::try_from(r.line).unwrap_or(i64::MAX))
        .collect();
    let skus: Vec<Option<String>> = rejections
        .iter()
        .map(|r| r.supplier_sku.as_deref().map(|s| printable(s, MAX_SKU_CHARS)))
        .collect();
    let reasons: Vec<&str> = rejections.iter().map(|r| r.reason.as_str()).collect();
    let messages: Vec<String> = rejections
        .iter()
        .map(|r| printable(&r.message, MAX_MESSAGE_CHARS))
        .collect();
    sqlx::query(
        "INSERT INTO import_rejections (import_id, seq, line, supplier_sku, reason, message)
         SELECT $1, * FROM UNNEST($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[])
         ON CONFLICT DO NOTHING",
    )
    .bind(import_id)
    .bind(&seqs)
    .bind(&lines)
    .bind(&skus)
    .bind(&reasons)
    .bind(&messages)
    .execute(executor)
    .await
    .map(drop)
}

/// A page of an import's rejections in feed order, after `after_seq`; with the total.
pub async fn page(
    pool: &PgPool,
    import_id: Uuid,
    limit: i64,
    after_seq: Option<i64>,
) -> Result<(Vec<StoredRejection>, i64), sqlx::Error> {
    let rows: Vec<(i64, i64, Option<String>, String, String)> = sqlx::query_as(
        "SELECT seq, line, supplier_sku, reason, message FROM import_rejections
          WHERE import_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(import_id)
    .bind(after_seq.unwrap_or(-1))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM import_rejections WHERE import_id = $1")
        .bind(import_id)
        .fetch_one(pool)
        .await?;
    let rejections = rows
        .into_iter()
        .map(|(seq, line, supplier_sku, reason, message)| StoredRejection {
            seq,
            line,
            supplier_sku,
            reason,
            message,
        })
        .collect();
    Ok((rejections, total))
}
