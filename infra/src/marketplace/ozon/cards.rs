//! Products on Ozon: the import (≤ 100 a request, answered by a task), the task's outcome
//! per item, the daily quota, products found again by offer id, and a category's attributes.

use super::client::OzonClient;
use super::limits::INFO_BATCH;
use super::money::{OzonPrice, roubles_text};
use crate::marketplace::port::{Credentials, MarketplaceError};
use chrono::{DateTime, Utc};
use gomarket_domain::marketplace::card::{CardDraft, CharacteristicValue};
use gomarket_domain::marketplace::listing::ListingTarget;
use serde::Deserialize;
use serde_json::{Value, json};

/// Ozon's attribute of the brand (`Бренд`).
pub const BRAND_ATTRIBUTE: u64 = 85;
/// Attributes Ozon fills from the item's own fields: the type (`type_id`) and the name.
pub const FILLED_FROM_FIELDS: [u64; 2] = [8229, 4180];

/// The `/v3/product/import` item of one card: its category and type, offer id (the vendor
/// code), name, prices, VAT, packed size in centimetres and weight in grams, barcode, images,
/// and the mapped attributes (the brand as attribute 85 unless mapped).
pub fn import_item(card: &CardDraft, target: &ListingTarget) -> Value {
    let price = OzonPrice::of(target.price, target.discount);
    let mut attributes: Vec<Value> = card
        .characteristics
        .iter()
        .map(|c| {
            let values: Vec<Value> = match &c.value {
                CharacteristicValue::Texts(texts) => texts.iter().map(|t| json!({ "value": t })).collect(),
                CharacteristicValue::Number(n) => vec![json!({ "value": n.to_string() })],
            };
            json!({ "complex_id": 0, "id": c.id, "values": values })
        })
        .collect();
    if let Some(brand) = &card.brand
        && !card.characteristics.iter().any(|c| c.id == BRAND_ATTRIBUTE)
    {
        attributes.push(json!({ "complex_id": 0, "id": BRAND_ATTRIBUTE, "values": [{ "value": brand }] }));
    }
    let d = &card.dimensions;
    let mut item = json!({
        "description_category_id": card.subject_id.get(),
        "type_id": card.type_id.unwrap_or_default(),
        "offer_id": card.vendor_code.as_str(),
        "name": card.title,
        "price": roubles_text(price.price),
        "old_price": roubles_text(price.old_price),
        "currency_code": "RUB",
        "vat": "0",
        "depth": d.length_cm,
        "width": d.width_cm,
        "height": d.height_cm,
        "dimension_unit": "cm",
        "weight": d.weight_g,
        "weight_unit": "g",
        "images": card.images.iter().take(15).collect::<Vec<_>>(),
        "attributes": attributes,
    });
    if let Some(barcode) = card.barcodes.first() {
        item["barcode"] = json!(barcode);
    }
    item
}

#[derive(Deserialize)]
struct ImportAnswer {
    result: ImportResult,
}

#[derive(Deserialize)]
struct ImportResult {
    task_id: u64,
}

/// One item of an import task, as `/v1/product/import/info` tells it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ImportedItem {
    #[serde(default)]
    pub offer_id: String,
    #[serde(default)]
    pub product_id: u64,
    /// `pending`, `imported`, `failed` or `skipped`.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub errors: Vec<ItemError>,
}

/// An error of an imported item, in Ozon's words.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ItemError {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub attribute_name: String,
    #[serde(default)]
    pub description: String,
}

impl ItemError {
    /// Whether the error stops the product (a warning does not).
    pub fn is_blocking(&self) -> bool {
        !self.level.to_lowercase().contains("warning")
    }

    /// Ozon's text: its description or message, with the attribute and code it names.
    pub fn text(&self) -> String {
        let words = [&self.description, &self.message]
            .into_iter()
            .find(|t| !t.trim().is_empty())
            .map_or_else(|| self.code.clone(), |t| t.trim().to_owned());
        match (self.attribute_name.trim(), self.code.trim()) {
            ("", "") => words,
            ("", code) => format!("{code}: {words}"),
            (attribute, "") => format!("{attribute}: {words}"),
            (attribute, code) => format!("{code} ({attribute}): {words}"),
        }
    }
}

#[derive(Deserialize)]
struct ImportInfoAnswer {
    result: ImportInfoResult,
}

#[derive(Deserialize)]
struct ImportInfoResult {
    #[serde(default)]
    items: Vec<ImportedItem>,
}

/// The daily quota of `/v4/product/info/limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct UploadQuota {
    pub daily_create: DailyQuota,
    pub daily_update: DailyQuota,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct DailyQuota {
    #[serde(default)]
    pub limit: i64,
    #[serde(default)]
    pub usage: i64,
    pub reset_at: DateTime<Utc>,
}

impl DailyQuota {
    /// What is left today (never negative; a limit of 0 or less is taken as none left).
    pub fn left(&self) -> u64 {
        u64::try_from(self.limit - self.usage).unwrap_or(0)
    }
}

/// A product as `/v3/product/info/list` shows it (what we use of it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProductInfo {
    #[serde(default)]
    pub id: u64,
    #[serde(default)]
    pub offer_id: String,
}

#[derive(Deserialize)]
struct InfoListAnswer {
    #[serde(default)]
    items: Vec<ProductInfo>,
}

/// One attribute of a category and type (`/v1/description-category/attribute`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CategoryAttribute {
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub is_required: bool,
}

#[derive(Deserialize)]
struct AttributesAnswer {
    #[serde(default)]
    result: Vec<CategoryAttribute>,
}

impl OzonClient {
    /// Imports one batch of products; the task to read the outcome from.
    pub async fn import_products(&self, credentials: &Credentials, items: Vec<Value>) -> Result<u64, MarketplaceError> {
        let body = json!({ "items": items });
        let answer: ImportAnswer = self
            .post_for(credentials, None, "/v3/product/import", Some(&body))
            .await?;
        Ok(answer.result.task_id)
    }

    /// The items of import task `task_id`.
    pub async fn import_info(
        &self,
        credentials: &Credentials,
        task_id: u64,
    ) -> Result<Vec<ImportedItem>, MarketplaceError> {
        let body = json!({ "task_id": task_id });
        let answer: ImportInfoAnswer = self
            .post_for(credentials, None, "/v1/product/import/info", Some(&body))
            .await?;
        Ok(answer.result.items)
    }

    /// Today's quotas of product creation and update.
    pub async fn upload_quota(&self, credentials: &Credentials) -> Result<UploadQuota, MarketplaceError> {
        self.post_for(credentials, None, "/v4/product/info/limit", Some(&json!({})))
            .await
    }

    /// The products with these offer ids that exist (asked 1 000 at a time).
    pub async fn products_by_offer_id(
        &self,
        credentials: &Credentials,
        offer_ids: &[String],
    ) -> Result<Vec<ProductInfo>, MarketplaceError> {
        let mut found = Vec::new();
        for chunk in offer_ids.chunks(INFO_BATCH) {
            let body = json!({ "offer_id": chunk });
            let answer: InfoListAnswer = self
                .post_for(credentials, None, "/v3/product/info/list", Some(&body))
                .await?;
            found.extend(answer.items.into_iter().filter(|p| p.id > 0));
        }
        Ok(found)
    }

    /// The attributes of a category and type.
    pub async fn category_attributes(
        &self,
        credentials: &Credentials,
        category_id: u64,
        type_id: u64,
    ) -> Result<Vec<CategoryAttribute>, MarketplaceError> {
        let body = json!({ "description_category_id": category_id, "type_id": type_id, "language": "DEFAULT" });
        let answer: AttributesAnswer = self
            .post_for(credentials, None, "/v1/description-category/attribute", Some(&body))
            .await?;
        Ok(answer.result)
    }

    /// The seller's FBS and rFBS warehouses (`/v1/warehouse/list`, no body): the cheap
    /// authenticated call that checks an account's credentials.
    pub async fn warehouses(&self, credentials: &Credentials) -> Result<Vec<i64>, MarketplaceError> {
        #[derive(Deserialize)]
        struct Warehouse {
            #[serde(default)]
            warehouse_id: i64,
        }
        #[derive(Deserialize)]
        struct Answer {
            #[serde(default)]
            result: Vec<Warehouse>,
        }
        let answer: Answer = self.post_for(credentials, None, "/v1/warehouse/list", None).await?;
        Ok(answer.result.into_iter().map(|w| w.warehouse_id).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_error_reads_as_ozon_wrote_it() {
        let error = ItemError {
            code: "required_attribute_missing".into(),
            message: "".into(),
            level: "error".into(),
            attribute_name: "Бренд".into(),
            description: "Не заполнен обязательный атрибут".into(),
        };
        assert_eq!(
            error.text(),
            "required_attribute_missing (Бренд): Не заполнен обязательный атрибут"
        );
        assert!(error.is_blocking());
        assert!(
            !ItemError {
                level: "warning".into(),
                ..error
            }
            .is_blocking()
        );
    }
}
