//! The Content API: creating cards, finding our cards again by vendor code, and reading the
//! drafts Wildberries failed to create.

use super::client::{WbAccount, WbApi, WbClient, WbError};
use super::limits::LimitGroup;
use gomarket_domain::marketplace::card::{CardDraft, CharacteristicValue};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};

/// Most merged cards per `cards/upload` request.
pub const UPLOAD_BATCH: usize = 100;
/// Most cards per `cards/list` page.
pub const LIST_PAGE: usize = 100;
/// Largest `cards/upload` body.
pub const UPLOAD_MAX_BYTES: usize = 10 * 1024 * 1024;

/// The `cards/upload` element of one product: a merged card of one variant.
pub fn upload_item(card: &CardDraft) -> Value {
    let d = &card.dimensions;
    let mut variant = json!({
        "vendorCode": card.vendor_code.as_str(),
        "title": card.title,
        "description": card.description,
        "dimensions": {
            "length": d.length_cm,
            "width": d.width_cm,
            "height": d.height_cm,
            // Kilograms with at most 3 decimals: grams / 1000 is exact in that many.
            "weightBrutto": f64::from(d.weight_g) / 1000.0,
        },
        "sizes": [{ "skus": card.barcodes }],
        "characteristics": card.characteristics.iter().map(|c| json!({
            "id": c.id,
            "value": match &c.value {
                CharacteristicValue::Texts(texts) => json!(texts),
                CharacteristicValue::Number(n) => json!(n),
            },
        })).collect::<Vec<_>>(),
    });
    if let Some(brand) = &card.brand {
        variant["brand"] = json!(brand);
    }
    json!({ "subjectID": card.subject_id.get(), "variants": [variant] })
}

/// Splits cards into upload requests: at most [`UPLOAD_BATCH`] each and under the size cap.
pub fn upload_batches(cards: &[CardDraft]) -> Vec<Vec<Value>> {
    let mut batches: Vec<Vec<Value>> = Vec::new();
    let mut size = 0;
    for card in cards {
        let item = upload_item(card);
        let item_size = item.to_string().len() + 1;
        let full = batches
            .last()
            .is_none_or(|b| b.len() >= UPLOAD_BATCH || size + item_size > UPLOAD_MAX_BYTES - 1024);
        if full {
            batches.push(Vec::new());
            size = 0;
        }
        size += item_size;
        batches.last_mut().expect("pushed above").push(item);
    }
    batches
}

/// A card of ours as `cards/list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedCard {
    pub vendor_code: String,
    pub nm_id: u64,
    pub chrt_ids: Vec<u64>,
}

#[derive(Deserialize)]
struct CardsPage {
    #[serde(default)]
    cards: Vec<RawCard>,
    cursor: Option<RawCursor>,
}

#[derive(Deserialize)]
struct RawCard {
    #[serde(rename = "nmID")]
    nm_id: u64,
    #[serde(rename = "vendorCode", default)]
    vendor_code: String,
    #[serde(default)]
    sizes: Vec<RawSize>,
}

#[derive(Deserialize)]
struct RawSize {
    #[serde(rename = "chrtID")]
    chrt_id: Option<u64>,
}

#[derive(Deserialize)]
struct RawCursor {
    #[serde(rename = "updatedAt")]
    updated_at: Option<String>,
    #[serde(rename = "nmID")]
    nm_id: Option<u64>,
    total: Option<u64>,
}

/// Why a draft was not created, per vendor code, from `cards/error/list`.
pub type CardErrors = BTreeMap<String, Vec<String>>;

impl WbClient {
    /// Uploads cards (one request per batch). Acceptance is asynchronous: the cards show up
    /// in [`list_cards`](Self::list_cards) or, refused, in [`card_errors`](Self::card_errors).
    pub async fn upload_cards(&self, account: &WbAccount, batch: &[Value]) -> Result<(), WbError> {
        let body = Value::Array(batch.to_vec());
        let answer = self
            .send(
                account,
                LimitGroup::CardsWrite,
                WbApi::Content,
                Method::POST,
                "/content/v2/cards/upload",
                Some(&body),
            )
            .await?;
        if answer.body.get("error").and_then(Value::as_bool) == Some(true) {
            return Err(WbError::Refused {
                status: answer.status.as_u16(),
                message: super::client::error_text(&answer.body).unwrap_or_else(|| "upload refused".into()),
                body: answer.body,
            });
        }
        Ok(())
    }

    /// Every card of the account (paged by the documented cursor), as vendor code → ids.
    pub async fn list_cards(&self, account: &WbAccount) -> Result<Vec<ListedCard>, WbError> {
        self.cards_until(account, |_| false).await
    }

    /// The cards with these vendor codes that exist. Cards come newest first (Wildberries'
    /// default order), so paging stops as soon as every code is found: recently uploaded
    /// cards cost one page, not the account's whole catalog.
    pub async fn find_cards(
        &self,
        account: &WbAccount,
        vendor_codes: &HashSet<String>,
    ) -> Result<Vec<ListedCard>, WbError> {
        let mut missing = vendor_codes.clone();
        let cards = self
            .cards_until(account, |card| {
                missing.remove(&card.vendor_code);
                missing.is_empty()
            })
            .await?;
        Ok(cards
            .into_iter()
            .filter(|c| vendor_codes.contains(&c.vendor_code))
            .collect())
    }

    /// Pages through the cards until `enough` says so after a card, or the list ends.
    async fn cards_until(
        &self,
        account: &WbAccount,
        mut enough: impl FnMut(&ListedCard) -> bool,
    ) -> Result<Vec<ListedCard>, WbError> {
        let mut cards = Vec::new();
        let mut cursor = json!({ "limit": LIST_PAGE });
        loop {
            let body = json!({ "settings": { "sort": { "ascending": false }, "cursor": cursor,
                                             "filter": { "withPhoto": -1 } } });
            let page: CardsPage = self
                .send(
                    account,
                    LimitGroup::Content,
                    WbApi::Content,
                    Method::POST,
                    "/content/v2/get/cards/list",
                    Some(&body),
                )
                .await?
                .parse()?;
            let count = page.cards.len();
            let mut done = false;
            for c in page.cards {
                let card = ListedCard {
                    vendor_code: c.vendor_code,
                    nm_id: c.nm_id,
                    chrt_ids: c.sizes.into_iter().filter_map(|s| s.chrt_id).collect(),
                };
                done |= enough(&card);
                cards.push(card);
            }
            let Some(next) = page.cursor else { break };
            let total = next.total.unwrap_or(count as u64);
            if done || total < LIST_PAGE as u64 || count == 0 {
                break;
            }
            let (Some(updated_at), Some(nm_id)) = (next.updated_at, next.nm_id) else {
                break;
            };
            let following = json!({ "limit": LIST_PAGE, "updatedAt": updated_at, "nmID": nm_id });
            if following == cursor {
                break; // the cursor did not move: nothing more
            }
            cursor = following;
        }
        Ok(cards)
    }

    /// The drafts that failed, by vendor code, with Wildberries' reasons.
    pub async fn card_errors(&self, account: &WbAccount) -> Result<CardErrors, WbError> {
        let mut errors = CardErrors::new();
        let mut cursor = json!({ "limit": 100 });
        loop {
            let body = json!({ "cursor": cursor, "order": { "ascending": true } });
            let answer = self
                .send(
                    account,
                    LimitGroup::CardErrors,
                    WbApi::Content,
                    Method::POST,
                    "/content/v2/cards/error/list",
                    Some(&body),
                )
                .await?;
            let data = &answer.body["data"];
            for item in data["items"].as_array().into_iter().flatten() {
                let reasons: Vec<String> = item["errors"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .flat_map(|(_, list)| list.as_array().into_iter().flatten())
                    .filter_map(|e| e.as_str().map(str::to_owned))
                    .collect();
                for code in item["vendorCodes"].as_array().into_iter().flatten() {
                    if let Some(code) = code.as_str() {
                        errors
                            .entry(code.to_owned())
                            .or_default()
                            .extend(reasons.iter().cloned());
                    }
                }
            }
            let next = &data["cursor"];
            let following = json!({ "limit": 100, "updatedAt": next["updatedAt"], "batchUUID": next["batchUUID"] });
            // Stop at the end, and on a page that does not move the cursor (nothing new).
            let empty = data["items"].as_array().is_none_or(Vec::is_empty);
            if next["next"].as_bool() != Some(true) || empty || following == cursor {
                break;
            }
            cursor = following;
        }
        Ok(errors)
    }
}
