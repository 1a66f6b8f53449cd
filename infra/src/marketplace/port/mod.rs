//! The marketplace port: everything the push worker and the account service ask of a
//! marketplace, whichever it is. Wildberries and Ozon are adapters behind it
//! ([`crate::marketplace::wildberries::WildberriesAdapter`], [`crate::marketplace::ozon::OzonAdapter`]);
//! [`crate::marketplace::Adapters`] picks one by the account's marketplace, and that is the
//! only place that does.
//!
//! What differs between marketplaces stays behind the port:
//! - batch sizes ([`MarketplaceApi::card_batches`], [`PushLimits`]);
//! - rate limits, 429s and retries (each adapter's client, on the shared
//!   [`crate::marketplace::rate_limit`] buckets);
//! - cards created asynchronously and found by vendor code (Wildberries) or by import task
//!   (Ozon): [`CardsTaken`], [`CardFound`];
//! - prices answered at once per item (Ozon) or by a task settled later (Wildberries):
//!   [`PricesTaken`];
//! - quotas: cards a day ([`CardQuota`]), price changes per product and hour
//!   ([`PushLimits::price_changes_per_hour`]), a stock pair at most so often ([`StockPushed::Later`]);
//! - id schemes (`nmID`/`chrtID` or `product_id`/`offer_id`) and money (whole roubles or
//!   roubles with kopecks): the port speaks in GoMarket's ids and kopecks;
//! - where facts about sales come from (statistics reports or postings) and how they are
//!   paged: [`SalesPage`], from a cursor only the adapter reads ([`FeedCursor`]).

mod sales;
mod types;

pub use sales::{FeedCursor, FeedWindow, InvalidRow, MAX_INVALID_ROW_CHARS, SalesFact, SalesPage};
pub use types::{
    CardFound, CardQuota, CardUpload, CardWanted, CardsTaken, Credentials, MarketplaceError, PriceChange,
    PriceTaskState, PricesTaken, PushLimits, StockChange, StockPushed,
};

use async_trait::async_trait;
use gomarket_domain::marketplace::card::CardDraft;
use std::collections::HashMap;

/// One marketplace's seller API, as the worker needs it. Every call names the account's
/// credentials; an adapter is shared by every account of its marketplace.
#[async_trait]
pub trait MarketplaceApi: Send + Sync + std::fmt::Debug {
    /// Batch sizes and quotas of its pushes.
    fn limits(&self) -> PushLimits;

    /// A cheap authenticated call: `Ok` when the marketplace accepts the credentials.
    async fn check_credentials(&self, credentials: &Credentials) -> Result<(), MarketplaceError>;

    /// How many of `cards`, in order, go in each upload request.
    fn card_batches(&self, cards: &[CardDraft]) -> Vec<usize>;

    /// Whether a card upload could go now without waiting for the rate limit: a worker goes
    /// on with prices and stocks rather than sleeping on a slow group.
    fn may_upload_cards(&self, credentials: &Credentials) -> bool;

    /// How many cards may still be created today, when the marketplace counts them.
    async fn card_quota(&self, credentials: &Credentials) -> Result<Option<CardQuota>, MarketplaceError>;

    /// What the marketplace's own category rules say of each card before it is sent
    /// (required attributes): `Some(reason)` refuses the card, in order of `cards`.
    async fn check_cards(
        &self,
        credentials: &Credentials,
        cards: &[CardDraft],
    ) -> Result<Vec<Option<String>>, MarketplaceError>;

    /// Uploads one batch of cards.
    async fn upload_cards(
        &self,
        credentials: &Credentials,
        cards: &[CardUpload<'_>],
    ) -> Result<CardsTaken, MarketplaceError>;

    /// What became of requested cards, by vendor code. A card missing from the answer is
    /// not seen yet. Without `refusals` only cards that exist are looked for (a card sent
    /// before, looked up before it is sent again).
    async fn find_cards(
        &self,
        credentials: &Credentials,
        wanted: &[CardWanted],
        refusals: bool,
    ) -> Result<HashMap<String, CardFound>, MarketplaceError>;

    /// Sends one batch of prices (at most [`PushLimits::price_batch`]).
    async fn push_prices(
        &self,
        credentials: &Credentials,
        prices: &[PriceChange<'_>],
    ) -> Result<PricesTaken, MarketplaceError>;

    /// Where a price task stands (marketplaces that answer prices by task).
    async fn price_task(&self, credentials: &Credentials, task_id: u64) -> Result<PriceTaskState, MarketplaceError>;

    /// How many of `stocks`, in order, go in each stock request.
    fn stock_batches(&self, stocks: &[StockChange<'_>]) -> Vec<usize>;

    /// Sends one batch of stocks; the outcome of each, in order.
    async fn push_stocks(
        &self,
        credentials: &Credentials,
        stocks: &[StockChange<'_>],
    ) -> Result<Vec<StockPushed>, MarketplaceError>;

    /// The feeds of orders, buyouts, returns and stock the sales ingest reads (each with its
    /// own cursor, by name).
    fn sales_feeds(&self) -> &'static [&'static str];

    /// Whether a read of `feed` could go now without waiting for the rate limit.
    fn sales_feed_ready(&self, credentials: &Credentials, feed: &str) -> bool;

    /// The next page of `feed`.
    async fn read_sales(
        &self,
        credentials: &Credentials,
        feed: &str,
        cursor: FeedCursor<'_>,
        window: FeedWindow,
    ) -> Result<SalesPage, MarketplaceError>;
}

/// Splits `items` into consecutive batches of at most `max` weight each (an item heavier
/// than `max` goes alone).
pub fn batches_by_weight<T>(items: &[T], max: usize, weight: impl Fn(&T) -> usize) -> Vec<usize> {
    let mut sizes = Vec::new();
    let (mut count, mut load) = (0, 0);
    for item in items {
        let w = weight(item);
        if count > 0 && load + w > max {
            sizes.push(count);
            (count, load) = (0, 0);
        }
        count += 1;
        load += w;
    }
    if count > 0 {
        sizes.push(count);
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::batches_by_weight;

    #[test]
    fn batches_hold_whole_items_within_their_weight() {
        assert_eq!(batches_by_weight(&[1; 250], 100, |w| *w), vec![100, 100, 50]);
        assert_eq!(batches_by_weight(&[3, 3, 3, 200, 1], 6, |w| *w), vec![2, 1, 1, 1]);
        assert!(batches_by_weight::<usize>(&[], 10, |w| *w).is_empty());
    }
}
