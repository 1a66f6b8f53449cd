//! `alerts`: newest raised first, by account and state, a keyset page at a time (the index
//! `alerts_by_account` / `alerts_by_state` serves it whatever the table's size).

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgPool, Row};
use thiserror::Error;
use uuid::Uuid;

/// An alert's state in the read model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertState {
    Open,
    Acknowledged,
    Resolved,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Acknowledged => "ACKNOWLEDGED",
            Self::Resolved => "RESOLVED",
        }
    }
}

#[derive(Debug, Clone)]
pub struct AlertRow {
    pub alert_id: Uuid,
    pub condition: String,
    pub subject: String,
    pub account_id: Option<Uuid>,
    pub supplier_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    pub listing_id: Option<Uuid>,
    pub episode: i32,
    pub state: String,
    pub message: String,
    pub raised_at: DateTime<Utc>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl<'r> FromRow<'r, PgRow> for AlertRow {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            alert_id: row.try_get("alert_id")?,
            condition: row.try_get("condition")?,
            subject: row.try_get("subject")?,
            account_id: row.try_get("account_id")?,
            supplier_id: row.try_get("supplier_id")?,
            product_id: row.try_get("product_id")?,
            listing_id: row.try_get("listing_id")?,
            episode: row.try_get("episode")?,
            state: row.try_get("state")?,
            message: row.try_get("message")?,
            raised_at: row.try_get("raised_at")?,
            acknowledged_by: row.try_get("acknowledged_by")?,
            acknowledged_at: row.try_get("acknowledged_at")?,
            resolved_at: row.try_get("resolved_at")?,
            version: row.try_get("version")?,
        })
    }
}

/// One page of alerts.
#[derive(Debug, Clone)]
pub struct AlertPage {
    pub rows: Vec<AlertRow>,
    pub has_next_page: bool,
    /// The cursor after the page's last row.
    pub end_cursor: Option<String>,
}

/// A cursor this server did not hand out.
#[derive(Debug, Error)]
pub enum AlertQueryError {
    #[error("not an alerts cursor handed out by this server")]
    BadCursor,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

const COLUMNS: &str = "alert_id, condition, subject, account_id, supplier_id, product_id, listing_id, episode, state,
                       message, raised_at, acknowledged_by, acknowledged_at, resolved_at, version";

impl AlertRow {
    /// The cursor after this row (`after` of `alerts`).
    pub fn cursor(&self) -> String {
        format!("{}|{}", self.raised_at.timestamp_micros(), self.alert_id)
    }
}

fn decode(cursor: &str) -> Result<(DateTime<Utc>, Uuid), AlertQueryError> {
    let (micros, id) = cursor.split_once('|').ok_or(AlertQueryError::BadCursor)?;
    let micros: i64 = micros.parse().map_err(|_| AlertQueryError::BadCursor)?;
    let at = DateTime::from_timestamp_micros(micros).ok_or(AlertQueryError::BadCursor)?;
    let id = Uuid::parse_str(id).map_err(|_| AlertQueryError::BadCursor)?;
    Ok((at, id))
}

/// Up to `first` alerts of `account` (all accounts' and none's when `None`) in `state` (any
/// when `None`), after `after`.
pub async fn alerts(
    pool: &PgPool,
    account: Option<Uuid>,
    state: Option<AlertState>,
    first: i64,
    after: Option<&str>,
) -> Result<AlertPage, AlertQueryError> {
    let after = after.map(decode).transpose()?;
    let sql = format!(
        "SELECT {COLUMNS} FROM alerts
          WHERE ($1::uuid IS NULL OR account_id = $1)
            AND ($2::text IS NULL OR state = $2)
            AND ($3::timestamptz IS NULL OR (raised_at, alert_id) < ($3, $4))
          ORDER BY raised_at DESC, alert_id DESC
          LIMIT $5"
    );
    let mut rows: Vec<AlertRow> = sqlx::query_as(&sql)
        .bind(account)
        .bind(state.map(AlertState::as_str))
        .bind(after.map(|(at, _)| at))
        .bind(after.map(|(_, id)| id))
        .bind(first + 1)
        .fetch_all(pool)
        .await?;
    let has_next_page = rows.len() as i64 > first;
    rows.truncate(first as usize);
    let end_cursor = rows.last().map(AlertRow::cursor);
    Ok(AlertPage {
        rows,
        has_next_page,
        end_cursor,
    })
}

/// One alert.
pub async fn alert(pool: &PgPool, id: Uuid) -> Result<Option<AlertRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM alerts WHERE alert_id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}
