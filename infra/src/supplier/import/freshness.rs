//! Not downloading an unchanged feed, two ways:
//! - the `.inf` rule of the CSV suppliers: every `X.csv` has a sibling `X.inf` whose first
//!   non-empty line is the file's last-modified time; a feed is downloaded only when some file's
//!   time is newer than at the last completed import;
//! - HTTP validators: the `ETag`/`Last-Modified` of each URL at the last completed import are
//!   sent back, and a 304 answer means unchanged.

use super::source::{FetchSettings, Validators};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use sqlx::PgPool;
use uuid::Uuid;

/// Largest `.inf` read (it holds one timestamp).
const MAX_INF_BYTES: usize = 4096;

/// The time an `.inf` text states: `YYYY-MM-DD hh:mm:ss`, unix seconds, or two-digit-year
/// dates with dots, `DD.MM.YY` when `day_first` (AN_MSC) and `YY.MM.DD` otherwise (Wholesaler).
pub fn parse_inf_time(text: &str, day_first: bool) -> Option<NaiveDateTime> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    if let Ok(seconds) = line.parse::<i64>() {
        return DateTime::from_timestamp(seconds, 0).map(|t| t.naive_utc());
    }
    if let Ok(time) = NaiveDateTime::parse_from_str(line, "%Y-%m-%d %H:%M:%S") {
        return Some(time);
    }
    let (date, time) = line.split_once(' ')?;
    let parts: Vec<u32> = date.split('.').filter_map(|p| p.parse().ok()).collect();
    let [a, b, c] = parts[..] else { return None };
    let (year, month, day) = if day_first { (c, b, a) } else { (a, b, c) };
    let date = NaiveDate::from_ymd_opt(2000 + year as i32, month, day)?;
    let time = chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M:%S").ok()?;
    Some(date.and_time(time))
}

/// The `.inf` of the CSV at `csv_url`, if there is a readable one.
pub async fn fetch_inf(csv_url: &str, settings: &FetchSettings) -> Option<String> {
    let inf_url = format!("{}.inf", csv_url.strip_suffix(".csv")?);
    let text = match inf_url.strip_prefix("file://") {
        Some(path) => tokio::fs::read(settings.policy.local_file(path).ok()?).await.ok()?,
        None => {
            settings.policy.check_literal_host(&inf_url).ok()?;
            let client = settings.client().ok()?;
            // A small file: the whole answer within the read timeout.
            let response = client.get(&inf_url).timeout(settings.read_timeout).send().await.ok()?;
            if !response.status().is_success() {
                return None;
            }
            response.bytes().await.ok()?.to_vec()
        }
    };
    (text.len() <= MAX_INF_BYTES).then(|| String::from_utf8_lossy(&text).into_owned())
}

pub async fn last_seen(pool: &PgPool, supplier: Uuid, file: &str) -> Result<Option<NaiveDateTime>, sqlx::Error> {
    sqlx::query_scalar("SELECT modified_at FROM supplier_feed_freshness WHERE supplier_id = $1 AND file = $2")
        .bind(supplier)
        .bind(file)
        .fetch_optional(pool)
        .await
}

pub async fn remember(
    pool: &PgPool,
    supplier: Uuid,
    file: &str,
    modified_at: NaiveDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO supplier_feed_freshness (supplier_id, file, modified_at) VALUES ($1, $2, $3)
         ON CONFLICT (supplier_id, file) DO UPDATE SET modified_at = EXCLUDED.modified_at",
    )
    .bind(supplier)
    .bind(file)
    .bind(modified_at)
    .execute(pool)
    .await
    .map(drop)
}

/// The validators `url` had at the supplier's last completed import.
pub async fn known_validators(pool: &PgPool, supplier: Uuid, url: &str) -> Result<Option<Validators>, sqlx::Error> {
    let row: Option<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT etag, last_modified FROM supplier_feed_validators WHERE supplier_id = $1 AND url = $2")
            .bind(supplier)
            .bind(url)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(etag, last_modified)| Validators { etag, last_modified }))
}

/// Keeps `validators` of `url` for the next import (forgets them when the server gave none).
pub async fn remember_validators(
    pool: &PgPool,
    supplier: Uuid,
    url: &str,
    validators: &Validators,
) -> Result<(), sqlx::Error> {
    if validators.is_empty() {
        return sqlx::query("DELETE FROM supplier_feed_validators WHERE supplier_id = $1 AND url = $2")
            .bind(supplier)
            .bind(url)
            .execute(pool)
            .await
            .map(drop);
    }
    sqlx::query(
        "INSERT INTO supplier_feed_validators (supplier_id, url, etag, last_modified) VALUES ($1, $2, $3, $4)
         ON CONFLICT (supplier_id, url) DO UPDATE SET etag = EXCLUDED.etag, last_modified = EXCLUDED.last_modified",
    )
    .bind(supplier)
    .bind(url)
    .bind(&validators.etag)
    .bind(&validators.last_modified)
    .execute(pool)
    .await
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, s)
            .unwrap()
    }

    #[test]
    fn every_stated_layout() {
        assert_eq!(
            parse_inf_time("\n2026-11-24 10:15:00\n", false),
            Some(at(2026, 11, 24, 10, 15, 0))
        );
        assert_eq!(
            parse_inf_time("26.11.24 10:15:00", false),
            Some(at(2026, 11, 24, 10, 15, 0))
        );
        assert_eq!(
            parse_inf_time("24.11.26 10:15:00", true),
            Some(at(2026, 11, 24, 10, 15, 0))
        );
        assert_eq!(parse_inf_time("1795515300", false), Some(at(2026, 11, 24, 10, 15, 0)));
        assert_eq!(parse_inf_time("", false), None);
        assert_eq!(parse_inf_time("вчера", false), None);
        assert_eq!(parse_inf_time("99.99.99 10:00:00", true), None);
    }
}
