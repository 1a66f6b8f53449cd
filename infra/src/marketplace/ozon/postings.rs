//! Ozon's postings as sales facts: FBS (`/v3/posting/fbs/list`) and FBO
//! (`/v2/posting/fbo/list`), 1 000 a page by offset. Each unit of each product of a posting is
//! an order (`srid` = `posting/sku/unit`), cancelled when the posting is `cancelled`, and bought
//! out when it is `delivered`.
//!
//! A read is a pass over a fixed window, paged by offset; the cursor is
//! `from|to|offset` while a pass goes on and the pass's `to` once it ended. FBS passes ask for
//! postings whose status changed in the window (`last_changed_status_date`), so a pass after
//! the first reads only what changed since the last one (`overlap` back). FBO has no such
//! filter: its passes re-read postings created in the last [`FBO_LOOKBACK`], long enough for a
//! posting to be delivered or cancelled.
//!
//! Ozon's lists carry no time of the status change: a cancellation is dated by the posting's
//! processing start, a buyout by the start of delivery (FBS `delivering_date`) or, lacking it,
//! by the processing start. Amounts are read from the numbers' own text: prices are decimal
//! strings, the financial data JSON numbers (their shortest text), never summed as floats.

use super::client::OzonClient;
use crate::marketplace::port::{
    Credentials, FeedCursor, FeedWindow, InvalidRow, MarketplaceError, SalesFact, SalesPage,
};
use chrono::{DateTime, SecondsFormat, Utc};
use gomarket_domain::marketplace::values::NmId;
use gomarket_domain::sales::order::{ReportedOrder, ReportedSale};
use gomarket_domain::sales::values::{BasisPoints, SaleKind, SignedKopecks, hundredths, report_time};
use serde_json::{Value, json};

/// The FBS feed's name (its cursor's, in the ingest's bookkeeping).
pub const FBS: &str = "postings_fbs";
/// The FBO feed's name.
pub const FBO: &str = "postings_fbo";
/// Postings a page.
pub const PAGE: u64 = 1000;
/// How far back an FBO pass reads postings created.
pub const FBO_LOOKBACK: chrono::Duration = chrono::Duration::days(14);
/// The largest `offset` `/v2/posting/fbo/list` takes (`MAX_OFFSET_EXCEEDED` beyond).
pub const FBO_MAX_OFFSET: u64 = 20_000;

/// Whether a pass goes on after a page of `read` postings at `offset`, with the marketplace
/// saying more follow: FBO cannot be asked past its largest offset, so its pass ends there
/// (with a warning: the window holds more postings than Ozon lets one read).
fn goes_on(feed: &str, offset: u64, read: u64, more: bool) -> bool {
    let next = offset + read;
    if more && feed == FBO && next > FBO_MAX_OFFSET {
        tracing::warn!(
            offset = next,
            "Ozon's FBO postings go past its largest offset; the pass ends there"
        );
        return false;
    }
    more
}

/// A pass: its window and how far into it the reading is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pass {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    offset: u64,
}

fn time_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Pass {
    /// Where the read starts: a new pass back to the backfill the first time, the pass under
    /// way, or a new pass `overlap` before the last one ended.
    fn of(cursor: FeedCursor<'_>, window: FeedWindow) -> Self {
        let fresh = |from| Self {
            from,
            to: window.now,
            offset: 0,
        };
        let first = fresh(window.now - window.backfill);
        match cursor.next_from {
            None => first,
            Some(text) if !cursor.caught_up => Self::parse(text).unwrap_or(first),
            Some(text) => report_time(text).map_or(first, |ended| fresh((ended - window.overlap).max(first.from))),
        }
    }

    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('|');
        let (from, to, offset) = (parts.next()?, parts.next()?, parts.next()?);
        Some(Self {
            from: report_time(from).ok()?,
            to: report_time(to).ok()?,
            offset: offset.parse().ok()?,
        })
    }

    fn cursor(&self) -> String {
        format!("{}|{}|{}", time_text(self.from), time_text(self.to), self.offset)
    }
}

/// The body of a page's request.
fn request(feed: &str, pass: Pass, window: FeedWindow) -> Value {
    let oldest = window.now - window.backfill;
    let with = json!({ "analytics_data": true, "financial_data": true });
    if feed == FBS {
        json!({
            "dir": "ASC",
            "filter": {
                "since": time_text(oldest),
                "to": time_text(pass.to),
                "last_changed_status_date": { "from": time_text(pass.from), "to": time_text(pass.to) },
            },
            "limit": PAGE,
            "offset": pass.offset,
            "with": with,
        })
    } else {
        json!({
            "dir": "ASC",
            "filter": { "since": time_text((pass.from - FBO_LOOKBACK).max(oldest)), "to": time_text(pass.to) },
            "limit": PAGE,
            "offset": pass.offset,
            "with": with,
        })
    }
}

impl OzonClient {
    /// The next page of the FBS or FBO postings.
    pub async fn read_postings(
        &self,
        credentials: &Credentials,
        feed: &str,
        cursor: FeedCursor<'_>,
        window: FeedWindow,
    ) -> Result<SalesPage, MarketplaceError> {
        let pass = Pass::of(cursor, window);
        let (path, body) = match feed {
            FBS => ("/v3/posting/fbs/list", request(FBS, pass, window)),
            FBO => ("/v2/posting/fbo/list", request(FBO, pass, window)),
            other => {
                return Err(MarketplaceError::BadResponse {
                    reason: format!("Ozon has no feed {other:?}"),
                });
            }
        };
        let mut answer = self.post(credentials, None, path, Some(&body)).await?;
        let list = |value: Value| match value {
            Value::Array(postings) => postings,
            _ => vec![],
        };
        let (postings, more) = if feed == FBS {
            let more = answer["result"]["has_next"].as_bool() == Some(true);
            (list(answer["result"]["postings"].take()), more)
        } else {
            let postings = list(answer["result"].take());
            let full = postings.len() as u64 >= PAGE;
            (postings, full)
        };
        let facts = postings.iter().flat_map(posting_facts).collect();
        Ok(if goes_on(feed, pass.offset, postings.len() as u64, more) {
            let next = Pass {
                offset: pass.offset + postings.len() as u64,
                ..pass
            };
            SalesPage {
                facts,
                next_from: next.cursor(),
                reached_end: false,
            }
        } else {
            SalesPage {
                facts,
                next_from: time_text(pass.to),
                reached_end: true,
            }
        })
    }
}

/// Hundredths of a money or percent value, from a decimal string or a JSON number's text.
fn amount(value: &Value) -> Option<i64> {
    match value {
        Value::String(text) => hundredths(text.trim()).ok(),
        Value::Number(number) => hundredths(&number.to_string()).ok(),
        _ => None,
    }
}

fn time(value: &Value) -> Option<DateTime<Utc>> {
    value.as_str().and_then(|t| report_time(t).ok())
}

/// The facts of one posting: an order per unit of each product, a buyout per unit when it was
/// delivered. A posting or product that cannot be read is an invalid row, with its key.
pub fn posting_facts(posting: &Value) -> Vec<Result<SalesFact, InvalidRow>> {
    let number = posting["posting_number"].as_str().unwrap_or_default().to_owned();
    let invalid = |reason: &str| {
        InvalidRow::new(
            Some(number.clone()).filter(|n| !n.is_empty()),
            reason.to_owned(),
            &posting.to_string(),
        )
    };
    if number.is_empty() {
        return vec![Err(invalid("the posting has no posting_number"))];
    }
    let Some(ordered_at) = time(&posting["in_process_at"]).or_else(|| time(&posting["created_at"])) else {
        return vec![Err(invalid("the posting has no in_process_at or created_at"))];
    };
    let status = posting["status"].as_str().unwrap_or_default();
    let warehouse = posting["delivery_method"]["warehouse"]
        .as_str()
        .or_else(|| posting["analytics_data"]["warehouse_name"].as_str())
        .or_else(|| posting["analytics_data"]["warehouse"].as_str())
        .unwrap_or_default()
        .to_owned();
    let region = posting["analytics_data"]["region"]
        .as_str()
        .or_else(|| posting["analytics_data"]["city"].as_str())
        .unwrap_or_default()
        .to_owned();
    let delivered_at = time(&posting["delivering_date"]).unwrap_or(ordered_at);
    let finance = posting["financial_data"]["products"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut facts = Vec::new();
    for product in posting["products"].as_array().into_iter().flatten() {
        let sku = product["sku"].as_i64().unwrap_or(0);
        let (Ok(nm_id), Some(price), Some(quantity)) = (
            NmId::new(sku),
            amount(&product["price"]),
            product["quantity"].as_i64().filter(|q| *q > 0),
        ) else {
            facts.push(Err(invalid("a product without a positive sku, a price or a quantity")));
            continue;
        };
        let money = finance.iter().find(|f| f["product_id"].as_i64() == Some(sku));
        let field = |name: &str| money.and_then(|f| amount(&f[name]));
        let before = field("old_price").filter(|p| *p > 0).unwrap_or(price);
        let discount = field("total_discount_percent").unwrap_or(0);
        let units_paid = money
            .and_then(|f| f["quantity"].as_i64())
            .filter(|q| *q > 0)
            .unwrap_or(quantity);
        let payout = field("payout").map_or(price, |p| p / units_paid);
        let vendor_code = product["offer_id"].as_str().unwrap_or_default().to_owned();
        for unit in 1..=quantity {
            let srid = format!("{number}/{sku}/{unit}");
            facts.push(Ok(SalesFact::Order(ReportedOrder {
                srid: srid.clone(),
                nm_id,
                barcode: String::new(),
                vendor_code: vendor_code.clone(),
                warehouse: warehouse.clone(),
                region: region.clone(),
                ordered_at,
                changed_at: ordered_at,
                total_price: SignedKopecks::new(before),
                discount: BasisPoints::new(discount),
                marketplace_discount: BasisPoints::new(0),
                price_with_discount: SignedKopecks::new(price),
                finished_price: SignedKopecks::new(price),
                cancelled_at: (status == "cancelled").then_some(ordered_at),
            })));
            if status == "delivered" {
                facts.push(Ok(SalesFact::Sale(ReportedSale {
                    sale_id: format!("S{srid}"),
                    kind: SaleKind::Sale,
                    srid,
                    nm_id,
                    barcode: String::new(),
                    vendor_code: vendor_code.clone(),
                    warehouse: warehouse.clone(),
                    region: region.clone(),
                    sold_at: delivered_at,
                    changed_at: delivered_at,
                    price_with_discount: SignedKopecks::new(price),
                    finished_price: SignedKopecks::new(price),
                    for_pay: SignedKopecks::new(payout),
                })));
            }
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn window() -> FeedWindow {
        FeedWindow {
            now: Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap(),
            backfill: chrono::Duration::days(90),
            overlap: chrono::Duration::hours(2),
        }
    }

    #[test]
    fn a_pass_starts_at_the_backfill_goes_on_by_offset_then_starts_over_overlap_back() {
        let fresh = FeedCursor {
            next_from: None,
            caught_up: false,
        };
        let first = Pass::of(fresh, window());
        assert_eq!(first.from, window().now - chrono::Duration::days(90));
        assert_eq!((first.to, first.offset), (window().now, 0));
        let cursor = Pass { offset: 1000, ..first }.cursor();
        let going_on = FeedCursor {
            next_from: Some(&cursor),
            caught_up: false,
        };
        assert_eq!(Pass::of(going_on, window()), Pass { offset: 1000, ..first });
        let ended = FeedCursor {
            next_from: Some("2026-12-04T08:00:00Z"),
            caught_up: true,
        };
        let next = Pass::of(ended, window());
        assert_eq!(next.from, Utc.with_ymd_and_hms(2026, 12, 4, 6, 0, 0).unwrap());
        assert_eq!(next.offset, 0);
    }

    #[test]
    fn an_fbo_pass_ends_at_ozon_s_largest_offset() {
        assert!(goes_on(FBO, 18_000, 1_000, true));
        assert!(goes_on(FBO, 19_000, 1_000, true), "offset 20 000 is still allowed");
        assert!(!goes_on(FBO, 20_000, 1_000, true));
        assert!(goes_on(FBS, 20_000, 1_000, true), "FBS has no such cap");
        assert!(!goes_on(FBS, 0, 10, false));
    }

    #[test]
    fn each_unit_of_a_delivered_posting_is_an_order_and_a_buyout() {
        let posting = json!({
            "posting_number": "0113-1", "status": "delivered",
            "in_process_at": "2026-12-01T10:00:00Z", "delivering_date": "2026-12-02T08:00:00Z",
            "delivery_method": { "warehouse": "Склад FBS" },
            "analytics_data": { "region": "Москва" },
            "products": [{ "sku": 358924380, "offer_id": "OZ-KT-0001", "quantity": 2, "price": "1390.000000" }],
            "financial_data": { "products": [{ "product_id": 358924380, "old_price": 1500, "price": 1390,
                "payout": 2200.5, "total_discount_percent": 7.33, "quantity": 2 }] }
        });
        let facts: Vec<SalesFact> = posting_facts(&posting).into_iter().map(Result::unwrap).collect();
        assert_eq!(facts.len(), 4);
        let SalesFact::Order(order) = &facts[0] else {
            panic!("{facts:?}")
        };
        assert_eq!(order.srid, "0113-1/358924380/1");
        assert_eq!(order.price_with_discount, SignedKopecks::new(139_000));
        assert_eq!(order.total_price, SignedKopecks::new(150_000));
        assert_eq!(order.discount, BasisPoints::new(733));
        assert_eq!(order.cancelled_at, None);
        let SalesFact::Sale(sale) = &facts[1] else {
            panic!("{facts:?}")
        };
        assert_eq!(sale.sale_id, "S0113-1/358924380/1");
        assert_eq!(sale.for_pay, SignedKopecks::new(110_025), "the payout per unit");
        assert_eq!(sale.sold_at, Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap());
    }

    #[test]
    fn a_cancelled_posting_is_a_cancelled_order_and_a_broken_one_an_invalid_row() {
        let cancelled = json!({
            "posting_number": "0113-2", "status": "cancelled", "created_at": "2026-12-01T10:00:00.607000Z",
            "products": [{ "sku": 1, "offer_id": "OZ-1", "quantity": 1, "price": "81.00" }]
        });
        let facts = posting_facts(&cancelled);
        let Ok(SalesFact::Order(order)) = &facts[0] else {
            panic!("{facts:?}")
        };
        assert!(order.cancelled_at.is_some());
        let broken = json!({ "posting_number": "0113-3", "in_process_at": "2026-12-01T10:00:00Z",
                             "products": [{ "sku": 0, "price": "x", "quantity": 1 }] });
        let facts = posting_facts(&broken);
        let Err(row) = &facts[0] else { panic!("{facts:?}") };
        assert_eq!(row.key.as_deref(), Some("0113-3"));
    }
}
