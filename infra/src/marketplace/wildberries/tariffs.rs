//! The tariffs API's commission by subject (`GET /api/v1/tariffs/commission`,
//! `tariffs-openapi.yaml`): one request a minute (burst 2), the whole table at once.

use super::client::{WbAccount, WbApi, WbClient, WbError};
use super::limits::LimitGroup;
use super::statistics::InvalidRow;
use gomarket_domain::marketplace::values::{Marketplace, SubjectId};
use gomarket_domain::sales::commission::{CommissionRates, ObservedRates};
use gomarket_domain::sales::values::{BasisPoints, ReportValueError};
use reqwest::Method;
use serde::Deserialize;
use serde_json::value::RawValue;

/// A subject's rates as written: percentages keep their text.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCommission<'a> {
    #[serde(rename = "subjectID", borrow)]
    subject_id: Option<&'a RawValue>,
    subject_name: Option<String>,
    parent_name: Option<String>,
    #[serde(borrow)]
    kgvp_marketplace: Option<&'a RawValue>,
    #[serde(borrow)]
    kgvp_supplier: Option<&'a RawValue>,
    #[serde(borrow)]
    kgvp_supplier_express: Option<&'a RawValue>,
    #[serde(borrow)]
    kgvp_pickup: Option<&'a RawValue>,
    #[serde(borrow)]
    kgvp_booking: Option<&'a RawValue>,
    #[serde(borrow)]
    paid_storage_kgvp: Option<&'a RawValue>,
}

#[derive(Debug, Deserialize)]
struct RawTable<'a> {
    #[serde(borrow)]
    report: Vec<&'a RawValue>,
}

impl WbClient {
    /// The commission table in Russian (`locale=ru`): every subject's rates, or why a row could
    /// not be read.
    pub async fn commission(&self, account: &WbAccount) -> Result<Vec<Result<ObservedRates, InvalidRow>>, WbError> {
        let (_, bytes) = self
            .send_raw(
                account,
                LimitGroup::Tariffs,
                WbApi::Tariffs,
                Method::GET,
                "/api/v1/tariffs/commission?locale=ru",
                None,
            )
            .await?;
        let table: RawTable<'_> = serde_json::from_slice(&bytes).map_err(|e| WbError::BadResponse {
            reason: format!("/api/v1/tariffs/commission: {e}"),
        })?;
        Ok(table
            .report
            .into_iter()
            .map(|raw| {
                let row: RawCommission<'_> =
                    serde_json::from_str(raw.get()).map_err(|e| InvalidRow::new(None, e.to_string(), raw.get()))?;
                let key = row.subject_id.map(|id| id.get().to_owned());
                read_rates(&row).map_err(|e| InvalidRow::new(key, e.to_string(), raw.get()))
            })
            .collect())
    }
}

fn rate(value: Option<&RawValue>) -> Result<Option<BasisPoints>, ReportValueError> {
    value
        .filter(|v| v.get() != "null")
        .map(|v| BasisPoints::from_percent(v.get()))
        .transpose()
}

fn read_rates(row: &RawCommission<'_>) -> Result<ObservedRates, ReportValueError> {
    let subject = row.subject_id.ok_or(ReportValueError::Missing("subjectID"))?.get();
    let subject_id = subject
        .parse::<i64>()
        .ok()
        .and_then(|id| SubjectId::new(id).ok())
        .ok_or_else(|| ReportValueError::OutOfRange(subject.chars().take(40).collect()))?;
    Ok(ObservedRates {
        marketplace: Marketplace::Wildberries,
        subject_id,
        subject_name: row.subject_name.clone().unwrap_or_default(),
        parent_name: row.parent_name.clone().unwrap_or_default(),
        rates: CommissionRates {
            marketplace_warehouse: rate(row.paid_storage_kgvp)?,
            seller_warehouse: rate(row.kgvp_marketplace)?,
            seller_delivery: rate(row.kgvp_supplier)?,
            seller_express: rate(row.kgvp_supplier_express)?,
            pickup: rate(row.kgvp_pickup)?,
            booking: rate(row.kgvp_booking)?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_reads_exactly() {
        let row: RawCommission<'_> = serde_json::from_str(
            r#"{"kgvpBooking":14.5,"kgvpMarketplace":15.5,"kgvpPickup":14.5,"kgvpSupplier":12.5,
                "kgvpSupplierExpress":3,"paidStorageKgvp":15.5,"parentID":657,"parentName":"Бытовая техника",
                "subjectID":6461,"subjectName":"Оборудование зуботехническое"}"#,
        )
        .unwrap();
        let observed = read_rates(&row).unwrap();
        assert_eq!(observed.subject_id.get(), 6461);
        assert_eq!(observed.rates.seller_warehouse, Some(BasisPoints::new(1_550)));
        assert_eq!(observed.rates.seller_express, Some(BasisPoints::new(300)));
        assert_eq!(observed.rates.marketplace_warehouse, Some(BasisPoints::new(1_550)));
    }
}
