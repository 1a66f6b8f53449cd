//! The Prices and Discounts API: price tasks (asynchronous) and their outcome per item.

use super::client::{WbAccount, WbApi, WbClient, WbError};
use super::limits::LimitGroup;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

/// Most items per price task.
pub const PRICE_BATCH: usize = 1000;

/// One item of a price task: price in whole roubles, discount in percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceItem {
    pub nm_id: u64,
    pub price: u64,
    pub discount: u8,
}

/// A task Wildberries took (or already had: an identical task answers 208 with its id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceTask {
    pub id: u64,
    pub already_existed: bool,
}

/// Where a task stands (`history/tasks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Not processed yet (not in the history).
    Processing,
    /// 3: every item applied.
    Done,
    /// 4: cancelled.
    Cancelled,
    /// 5: some items failed.
    Partial,
    /// 6: every item failed.
    Failed,
}

/// One item's result in a processed task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemResult {
    pub nm_id: u64,
    pub error: Option<String>,
}

#[derive(Deserialize)]
struct GoodHistory {
    #[serde(rename = "nmID")]
    nm_id: u64,
    #[serde(rename = "errorText", default)]
    error_text: Option<String>,
}

impl WbClient {
    pub async fn upload_prices(&self, account: &WbAccount, items: &[PriceItem]) -> Result<PriceTask, WbError> {
        let data: Vec<Value> = items
            .iter()
            .map(|i| json!({ "nmID": i.nm_id, "price": i.price, "discount": i.discount }))
            .collect();
        let answer = self
            .send(
                account,
                LimitGroup::Prices,
                WbApi::Prices,
                Method::POST,
                "/api/v2/upload/task",
                Some(&json!({ "data": data })),
            )
            .await?;
        let id = answer.body["data"]["id"].as_u64().ok_or_else(|| WbError::BadResponse {
            reason: format!("price task without an id: {}", answer.body),
        })?;
        Ok(PriceTask {
            id,
            already_existed: answer.status == StatusCode::ALREADY_REPORTED
                || answer.body["data"]["alreadyExists"].as_bool() == Some(true),
        })
    }

    pub async fn price_task_state(&self, account: &WbAccount, task: u64) -> Result<TaskState, WbError> {
        let answer = self
            .send(
                account,
                LimitGroup::Prices,
                WbApi::Prices,
                Method::GET,
                &format!("/api/v2/history/tasks?uploadID={task}"),
                None,
            )
            .await?;
        Ok(match answer.body["data"]["status"].as_u64() {
            Some(3) => TaskState::Done,
            Some(4) => TaskState::Cancelled,
            Some(5) => TaskState::Partial,
            Some(6) => TaskState::Failed,
            _ => TaskState::Processing,
        })
    }

    /// Each item's result in a processed task (paged by 1000).
    pub async fn price_task_items(&self, account: &WbAccount, task: u64) -> Result<Vec<ItemResult>, WbError> {
        let mut items = Vec::new();
        let mut offset = 0;
        loop {
            let path = format!("/api/v2/history/goods/task?uploadID={task}&limit={PRICE_BATCH}&offset={offset}");
            let answer = self
                .send(account, LimitGroup::Prices, WbApi::Prices, Method::GET, &path, None)
                .await?;
            let goods: Vec<GoodHistory> =
                serde_json::from_value(answer.body["data"]["historyGoods"].clone()).unwrap_or_default();
            let count = goods.len();
            items.extend(goods.into_iter().map(|g| ItemResult {
                nm_id: g.nm_id,
                error: g.error_text.filter(|t| !t.trim().is_empty()),
            }));
            if count < PRICE_BATCH || offset > 100 * PRICE_BATCH {
                return Ok(items);
            }
            offset += PRICE_BATCH;
        }
    }
}
