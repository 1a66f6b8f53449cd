//! Wildberries behind the marketplace port: cards are created asynchronously and found again
//! by vendor code (refusals in `cards/error/list`), prices go as tasks settled from their
//! history, stocks are set per size (`chrtID`) on a warehouse, all or nothing per request.

use super::client::{WbAccount, WbClient, WbError};
use super::content::{upload_batches, upload_item};
use super::limits::LimitGroup;
use super::prices::{PRICE_BATCH, PriceItem, TaskState};
use super::sales_feeds::{date_from, feed_page, report_named};
use super::statistics::Report;
use super::stocks::{STOCK_BATCH, StockItem};
use crate::marketplace::port::{
    CardFound, CardQuota, CardUpload, CardWanted, CardsTaken, Credentials, FeedCursor, FeedWindow, MarketplaceApi,
    MarketplaceError, PriceChange, PriceTaskState, PricesTaken, PushLimits, SalesFact, SalesPage, StockChange,
    StockPushed, batches_by_weight,
};
use async_trait::async_trait;
use gomarket_domain::marketplace::card::CardDraft;
use gomarket_domain::marketplace::listing::PriceOutcome;
use gomarket_domain::marketplace::values::WholeRoubles;
use std::collections::{HashMap, HashSet};

/// The Wildberries adapter: its client, shared by every Wildberries account.
#[derive(Debug, Clone)]
pub struct WildberriesAdapter {
    client: WbClient,
}

impl From<WbError> for MarketplaceError {
    fn from(error: WbError) -> Self {
        match error {
            WbError::Unauthorized { detail } => Self::Unauthorized { detail },
            WbError::Refused { status, message, .. } => Self::Refused { status, message },
            WbError::Unavailable { reason } => Self::Unavailable { reason },
            WbError::BadResponse { reason } => Self::BadResponse { reason },
        }
    }
}

/// The request credentials of a Wildberries account.
fn account(credentials: &Credentials) -> Result<WbAccount, MarketplaceError> {
    WbAccount::new(credentials.account_id, credentials.token()).ok_or_else(|| MarketplaceError::Unauthorized {
        detail: "the token has characters a header cannot carry".into(),
    })
}

/// Wildberries holds a price cut of 3× or more in quarantine and says so in the item's text.
fn is_quarantine(reason: &str) -> bool {
    let lower = reason.to_lowercase();
    lower.contains("карантин") || lower.contains("quarantine")
}

impl WildberriesAdapter {
    pub fn new(client: WbClient) -> Self {
        Self { client }
    }

    /// The client (the sales ingest reads Wildberries' reports with it).
    pub fn client(&self) -> &WbClient {
        &self.client
    }
}

#[async_trait]
impl MarketplaceApi for WildberriesAdapter {
    fn limits(&self) -> PushLimits {
        PushLimits {
            price_batch: PRICE_BATCH,
            price_changes_per_hour: None,
            price_window: std::time::Duration::from_secs(3600),
        }
    }

    async fn check_credentials(&self, credentials: &Credentials) -> Result<(), MarketplaceError> {
        match self.client.ping(&account(credentials)?).await {
            // Any refusal of the ping is a refusal of the token.
            Err(WbError::Refused { message, .. }) => Err(MarketplaceError::Unauthorized { detail: message }),
            other => other.map_err(Into::into),
        }
    }

    fn card_batches(&self, cards: &[CardDraft]) -> Vec<usize> {
        upload_batches(cards).iter().map(Vec::len).collect()
    }

    fn may_upload_cards(&self, credentials: &Credentials) -> bool {
        account(credentials).is_ok_and(|wb| self.client.ready(&wb, LimitGroup::CardsWrite))
    }

    async fn card_quota(&self, _: &Credentials) -> Result<Option<CardQuota>, MarketplaceError> {
        Ok(None)
    }

    async fn check_cards(&self, _: &Credentials, cards: &[CardDraft]) -> Result<Vec<Option<String>>, MarketplaceError> {
        // The subject's required characteristics are the seller's mapping, checked when the
        // card was built.
        Ok(vec![None; cards.len()])
    }

    async fn upload_cards(
        &self,
        credentials: &Credentials,
        cards: &[CardUpload<'_>],
    ) -> Result<CardsTaken, MarketplaceError> {
        let batch: Vec<_> = cards.iter().map(|c| upload_item(c.draft)).collect();
        self.client.upload_cards(&account(credentials)?, &batch).await?;
        Ok(CardsTaken { task: None })
    }

    async fn find_cards(
        &self,
        credentials: &Credentials,
        wanted: &[CardWanted],
        refusals: bool,
    ) -> Result<HashMap<String, CardFound>, MarketplaceError> {
        let wb = account(credentials)?;
        let codes: HashSet<String> = wanted.iter().map(|w| w.vendor_code.clone()).collect();
        let mut found: HashMap<String, CardFound> = self
            .client
            .find_cards(&wb, &codes)
            .await?
            .into_iter()
            // A card without sizes cannot take stocks yet: not created as far as we care.
            .filter(|c| !c.chrt_ids.is_empty())
            .map(|c| {
                let card = CardFound::Created {
                    card_id: c.nm_id,
                    unit_ids: c.chrt_ids,
                };
                (c.vendor_code, card)
            })
            .collect();
        let missing = codes.iter().any(|code| !found.contains_key(code));
        // Failed drafts are read at 10 a minute: when that group must wait, a later round does it.
        if refusals && missing && self.client.ready(&wb, LimitGroup::CardErrors) {
            for (code, reasons) in self.client.card_errors(&wb).await? {
                if codes.contains(&code) && !found.contains_key(&code) {
                    let reason = if reasons.is_empty() {
                        "Wildberries did not create the card".to_owned()
                    } else {
                        reasons.join("; ")
                    };
                    found.insert(code, CardFound::Refused { reason });
                }
            }
        }
        Ok(found)
    }

    async fn push_prices(
        &self,
        credentials: &Credentials,
        prices: &[PriceChange<'_>],
    ) -> Result<PricesTaken, MarketplaceError> {
        let items: Vec<PriceItem> = prices
            .iter()
            .map(|p| PriceItem {
                nm_id: p.card_id,
                price: WholeRoubles::from_kopecks_rounding_up(p.price).get(),
                discount: p.discount.get(),
            })
            .collect();
        // A resend after a crash is the identical task, answered 208 with the same id.
        let task = self.client.upload_prices(&account(credentials)?, &items).await?;
        Ok(PricesTaken::Task(task.id))
    }

    async fn price_task(&self, credentials: &Credentials, task_id: u64) -> Result<PriceTaskState, MarketplaceError> {
        let wb = account(credentials)?;
        Ok(match self.client.price_task_state(&wb, task_id).await? {
            TaskState::Processing => PriceTaskState::Processing,
            TaskState::Done => PriceTaskState::Done(HashMap::new()),
            TaskState::Cancelled => PriceTaskState::Failed {
                reason: "the price task was cancelled".into(),
            },
            TaskState::Partial | TaskState::Failed => {
                let outcomes: HashMap<u64, PriceOutcome> = self
                    .client
                    .price_task_items(&wb, task_id)
                    .await?
                    .into_iter()
                    .filter_map(|item| {
                        let reason = item.error?;
                        let outcome = if is_quarantine(&reason) {
                            PriceOutcome::Quarantined { reason }
                        } else {
                            PriceOutcome::Failed { reason }
                        };
                        Some((item.nm_id, outcome))
                    })
                    .collect();
                if outcomes.is_empty() {
                    PriceTaskState::Failed {
                        reason: "the price task failed".into(),
                    }
                } else {
                    PriceTaskState::Done(outcomes)
                }
            }
        })
    }

    fn stock_batches(&self, stocks: &[StockChange<'_>]) -> Vec<usize> {
        batches_by_weight(stocks, STOCK_BATCH, |s| s.unit_ids.len())
    }

    async fn push_stocks(
        &self,
        credentials: &Credentials,
        stocks: &[StockChange<'_>],
    ) -> Result<Vec<StockPushed>, MarketplaceError> {
        let Some(warehouse) = stocks.first().map(|s| s.warehouse) else {
            return Ok(vec![]);
        };
        let items: Vec<StockItem> = stocks
            .iter()
            .flat_map(|s| {
                s.unit_ids.iter().map(|&chrt_id| StockItem {
                    chrt_id,
                    amount: s.amount.get(),
                })
            })
            .collect();
        let outcome = match self
            .client
            .put_stocks(&account(credentials)?, warehouse.get(), &items)
            .await
        {
            Ok(()) => StockPushed::Applied,
            Err(WbError::Refused { message, .. }) => StockPushed::Failed { reason: message },
            Err(other) => return Err(other.into()),
        };
        Ok(vec![outcome; stocks.len()])
    }

    fn sales_feeds(&self) -> &'static [&'static str] {
        const FEEDS: [&str; 3] = [Report::Orders.name(), Report::Sales.name(), Report::Stocks.name()];
        &FEEDS
    }

    fn sales_feed_ready(&self, credentials: &Credentials, feed: &str) -> bool {
        let (Some(report), Ok(wb)) = (report_named(feed), account(credentials)) else {
            return false;
        };
        self.client.ready(&wb, report.limit_group())
    }

    async fn read_sales(
        &self,
        credentials: &Credentials,
        feed: &str,
        cursor: FeedCursor<'_>,
        window: FeedWindow,
    ) -> Result<SalesPage, MarketplaceError> {
        let report = report_named(feed).ok_or_else(|| MarketplaceError::BadResponse {
            reason: format!("Wildberries has no feed {feed:?}"),
        })?;
        let wb = account(credentials)?;
        let from = date_from(cursor, window);
        Ok(match report {
            Report::Orders => feed_page(
                self.client.orders_since(&wb, &from).await?,
                SalesFact::Order,
                cursor,
                from,
            ),
            Report::Sales => feed_page(
                self.client.sales_since(&wb, &from).await?,
                SalesFact::Sale,
                cursor,
                from,
            ),
            Report::Stocks => feed_page(
                self.client.stocks_since(&wb, &from).await?,
                SalesFact::Stock,
                cursor,
                from,
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::is_quarantine;

    #[test]
    fn a_quarantined_price_is_told_by_its_text() {
        assert!(is_quarantine("Цена в карантине"));
        assert!(is_quarantine("price is in quarantine"));
        assert!(!is_quarantine("Неверная цена"));
    }
}
