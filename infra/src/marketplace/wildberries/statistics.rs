//! The statistics API's reports (`reports-openapi.yaml`): orders, sales and returns, and the
//! stock in Wildberries' own warehouses. Each answers the rows changed since `dateFrom`, oldest
//! change first, up to about 80 000 (stocks 60 000) a page; the next page starts at the last
//! row's `lastChangeDate`, copied as written, and `[]` ends. One request a minute per method.
//!
//! Rows are read from the answer's text: amounts from the numbers' own digits (never through a
//! float), times as Moscow time. A row that cannot be read is kept as an [`InvalidRow`] with its
//! reason; the rest of the page goes on.

use super::client::{WbAccount, WbApi, WbClient, WbError};
use super::limits::LimitGroup;
pub use crate::marketplace::port::{InvalidRow, MAX_INVALID_ROW_CHARS};
use gomarket_domain::marketplace::values::NmId;
use gomarket_domain::sales::order::{ReportedOrder, ReportedSale};
use gomarket_domain::sales::stock::{ReportedStock, StockLevel};
use gomarket_domain::sales::values::{
    BasisPoints, ReportValueError, SaleKind, SignedKopecks, optional_report_time, report_time,
};
use reqwest::Method;
use serde::Deserialize;
use serde_json::value::RawValue;

/// The three reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Report {
    Orders,
    Sales,
    Stocks,
}

impl Report {
    pub const ALL: [Report; 3] = [Self::Orders, Self::Sales, Self::Stocks];

    fn path(self) -> &'static str {
        match self {
            Self::Orders => "/api/v1/supplier/orders",
            Self::Sales => "/api/v1/supplier/sales",
            Self::Stocks => "/api/v1/supplier/stocks",
        }
    }

    pub fn limit_group(self) -> LimitGroup {
        match self {
            Self::Orders => LimitGroup::StatisticsOrders,
            Self::Sales => LimitGroup::StatisticsSales,
            Self::Stocks => LimitGroup::StatisticsStocks,
        }
    }

    /// The report's name in cursors, logs and metrics.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Orders => "orders",
            Self::Sales => "sales",
            Self::Stocks => "stocks",
        }
    }
}

/// One page of a report.
#[derive(Debug)]
pub struct ReportPage<T> {
    pub rows: Vec<Result<T, InvalidRow>>,
    /// The last row's `lastChangeDate` as written: where the next page starts. `None` for `[]`.
    pub next_from: Option<String>,
}

impl<T> ReportPage<T> {
    /// `[]`: the report has no row changed since `dateFrom`.
    pub fn is_end(&self) -> bool {
        self.next_from.is_none()
    }
}

impl WbClient {
    pub async fn orders_since(
        &self,
        account: &WbAccount,
        date_from: &str,
    ) -> Result<ReportPage<ReportedOrder>, WbError> {
        self.report_page(account, Report::Orders, date_from, read_order).await
    }

    pub async fn sales_since(&self, account: &WbAccount, date_from: &str) -> Result<ReportPage<ReportedSale>, WbError> {
        self.report_page(account, Report::Sales, date_from, read_sale).await
    }

    pub async fn stocks_since(
        &self,
        account: &WbAccount,
        date_from: &str,
    ) -> Result<ReportPage<ReportedStock>, WbError> {
        self.report_page(account, Report::Stocks, date_from, read_stock).await
    }

    async fn report_page<T>(
        &self,
        account: &WbAccount,
        report: Report,
        date_from: &str,
        read: fn(&RawRow<'_>) -> Result<T, ReportValueError>,
    ) -> Result<ReportPage<T>, WbError> {
        let path = format!("{}?dateFrom={}", report.path(), query_value(&zoned(date_from)));
        let (_, bytes) = self
            .send_raw(
                account,
                report.limit_group(),
                WbApi::Statistics,
                Method::GET,
                &path,
                None,
            )
            .await?;
        let rows: Vec<&RawValue> = serde_json::from_slice(&bytes).map_err(|e| WbError::BadResponse {
            reason: format!("{}: not a list of rows: {e}", report.path()),
        })?;
        let mut page = ReportPage {
            rows: Vec::with_capacity(rows.len()),
            next_from: None,
        };
        for raw in rows {
            let text = raw.get();
            let row = match serde_json::from_str::<RawRow<'_>>(text) {
                Ok(row) => row,
                Err(e) => {
                    page.rows
                        .push(Err(InvalidRow::new(None, format!("not a report row: {e}"), text)));
                    continue;
                }
            };
            if let Some(changed) = &row.last_change_date {
                page.next_from = Some(changed.clone());
            }
            page.rows
                .push(read(&row).map_err(|e| InvalidRow::new(row.key(report), e.to_string(), text)));
        }
        if page.next_from.is_none() && !page.rows.is_empty() {
            // Rows without any `lastChangeDate` cannot be paged past: the report is broken.
            return Err(WbError::BadResponse {
                reason: format!("{}: no row has a lastChangeDate", report.path()),
            });
        }
        Ok(page)
    }
}

/// `dateFrom` as the spec's `date-time` wants it: with its zone. A report's own times have
/// none and mean Moscow time, so `+03:00` is what they say; a date alone is its midnight.
fn zoned(date_from: &str) -> String {
    if chrono::DateTime::parse_from_rfc3339(date_from).is_ok() {
        date_from.to_owned()
    } else if date_from.contains('T') {
        format!("{date_from}+03:00")
    } else {
        format!("{date_from}T00:00:00+03:00")
    }
}

/// A value for a query string: RFC 3986 unreserved characters as they are, the rest
/// percent-encoded (a `dateFrom` holds `:` and maybe `+`).
fn query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Every field any of the three reports has, as written: numbers keep their text.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRow<'a> {
    date: Option<String>,
    last_change_date: Option<String>,
    warehouse_name: Option<String>,
    region_name: Option<String>,
    supplier_article: Option<String>,
    #[serde(borrow)]
    nm_id: Option<&'a RawValue>,
    barcode: Option<String>,
    #[serde(borrow)]
    total_price: Option<&'a RawValue>,
    #[serde(borrow)]
    discount_percent: Option<&'a RawValue>,
    #[serde(borrow)]
    spp: Option<&'a RawValue>,
    #[serde(borrow)]
    finished_price: Option<&'a RawValue>,
    #[serde(borrow)]
    price_with_disc: Option<&'a RawValue>,
    #[serde(borrow)]
    for_pay: Option<&'a RawValue>,
    is_cancel: Option<bool>,
    cancel_date: Option<String>,
    #[serde(rename = "saleID")]
    sale_id: Option<String>,
    srid: Option<String>,
    #[serde(borrow)]
    quantity: Option<&'a RawValue>,
    #[serde(borrow)]
    in_way_to_client: Option<&'a RawValue>,
    #[serde(borrow)]
    in_way_from_client: Option<&'a RawValue>,
}

impl RawRow<'_> {
    fn key(&self, report: Report) -> Option<String> {
        match report {
            Report::Orders => self.srid.clone(),
            Report::Sales => self.sale_id.clone(),
            Report::Stocks => Some(format!(
                "{}/{}/{}",
                self.nm_id.map(RawValue::get).unwrap_or("?"),
                self.barcode.as_deref().unwrap_or("?"),
                self.warehouse_name.as_deref().unwrap_or("?")
            )),
        }
    }
}

/// A required text field.
fn text(value: &Option<String>, field: &'static str) -> Result<String, ReportValueError> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .ok_or(ReportValueError::Missing(field))
}

/// An optional text field ("" when absent).
fn text_or_empty(value: &Option<String>) -> String {
    value.as_deref().map(str::trim).unwrap_or_default().to_owned()
}

fn number<'a>(value: Option<&'a RawValue>, field: &'static str) -> Result<&'a str, ReportValueError> {
    value.map(RawValue::get).ok_or(ReportValueError::Missing(field))
}

fn money(value: Option<&RawValue>, field: &'static str) -> Result<SignedKopecks, ReportValueError> {
    SignedKopecks::from_roubles(number(value, field)?)
}

fn percent(value: Option<&RawValue>, field: &'static str) -> Result<BasisPoints, ReportValueError> {
    BasisPoints::from_percent(number(value, field)?)
}

/// A whole count (`quantity` and the like): a decimal with no fraction.
fn count(value: Option<&RawValue>, field: &'static str) -> Result<i64, ReportValueError> {
    let text = number(value, field)?;
    text.parse::<i64>()
        .map_err(|_| ReportValueError::NotADecimal(text.chars().take(40).collect()))
}

fn nm_id(value: Option<&RawValue>) -> Result<NmId, ReportValueError> {
    let id = count(value, "nmId")?;
    NmId::new(id).map_err(|_| ReportValueError::OutOfRange(id.to_string()))
}

fn time(value: &Option<String>, field: &'static str) -> Result<chrono::DateTime<chrono::Utc>, ReportValueError> {
    report_time(value.as_deref().ok_or(ReportValueError::Missing(field))?)
}

fn read_order(row: &RawRow<'_>) -> Result<ReportedOrder, ReportValueError> {
    let cancelled_at = match (row.is_cancel, row.cancel_date.as_deref()) {
        (Some(true), Some(date)) => Some(optional_report_time(date)?.ok_or(ReportValueError::Missing("cancelDate"))?),
        (Some(true), None) => return Err(ReportValueError::Missing("cancelDate")),
        _ => None,
    };
    Ok(ReportedOrder {
        srid: text(&row.srid, "srid")?,
        nm_id: nm_id(row.nm_id)?,
        barcode: text_or_empty(&row.barcode),
        vendor_code: text_or_empty(&row.supplier_article),
        warehouse: text_or_empty(&row.warehouse_name),
        region: text_or_empty(&row.region_name),
        ordered_at: time(&row.date, "date")?,
        changed_at: time(&row.last_change_date, "lastChangeDate")?,
        total_price: money(row.total_price, "totalPrice")?,
        discount: percent(row.discount_percent, "discountPercent")?,
        marketplace_discount: percent(row.spp, "spp")?,
        price_with_discount: money(row.price_with_disc, "priceWithDisc")?,
        finished_price: money(row.finished_price, "finishedPrice")?,
        cancelled_at,
    })
}

fn read_sale(row: &RawRow<'_>) -> Result<ReportedSale, ReportValueError> {
    let sale_id = text(&row.sale_id, "saleID")?;
    Ok(ReportedSale {
        kind: SaleKind::of(&sale_id)?,
        sale_id,
        srid: text(&row.srid, "srid")?,
        nm_id: nm_id(row.nm_id)?,
        barcode: text_or_empty(&row.barcode),
        vendor_code: text_or_empty(&row.supplier_article),
        warehouse: text_or_empty(&row.warehouse_name),
        region: text_or_empty(&row.region_name),
        sold_at: time(&row.date, "date")?,
        changed_at: time(&row.last_change_date, "lastChangeDate")?,
        price_with_discount: money(row.price_with_disc, "priceWithDisc")?,
        finished_price: money(row.finished_price, "finishedPrice")?,
        for_pay: money(row.for_pay, "forPay")?,
    })
}

fn read_stock(row: &RawRow<'_>) -> Result<ReportedStock, ReportValueError> {
    Ok(ReportedStock {
        nm_id: nm_id(row.nm_id)?,
        barcode: text_or_empty(&row.barcode),
        vendor_code: text_or_empty(&row.supplier_article),
        warehouse: text(&row.warehouse_name, "warehouseName")?,
        level: StockLevel {
            quantity: count(row.quantity, "quantity")?,
            in_way_to_client: count(row.in_way_to_client, "inWayToClient").unwrap_or(0),
            in_way_from_client: count(row.in_way_from_client, "inWayFromClient").unwrap_or(0),
        },
        changed_at: time(&row.last_change_date, "lastChangeDate")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(json: &str) -> RawRow<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn an_order_row_reads_exactly() {
        let order = read_order(&row(
            r#"{"date":"2022-03-04T18:08:31","lastChangeDate":"2022-03-06T10:11:07",
            "warehouseName":"Подольск","regionName":"Московская","supplierArticle":"12345","nmId":1234567,
            "barcode":"123453559000","totalPrice":1887,"discountPercent":18,"spp":26,"finishedPrice":1145,
            "priceWithDisc":1547.34,"isCancel":true,"cancelDate":"2022-03-09T00:00:00",
            "srid":"11.rf9ef11fce1684117b0nhj96222982382.3.0"}"#,
        ))
        .unwrap();
        assert_eq!(order.price_with_discount.get(), 154_734);
        assert_eq!(order.total_price.get(), 188_700);
        assert_eq!(order.marketplace_discount.get(), 2_600);
        assert!(order.cancelled_at.is_some());
        assert_eq!(order.vendor_code, "12345");
    }

    #[test]
    fn a_row_missing_a_key_or_with_a_bad_number_says_why() {
        let missing = read_order(&row(r#"{"date":"2022-03-04T18:08:31","nmId":1}"#)).unwrap_err();
        assert_eq!(missing, ReportValueError::Missing("srid"));
        let bad = read_sale(&row(
            r#"{"saleID":"S1","srid":"x","nmId":1,"date":"2022-03-04","lastChangeDate":"2022-03-04",
                "priceWithDisc":"12","finishedPrice":1,"forPay":1}"#,
        ))
        .unwrap_err();
        assert!(matches!(bad, ReportValueError::NotADecimal(_)), "{bad:?}");
        let kind = read_sale(&row(r#"{"saleID":"D1"}"#)).unwrap_err();
        assert!(matches!(kind, ReportValueError::UnknownSaleKind(_)));
    }

    #[test]
    fn date_from_gets_the_zone_the_report_means() {
        assert_eq!(zoned("2022-03-06T10:11:07"), "2022-03-06T10:11:07+03:00");
        assert_eq!(zoned("2022-03-06T10:11:07.123"), "2022-03-06T10:11:07.123+03:00");
        assert_eq!(zoned("2019-06-20"), "2019-06-20T00:00:00+03:00");
        assert_eq!(zoned("2022-03-06T07:11:07Z"), "2022-03-06T07:11:07Z");
    }

    #[test]
    fn date_from_is_encoded_for_the_query() {
        assert_eq!(query_value("2022-03-06T10:11:07"), "2022-03-06T10%3A11%3A07");
        assert_eq!(
            query_value("2022-03-06T10:11:07+03:00"),
            "2022-03-06T10%3A11%3A07%2B03%3A00"
        );
    }
}
