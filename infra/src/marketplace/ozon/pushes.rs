//! Prices (`/v1/product/import/prices`, ≤ 1 000 a request) and stocks
//! (`/v2/products/stocks`, ≤ 100 product-warehouse pairs a request, 80 requests a minute):
//! both answered at once, item by item, in Ozon's words.

use super::client::OzonClient;
use super::limits::STOCKS;
use crate::marketplace::port::{Credentials, MarketplaceError};
use serde::Deserialize;
use serde_json::{Value, json};

/// One item's answer to a price or stock update.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UpdateResult {
    #[serde(default)]
    pub product_id: u64,
    #[serde(default)]
    pub offer_id: String,
    #[serde(default)]
    pub warehouse_id: u64,
    #[serde(default)]
    pub updated: bool,
    #[serde(default)]
    pub errors: Vec<UpdateError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UpdateError {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

impl UpdateResult {
    /// Ozon's words for why the item was not updated.
    pub fn reason(&self) -> String {
        let texts: Vec<String> = self
            .errors
            .iter()
            .map(|e| match (e.code.trim(), e.message.trim()) {
                (code, "") => code.to_owned(),
                ("", message) => message.to_owned(),
                (code, message) => format!("{code}: {message}"),
            })
            .filter(|t| !t.is_empty())
            .collect();
        if texts.is_empty() {
            "Ozon did not update the item".to_owned()
        } else {
            texts.join("; ")
        }
    }

    /// Whether any of its errors has this code (case aside).
    pub fn has_code(&self, code: &str) -> bool {
        self.errors.iter().any(|e| e.code.eq_ignore_ascii_case(code))
    }
}

#[derive(Deserialize)]
struct UpdateAnswer {
    #[serde(default)]
    result: Vec<UpdateResult>,
}

impl OzonClient {
    /// Sends prices (each item as `/v1/product/import/prices` takes it).
    pub async fn update_prices(
        &self,
        credentials: &Credentials,
        prices: Vec<Value>,
    ) -> Result<Vec<UpdateResult>, MarketplaceError> {
        let body = json!({ "prices": prices });
        let answer: UpdateAnswer = self
            .post_for(credentials, None, "/v1/product/import/prices", Some(&body))
            .await?;
        Ok(answer.result)
    }

    /// Sends stocks (each item as `/v2/products/stocks` takes it), at most 80 requests a
    /// minute per account.
    pub async fn update_stocks(
        &self,
        credentials: &Credentials,
        stocks: Vec<Value>,
    ) -> Result<Vec<UpdateResult>, MarketplaceError> {
        let body = json!({ "stocks": stocks });
        let answer: UpdateAnswer = self
            .post_for(credentials, Some(STOCKS), "/v2/products/stocks", Some(&body))
            .await?;
        Ok(answer.result)
    }
}
