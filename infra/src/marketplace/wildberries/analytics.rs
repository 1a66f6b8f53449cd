//! The analytics API's stock history report (`analytics-openapi.yaml`,
//! `POST /api/v2/stocks-report/products/products`): per article over a period, what
//! Wildberries itself says was lost to being out of stock (`lostOrdersCount`,
//! `lostOrdersSum`, `officeMissingTime`). Three requests a minute; pages of up to 1 000
//! articles by `offset`. Numbers are read from their text, exactly.

use super::client::{WbAccount, WbApi, WbClient, WbError};
use super::limits::LimitGroup;
use super::statistics::InvalidRow;
use chrono::NaiveDate;
use gomarket_domain::marketplace::values::NmId;
use gomarket_domain::sales::stock::{LostSales, ReportedLostSales};
use gomarket_domain::sales::values::{ReportValueError, hundredths};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use serde_json::value::RawValue;

const PATH: &str = "/api/v2/stocks-report/products/products";

/// Articles per page: the most the report answers.
pub const STOCK_HISTORY_PAGE: u32 = 1_000;

/// One page of the stock history report: each article's figures, or why a row could not be
/// read; fewer rows than asked means the last page.
#[derive(Debug)]
pub struct StockHistoryPage {
    pub rows: Vec<Result<ReportedLostSales, InvalidRow>>,
    pub is_last: bool,
}

#[derive(Debug, Deserialize)]
struct RawAnswer<'a> {
    #[serde(borrow)]
    data: Option<RawData<'a>>,
}

#[derive(Debug, Deserialize)]
struct RawData<'a> {
    #[serde(borrow, default)]
    items: Vec<&'a RawValue>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawItem<'a> {
    #[serde(rename = "nmID", borrow)]
    nm_id: Option<&'a RawValue>,
    vendor_code: Option<String>,
    #[serde(borrow)]
    metrics: Option<RawMetrics<'a>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMetrics<'a> {
    #[serde(borrow)]
    lost_orders_count: Option<&'a RawValue>,
    #[serde(borrow)]
    lost_orders_sum: Option<&'a RawValue>,
    office_missing_time: Option<Duration>,
}

#[derive(Debug, Deserialize)]
struct Duration {
    days: i64,
    hours: i64,
}

impl WbClient {
    /// The articles `offset`… of the stock history report over `start`–`end` (Moscow days),
    /// every warehouse kind, deleted articles left out.
    pub async fn stock_history(
        &self,
        account: &WbAccount,
        start: NaiveDate,
        end: NaiveDate,
        offset: u32,
    ) -> Result<StockHistoryPage, WbError> {
        let body = json!({
            "currentPeriod": { "start": start.to_string(), "end": end.to_string() },
            "stockType": "",
            "skipDeletedNm": true,
            "orderBy": { "field": "lostOrdersCount", "mode": "desc" },
            "availabilityFilters": ["deficient", "actual", "balanced", "nonActual", "nonLiquid", "invalidData"],
            "limit": STOCK_HISTORY_PAGE,
            "offset": offset,
        });
        let (_, bytes) = self
            .send_raw(
                account,
                LimitGroup::Analytics,
                WbApi::Analytics,
                Method::POST,
                PATH,
                Some(&body),
            )
            .await?;
        let answer: RawAnswer<'_> = serde_json::from_slice(&bytes).map_err(|e| WbError::BadResponse {
            reason: format!("{PATH}: {e}"),
        })?;
        let items = answer.data.map(|d| d.items).unwrap_or_default();
        let is_last = items.len() < STOCK_HISTORY_PAGE as usize;
        let rows = items
            .into_iter()
            .map(|raw| {
                let item: RawItem<'_> =
                    serde_json::from_str(raw.get()).map_err(|e| InvalidRow::new(None, e.to_string(), raw.get()))?;
                let key = item.nm_id.map(|n| n.get().to_owned());
                read_item(&item, start, end).map_err(|e| InvalidRow::new(key, e.to_string(), raw.get()))
            })
            .collect();
        Ok(StockHistoryPage { rows, is_last })
    }
}

/// A figure with the report's special values: below zero it was not computed, but `-2`
/// means zero.
fn figure(value: Option<&RawValue>) -> Result<Option<i64>, ReportValueError> {
    let Some(text) = value.map(RawValue::get).filter(|t| *t != "null") else {
        return Ok(None);
    };
    Ok(match hundredths(text)? {
        -200 => Some(0),
        n if n < 0 => None,
        n => Some(n),
    })
}

/// `officeMissingTime` in hours: `hours` −1 (endless) and −3 (not computed) are unknown, −2
/// is none, −4 is the whole period.
fn missing_hours(time: Option<&Duration>, start: NaiveDate, end: NaiveDate) -> Option<i64> {
    let time = time?;
    match time.hours {
        -2 => Some(0),
        -4 => Some(((end - start).num_days() + 1) * 24),
        h if h < 0 => None,
        h => Some(time.days * 24 + h),
    }
}

fn read_item(item: &RawItem<'_>, start: NaiveDate, end: NaiveDate) -> Result<ReportedLostSales, ReportValueError> {
    let nm = item.nm_id.ok_or(ReportValueError::Missing("nmID"))?.get();
    let nm_id = nm
        .parse::<i64>()
        .ok()
        .and_then(|n| NmId::new(n).ok())
        .ok_or_else(|| ReportValueError::OutOfRange(nm.chars().take(40).collect()))?;
    let metrics = item.metrics.as_ref().ok_or(ReportValueError::Missing("metrics"))?;
    Ok(ReportedLostSales {
        nm_id,
        vendor_code: item.vendor_code.clone().unwrap_or_default(),
        figures: LostSales {
            period_start: start,
            period_end: end,
            lost_orders_hundredths: figure(metrics.lost_orders_count)?,
            lost_orders_kopecks: figure(metrics.lost_orders_sum)?,
            missing_hours: missing_hours(metrics.office_missing_time.as_ref(), start, end),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn read(text: &str) -> Result<ReportedLostSales, ReportValueError> {
        let item: RawItem<'_> = serde_json::from_str(text).unwrap();
        read_item(&item, day(1), day(30))
    }

    #[test]
    fn the_documented_figures_read_exactly_with_their_special_values() {
        let row = read(
            r#"{"nmID": 123456789, "vendorCode": "pechatnik3000", "metrics": {"lostOrdersCount": 1550.52,
                "lostOrdersSum": 155000.25, "officeMissingTime": {"days": 5, "hours": 15}}}"#,
        )
        .unwrap();
        assert_eq!(row.nm_id.get(), 123_456_789);
        assert_eq!(row.figures.lost_orders_hundredths, Some(155_052));
        assert_eq!(row.figures.lost_orders_kopecks, Some(15_500_025));
        assert_eq!(row.figures.missing_hours, Some(5 * 24 + 15));
        let special = read(
            r#"{"nmID": 1, "metrics": {"lostOrdersCount": -2, "lostOrdersSum": -1,
                "officeMissingTime": {"days": 0, "hours": -4}}}"#,
        )
        .unwrap();
        assert_eq!(special.figures.lost_orders_hundredths, Some(0), "-2 is zero");
        assert_eq!(special.figures.lost_orders_kopecks, None, "below zero: not computed");
        assert_eq!(special.figures.missing_hours, Some(30 * 24), "-4: the whole period");
        let unknown = read(r#"{"nmID": 1, "metrics": {"officeMissingTime": {"days": 0, "hours": -3}}}"#).unwrap();
        assert_eq!(unknown.figures.missing_hours, None);
        assert!(matches!(
            read(r#"{"nmID": 0, "metrics": {}}"#),
            Err(ReportValueError::OutOfRange(_))
        ));
        assert!(matches!(
            read(r#"{"nmID": 5}"#),
            Err(ReportValueError::Missing("metrics"))
        ));
    }
}
