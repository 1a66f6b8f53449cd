//! Ozon behind the marketplace port: products are imported as tasks whose items end
//! `imported`, `failed` (with Ozon's errors) or `skipped`; a category's required attributes
//! are checked before a card is sent; the daily creation quota is read before an upload;
//! prices and stocks are answered at once, item by item; a product-warehouse pair's stock is
//! set at most once per 30 s; a product still in moderation takes its stock later.

use super::cards::{BRAND_ATTRIBUTE, CategoryAttribute, FILLED_FROM_FIELDS, import_item};
use super::client::OzonClient;
use super::limits::{IMPORT_BATCH, PRICE_BATCH, PRICE_CHANGES_PER_HOUR, STOCK_BATCH, STOCK_PAIR_EVERY};
use super::money::{OzonPrice, roubles_text};
use super::postings::{FBO, FBS};
use crate::marketplace::port::{
    CardFound, CardQuota, CardUpload, CardWanted, CardsTaken, Credentials, FeedCursor, FeedWindow, MarketplaceApi,
    MarketplaceError, PriceChange, PriceTaskState, PricesTaken, PushLimits, SalesPage, StockChange, StockPushed,
    batches_by_weight,
};
use async_trait::async_trait;
use gomarket_domain::marketplace::card::CardDraft;
use gomarket_domain::marketplace::listing::PriceOutcome;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a category's attributes are trusted before they are read again.
const ATTRIBUTES_KEPT: Duration = Duration::from_secs(3600);
/// How long a product in moderation waits before its stock is tried again.
const MODERATION_WAIT: Duration = Duration::from_secs(600);

/// A category and product type.
type CategoryKey = (u64, u64);
/// A product-warehouse pair of an account.
type StockPair = (Uuid, u64, u64);
/// Categories' attributes, with when each was read.
type AttributesRead = HashMap<CategoryKey, (Instant, Arc<Vec<CategoryAttribute>>)>;

/// The Ozon adapter: its client, shared by every Ozon account, with what it remembers
/// between rounds (categories' attributes, when each stock pair was last set).
#[derive(Debug, Clone)]
pub struct OzonAdapter {
    client: OzonClient,
    attributes: Arc<Mutex<AttributesRead>>,
    stocks_set: Arc<Mutex<HashMap<StockPair, Instant>>>,
}

impl OzonAdapter {
    pub fn new(client: OzonClient) -> Self {
        Self {
            client,
            attributes: Arc::default(),
            stocks_set: Arc::default(),
        }
    }

    /// The attributes of a category and type, read at most once an hour.
    async fn attributes_of(
        &self,
        credentials: &Credentials,
        key: CategoryKey,
    ) -> Result<Arc<Vec<CategoryAttribute>>, MarketplaceError> {
        if let Some((at, known)) = self.attributes.lock().expect("attributes lock").get(&key)
            && at.elapsed() < ATTRIBUTES_KEPT
        {
            return Ok(known.clone());
        }
        let read = Arc::new(self.client.category_attributes(credentials, key.0, key.1).await?);
        self.attributes
            .lock()
            .expect("attributes lock")
            .insert(key, (Instant::now(), read.clone()));
        Ok(read)
    }

    /// Why the category's rules refuse `card`, if they do.
    async fn refusal_of(
        &self,
        credentials: &Credentials,
        card: &CardDraft,
    ) -> Result<Option<String>, MarketplaceError> {
        let Some(type_id) = card.type_id else {
            return Ok(Some(
                "UNMAPPED_TYPE: the category mapping has no Ozon product type (typeId)".to_owned(),
            ));
        };
        let attributes = match self.attributes_of(credentials, (card.subject_id.get(), type_id)).await {
            Ok(attributes) => attributes,
            Err(MarketplaceError::Refused { message, .. }) => {
                return Ok(Some(format!(
                    "UNKNOWN_CATEGORY: Ozon has no category {} with type {type_id}: {message}",
                    card.subject_id.get()
                )));
            }
            Err(other) => return Err(other),
        };
        let given = |id: u64| {
            FILLED_FROM_FIELDS.contains(&id)
                || card.characteristics.iter().any(|c| c.id == id)
                || (id == BRAND_ATTRIBUTE && card.brand.is_some())
        };
        Ok(attributes.iter().find(|a| a.is_required && !given(a.id)).map(|missing| {
            format!(
                "MISSING_ATTRIBUTE: required attribute {:?} (id {}) of the Ozon category has no value; map it with setCategoryMapping",
                missing.name, missing.id
            )
        }))
    }
}

#[async_trait]
impl MarketplaceApi for OzonAdapter {
    fn limits(&self) -> PushLimits {
        PushLimits {
            price_batch: PRICE_BATCH,
            price_changes_per_hour: Some(PRICE_CHANGES_PER_HOUR),
            price_window: self.client.limits().scaled(Duration::from_secs(3600)),
        }
    }

    async fn check_credentials(&self, credentials: &Credentials) -> Result<(), MarketplaceError> {
        self.client.warehouses(credentials).await.map(drop)
    }

    fn card_batches(&self, cards: &[CardDraft]) -> Vec<usize> {
        batches_by_weight(cards, IMPORT_BATCH, |_| 1)
    }

    fn may_upload_cards(&self, _: &Credentials) -> bool {
        // No limit of its own beyond Ozon's on all methods; the daily quota is read first.
        true
    }

    async fn card_quota(&self, credentials: &Credentials) -> Result<Option<CardQuota>, MarketplaceError> {
        let quota = self.client.upload_quota(credentials).await?;
        Ok(Some(CardQuota {
            create_left: quota.daily_create.left(),
            resets_at: quota.daily_create.reset_at,
        }))
    }

    async fn check_cards(
        &self,
        credentials: &Credentials,
        cards: &[CardDraft],
    ) -> Result<Vec<Option<String>>, MarketplaceError> {
        let mut refusals = Vec::with_capacity(cards.len());
        for card in cards {
            refusals.push(self.refusal_of(credentials, card).await?);
        }
        Ok(refusals)
    }

    async fn upload_cards(
        &self,
        credentials: &Credentials,
        cards: &[CardUpload<'_>],
    ) -> Result<CardsTaken, MarketplaceError> {
        let items = cards.iter().map(|c| import_item(c.draft, c.target)).collect();
        let task = self.client.import_products(credentials, items).await?;
        Ok(CardsTaken { task: Some(task) })
    }

    async fn find_cards(
        &self,
        credentials: &Credentials,
        wanted: &[CardWanted],
        refusals: bool,
    ) -> Result<HashMap<String, CardFound>, MarketplaceError> {
        let mut found = HashMap::new();
        let mut by_task: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
        let mut untasked = Vec::new();
        for card in wanted {
            match card.task {
                Some(task) => by_task.entry(task).or_default().push(&card.vendor_code),
                None => untasked.push(card.vendor_code.clone()),
            }
        }
        for (task, codes) in by_task {
            let items = self.client.import_info(credentials, task).await?;
            for item in items.into_iter().filter(|i| codes.contains(&i.offer_id.as_str())) {
                let outcome = match item.status.as_str() {
                    "imported" | "skipped" if item.product_id > 0 => CardFound::Created {
                        card_id: item.product_id,
                        unit_ids: vec![item.product_id],
                    },
                    "failed" if refusals => {
                        let texts: Vec<String> = item
                            .errors
                            .iter()
                            .filter(|e| e.is_blocking())
                            .map(|e| e.text())
                            .collect();
                        let reason = if texts.is_empty() {
                            "Ozon did not import the product".to_owned()
                        } else {
                            texts.join("; ")
                        };
                        CardFound::Refused { reason }
                    }
                    _ => CardFound::Pending,
                };
                found.insert(item.offer_id, outcome);
            }
        }
        if !untasked.is_empty() {
            for product in self.client.products_by_offer_id(credentials, &untasked).await? {
                let card = CardFound::Created {
                    card_id: product.id,
                    unit_ids: vec![product.id],
                };
                found.insert(product.offer_id, card);
            }
        }
        Ok(found)
    }

    async fn push_prices(
        &self,
        credentials: &Credentials,
        prices: &[PriceChange<'_>],
    ) -> Result<PricesTaken, MarketplaceError> {
        let mut outcomes: Vec<Option<PriceOutcome>> = vec![None; prices.len()];
        let mut items = Vec::new();
        for (i, change) in prices.iter().enumerate() {
            let price = OzonPrice::of(change.price, change.discount);
            if let Some(reason) = price.refusal() {
                outcomes[i] = Some(PriceOutcome::Failed { reason });
                continue;
            }
            items.push(json!({
                "offer_id": change.vendor_code,
                "price": roubles_text(price.price),
                "old_price": roubles_text(price.old_price),
                "currency_code": "RUB",
            }));
        }
        let answers = if items.is_empty() {
            vec![]
        } else {
            self.client.update_prices(credentials, items).await?
        };
        let by_offer: HashMap<&str, _> = answers.iter().map(|a| (a.offer_id.as_str(), a)).collect();
        let settled = prices
            .iter()
            .zip(outcomes)
            .map(|(change, local)| {
                local.unwrap_or_else(|| match by_offer.get(change.vendor_code) {
                    Some(answer) if answer.updated => PriceOutcome::Applied,
                    Some(answer) => PriceOutcome::Failed {
                        reason: answer.reason(),
                    },
                    None => PriceOutcome::Failed {
                        reason: "Ozon did not answer for this product".into(),
                    },
                })
            })
            .collect();
        Ok(PricesTaken::Settled(settled))
    }

    async fn price_task(&self, _: &Credentials, _: u64) -> Result<PriceTaskState, MarketplaceError> {
        // Ozon answers prices at once: a task never stays pending.
        Ok(PriceTaskState::Done(HashMap::new()))
    }

    fn stock_batches(&self, stocks: &[StockChange<'_>]) -> Vec<usize> {
        batches_by_weight(stocks, STOCK_BATCH, |_| 1)
    }

    async fn push_stocks(
        &self,
        credentials: &Credentials,
        stocks: &[StockChange<'_>],
    ) -> Result<Vec<StockPushed>, MarketplaceError> {
        let account = credentials.account_id;
        let pair = |s: &StockChange<'_>| (account, s.card_id, s.warehouse.get());
        let mut outcomes: Vec<Option<StockPushed>> = vec![None; stocks.len()];
        let mut items = Vec::new();
        {
            let mut set = self.stocks_set.lock().expect("stock pairs lock");
            set.retain(|_, at| at.elapsed() < STOCK_PAIR_EVERY);
            for (i, change) in stocks.iter().enumerate() {
                if let Some(at) = set.get(&pair(change)) {
                    outcomes[i] = Some(StockPushed::Later {
                        reason: "Ozon takes a product-warehouse pair's stock at most once per 30 s".into(),
                        after: STOCK_PAIR_EVERY.saturating_sub(at.elapsed()),
                    });
                    continue;
                }
                items.push(json!({
                    "offer_id": change.vendor_code,
                    "product_id": change.card_id,
                    "stock": change.amount.get(),
                    "warehouse_id": change.warehouse.get(),
                    "quant_size": 1,
                }));
            }
        }
        if items.is_empty() {
            return Ok(outcomes.into_iter().map(|o| o.expect("every pair waits")).collect());
        }
        let answers = self.client.update_stocks(credentials, items).await?;
        let now = Instant::now();
        let mut set = self.stocks_set.lock().expect("stock pairs lock");
        let by_pair: HashMap<(u64, u64), _> = answers.iter().map(|a| ((a.product_id, a.warehouse_id), a)).collect();
        let by_offer: HashMap<(&str, u64), _> = answers
            .iter()
            .map(|a| ((a.offer_id.as_str(), a.warehouse_id), a))
            .collect();
        Ok(stocks
            .iter()
            .zip(outcomes)
            .map(|(change, waiting)| {
                if let Some(waiting) = waiting {
                    return waiting;
                }
                set.insert(pair(change), now);
                let warehouse = change.warehouse.get();
                let answer = by_pair
                    .get(&(change.card_id, warehouse))
                    .or_else(|| by_offer.get(&(change.vendor_code, warehouse)));
                match answer {
                    Some(answer) if answer.updated => StockPushed::Applied,
                    Some(answer) if answer.has_code("TOO_MANY_REQUESTS") => StockPushed::Later {
                        reason: answer.reason(),
                        after: STOCK_PAIR_EVERY,
                    },
                    Some(answer)
                        if answer.has_code("product_is_not_created")
                            || answer.has_code("PRODUCT_HAS_NOT_BEEN_TAGGED_YET") =>
                    {
                        StockPushed::Later {
                            reason: answer.reason(),
                            after: MODERATION_WAIT,
                        }
                    }
                    Some(answer) => StockPushed::Failed {
                        reason: answer.reason(),
                    },
                    None => StockPushed::Failed {
                        reason: "Ozon did not answer for this product and warehouse".into(),
                    },
                }
            })
            .collect())
    }

    fn sales_feeds(&self) -> &'static [&'static str] {
        &[FBS, FBO]
    }

    fn sales_feed_ready(&self, _: &Credentials, _: &str) -> bool {
        // No limit of their own beyond Ozon's on all methods.
        true
    }

    async fn read_sales(
        &self,
        credentials: &Credentials,
        feed: &str,
        cursor: FeedCursor<'_>,
        window: FeedWindow,
    ) -> Result<SalesPage, MarketplaceError> {
        self.client.read_postings(credentials, feed, cursor, window).await
    }
}
