//! The Marketplace API: seller warehouse stocks, by `chrtId` (never the legacy barcode `sku`).

use super::client::{WbAccount, WbApi, WbClient, WbError};
use super::limits::LimitGroup;
use reqwest::Method;
use serde_json::{Value, json};

/// Most items per stocks request.
pub const STOCK_BATCH: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockItem {
    pub chrt_id: u64,
    pub amount: u32,
}

impl WbClient {
    /// Sets stocks on a warehouse: 204 is success; a 409 (and other 4xx) comes back as
    /// [`WbError::Refused`] whose body lists the problems.
    pub async fn put_stocks(&self, account: &WbAccount, warehouse: u64, items: &[StockItem]) -> Result<(), WbError> {
        let stocks: Vec<Value> = items
            .iter()
            .map(|i| json!({ "chrtId": i.chrt_id, "amount": i.amount }))
            .collect();
        self.send(
            account,
            LimitGroup::Marketplace,
            WbApi::Marketplace,
            Method::PUT,
            &format!("/api/v3/stocks/{warehouse}"),
            Some(&json!({ "stocks": stocks })),
        )
        .await
        .map(drop)
    }

    /// Checks the token: `GET /ping` on the common API.
    pub async fn ping(&self, account: &WbAccount) -> Result<(), WbError> {
        self.send(account, LimitGroup::Ping, WbApi::Common, Method::GET, "/ping", None)
            .await
            .map(drop)
    }
}
