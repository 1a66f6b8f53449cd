//! The sales ingest (`gomarket ingest`, and inside `serve`): reads each account's sales feeds
//! through the marketplace port (Wildberries: its orders, sales and stocks reports; Ozon: its
//! FBS and FBO postings) and Wildberries' commission table and stock history, and records what
//! they say as facts of the sales context (docs/decisions.md, "Sales facts").
//!
//! - One ingester holds an account at a time (an advisory lock), so its requests are one
//!   process's, in the adapter's shared buckets (Wildberries: each report at most once a
//!   minute).
//! - Each feed is read page by page from a cursor per account and feed, whose text is the
//!   adapter's: the first time from `backfill` ago (90 days), then where the last page said
//!   (Wildberries: the last row's `lastChangeDate`; Ozon: the pass's offset). A page's facts
//!   commit in slices of a few thousand rows (no transaction lasts a page), then its invalid
//!   rows and the moved cursor together: an ingester killed mid-page reads the page again, and
//!   the facts, idempotent by the marketplace's keys, are not written twice.
//! - Once a feed is read to its end, the next read starts `overlap` before it, so rows that
//!   appear late (Wildberries refreshes every 30 minutes) or change later (an Ozon posting
//!   delivered or cancelled) are not missed.
//! - The commission table is read once a day (`commission_every`): a subject whose rates
//!   changed is a `CommissionRatesObserved` fact.
//! - The analytics stock history report (Wildberries' own count of orders lost to empty
//!   warehouses, over the last 30 days) is read once a day (`stock_history_every`), a page of
//!   1 000 articles a round: an article whose figures changed is a `LostSalesReported` fact.
//! - A 401 marks the account `CREDENTIALS_INVALID`, as the push worker does.
//!
//! Files: [`facts`] (a page's rows as facts), [`bookkeeping`] (cursors, invalid rows).

mod bookkeeping;
mod facts;

pub use bookkeeping::Cursor;
pub use facts::Recorded;

use crate::ProcessError;
use crate::account_rounds::Rounds;
use chrono::{DateTime, Utc};
use gomarket_domain::marketplace::account::{AccountId, AccountState};
use gomarket_domain::sales::stock::ReportedLostSales;
use gomarket_domain::sales::values::moscow_day;
use gomarket_infra::error_chain::Chain;
use gomarket_infra::event_store::EventMetadata;
use gomarket_infra::marketplace::Marketplaces;
use gomarket_infra::marketplace::port::{Credentials, FeedCursor, FeedWindow, InvalidRow, MarketplaceApi, SalesFact};
use gomarket_infra::marketplace::wildberries::{LimitGroup, WbAccount};
use gomarket_infra::shutdown::Shutdown;
use std::sync::Arc;
use std::time::Duration;

/// Tuning of the ingest.
#[derive(Debug, Clone, Copy)]
pub struct IngestSettings {
    /// Pause between rounds (a round reads at most one page of each report of each account).
    pub interval: Duration,
    /// How far back the first read of an account's reports goes.
    pub backfill: chrono::Duration,
    /// How far before the last change seen a read that had reached the end starts again.
    pub overlap: chrono::Duration,
    /// How often the commission table is read again.
    pub commission_every: chrono::Duration,
    /// How often the stock history report is read again.
    pub stock_history_every: chrono::Duration,
}

impl Default for IngestSettings {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(10),
            backfill: chrono::Duration::days(90),
            overlap: chrono::Duration::hours(2),
            commission_every: chrono::Duration::hours(24),
            stock_history_every: chrono::Duration::hours(24),
        }
    }
}

/// The bookkeeping name of the commission table (beside the reports' names).
const COMMISSION: &str = "commission";
/// The bookkeeping name of the stock history report; its cursor is the next page's offset.
const STOCK_HISTORY: &str = "stock_history";
/// The days the stock history report covers, today included.
const STOCK_HISTORY_DAYS: i64 = 30;

/// Accounts being read: advisory lock class "SLIN".
const ROUNDS: Rounds = Rounds {
    lock_class: 0x534c_494e,
    actor: "sales-ingest",
    doing: "reading reports",
};

/// What one read of one report did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageOutcome {
    pub rows: usize,
    pub invalid: usize,
    pub recorded: Recorded,
    /// The report was read to its end (`[]`).
    pub reached_end: bool,
}

pub struct SalesIngester {
    marketplaces: Arc<Marketplaces>,
    settings: IngestSettings,
}

fn ingest_metadata(command: &str) -> EventMetadata {
    ROUNDS.metadata(command)
}

impl SalesIngester {
    pub fn new(marketplaces: Arc<Marketplaces>, settings: IngestSettings) -> Self {
        Self { marketplaces, settings }
    }

    /// Rounds until `shutdown`.
    pub async fn run(self, mut shutdown: Shutdown) {
        tracing::info!("sales ingest started");
        loop {
            if let Err(error) = self.round().await {
                tracing::warn!(error = %Chain(&error), "sales ingest round failed");
            }
            tokio::select! {
                () = shutdown.triggered() => break,
                () = tokio::time::sleep(self.settings.interval) => {}
            }
        }
        tracing::info!("sales ingest stopped");
    }

    /// One round over every account that may be read (each by one ingester at a time): one
    /// page of each report whose turn has come under Wildberries' limits.
    pub async fn round(&self) -> Result<(), ProcessError> {
        ROUNDS
            .round(&self.marketplaces, |account_id, state| async move {
                self.ingest_account(account_id, &state).await
            })
            .await
    }

    async fn ingest_account(&self, account_id: AccountId, state: &AccountState) -> Result<(), ProcessError> {
        let credentials = self.marketplaces.credentials(account_id, state).await?;
        let api = self.marketplaces.api(state);
        for feed in api.sales_feeds() {
            if api.sales_feed_ready(&credentials, feed) {
                self.read_page(account_id, api, &credentials, feed).await?;
            }
        }
        // Wildberries' own tables beside its reports: the commission by subject, the stock
        // history.
        let Some(wb) = self.marketplaces.wildberries_credentials(state, &credentials)? else {
            return Ok(());
        };
        if self.marketplaces.client().ready(&wb, LimitGroup::Tariffs) {
            self.read_commission(account_id, &wb).await?;
        }
        if self.marketplaces.client().ready(&wb, LimitGroup::Analytics) {
            self.read_stock_history(account_id, &wb).await?;
        }
        Ok(())
    }

    /// Whether a daily read (`name`: the commission table, the stock history report) is due:
    /// `None` when it was read to its end less than `every` ago; else where it resumes (the
    /// cursor of a read under way, empty for a fresh one).
    async fn daily_read_due(
        &self,
        account_id: AccountId,
        name: &str,
        every: chrono::Duration,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, ProcessError> {
        let mut conn = self.marketplaces.pool().acquire().await?;
        Ok(match bookkeeping::cursor(&mut conn, account_id, name).await? {
            Some(Cursor {
                caught_up_at: Some(at), ..
            }) if now - at < every => None,
            Some(Cursor {
                next_from,
                caught_up_at: None,
            }) => Some(next_from),
            _ => Some(String::new()),
        })
    }

    /// Reads the next page of the stock history report when a day has passed since it was
    /// last read to its end (its figures are daily): each article whose figures changed is a
    /// fact. A page, its invalid rows and the next offset commit together (1 000 articles:
    /// a short transaction).
    pub async fn read_stock_history(
        &self,
        account_id: AccountId,
        wb: &WbAccount,
    ) -> Result<Option<Recorded>, ProcessError> {
        let now = Utc::now();
        let Some(resume) = self
            .daily_read_due(account_id, STOCK_HISTORY, self.settings.stock_history_every, now)
            .await?
        else {
            return Ok(None);
        };
        let offset: u32 = resume.parse().unwrap_or(0);
        let end = moscow_day(now);
        let start = end - chrono::Duration::days(STOCK_HISTORY_DAYS - 1);
        let page = self.marketplaces.client().stock_history(wb, start, end, offset).await?;
        let (rows, invalid): (Vec<ReportedLostSales>, _) = readable(page.rows);
        let read = rows.len() + invalid.len();
        let mut tx = gomarket_infra::database::begin(self.marketplaces.pool()).await?;
        let recorded = facts::record_lost_sales(&mut tx, account_id, rows, &ingest_metadata("ReportLostSales")).await?;
        let invalid: Vec<&InvalidRow> = invalid.iter().collect();
        bookkeeping::keep_invalid_rows(&mut tx, account_id, STOCK_HISTORY, &invalid, now).await?;
        let next = if page.is_last {
            Cursor {
                next_from: "0".to_owned(),
                caught_up_at: Some(now),
            }
        } else {
            Cursor {
                next_from: (offset as usize + read).to_string(),
                caught_up_at: None,
            }
        };
        bookkeeping::save_cursor(&mut tx, account_id, STOCK_HISTORY, &next, now).await?;
        tx.commit().await?;
        Ok(Some(recorded))
    }

    /// Reads the commission table when it was last read `commission_every` ago or more (it
    /// changes a few times a year): each subject whose rates changed is a fact.
    pub async fn read_commission(
        &self,
        account_id: AccountId,
        wb: &WbAccount,
    ) -> Result<Option<Recorded>, ProcessError> {
        let now = Utc::now();
        let due = self
            .daily_read_due(account_id, COMMISSION, self.settings.commission_every, now)
            .await?;
        if due.is_none() {
            return Ok(None);
        }
        let table = self.marketplaces.client().commission(wb).await?;
        let (rates, invalid) = readable(table);
        let mut tx = gomarket_infra::database::begin(self.marketplaces.pool()).await?;
        let recorded = facts::record_commission(&mut tx, rates, &ingest_metadata("ObserveCommissionRates")).await?;
        let invalid: Vec<&InvalidRow> = invalid.iter().collect();
        bookkeeping::keep_invalid_rows(&mut tx, account_id, COMMISSION, &invalid, now).await?;
        let read = Cursor {
            next_from: String::new(),
            caught_up_at: Some(now),
        };
        bookkeeping::save_cursor(&mut tx, account_id, COMMISSION, &read, now).await?;
        tx.commit().await?;
        Ok(Some(recorded))
    }

    /// Reads the next page of one of the account's sales feeds (waiting for its turn under the
    /// rate limit) and records it: its facts slice by slice, then its invalid rows and the
    /// moved cursor in one transaction.
    pub async fn read_page(
        &self,
        account_id: AccountId,
        api: &dyn MarketplaceApi,
        credentials: &Credentials,
        feed: &str,
    ) -> Result<PageOutcome, ProcessError> {
        let pool = self.marketplaces.pool();
        let now = Utc::now();
        let cursor = {
            let mut conn = pool.acquire().await?;
            bookkeeping::cursor(&mut conn, account_id, feed).await?
        };
        let at = FeedCursor {
            next_from: cursor.as_ref().map(|c| c.next_from.as_str()),
            caught_up: cursor.as_ref().is_some_and(|c| c.caught_up_at.is_some()),
        };
        let window = FeedWindow {
            now,
            backfill: self.settings.backfill,
            overlap: self.settings.overlap,
        };
        // The page is fetched before the transaction begins: no connection is held while the
        // marketplace answers (or asks to wait).
        let page = api.read_sales(credentials, feed, at, window).await?;
        let rows = page.facts.len();
        let (mut orders, mut sales, mut stocks, mut invalid) = (vec![], vec![], vec![], vec![]);
        for fact in page.facts {
            match fact {
                Ok(SalesFact::Order(order)) => orders.push(order),
                Ok(SalesFact::Sale(sale)) => sales.push(sale),
                Ok(SalesFact::Stock(stock)) => stocks.push(stock),
                Err(why) => invalid.push(why),
            }
        }
        let mut recorded = Recorded::default();
        if !orders.is_empty() {
            let metadata = ingest_metadata("RecordOrderRow");
            recorded += facts::record_orders(pool, account_id, orders, &metadata).await?;
        }
        if !sales.is_empty() {
            let metadata = ingest_metadata("RecordSaleRow");
            recorded += facts::record_sales(pool, account_id, sales, &metadata).await?;
        }
        if !stocks.is_empty() {
            let metadata = ingest_metadata("ObserveMarketplaceStock");
            recorded += facts::record_stocks(pool, account_id, stocks, &metadata).await?;
        }
        // The facts are committed; the page is done when its cursor moves.
        let mut tx = gomarket_infra::database::begin(pool).await?;
        let invalid_refs: Vec<&InvalidRow> = invalid.iter().collect();
        bookkeeping::keep_invalid_rows(&mut tx, account_id, feed, &invalid_refs, now).await?;
        let moved = Cursor {
            next_from: page.next_from,
            caught_up_at: page.reached_end.then_some(now),
        };
        bookkeeping::save_cursor(&mut tx, account_id, feed, &moved, now).await?;
        tx.commit().await?;
        tracing::debug!(%account_id, feed, rows, invalid = invalid.len(), facts = recorded.facts, "sales feed page recorded");
        Ok(PageOutcome {
            rows,
            invalid: invalid.len(),
            recorded,
            reached_end: page.reached_end,
        })
    }
}

/// The rows that could be read, and those that could not.
fn readable<T>(rows: Vec<Result<T, InvalidRow>>) -> (Vec<T>, Vec<InvalidRow>) {
    let mut read = Vec::with_capacity(rows.len());
    let mut invalid = Vec::new();
    for row in rows {
        match row {
            Ok(row) => read.push(row),
            Err(why) => invalid.push(why),
        }
    }
    (read, invalid)
}
