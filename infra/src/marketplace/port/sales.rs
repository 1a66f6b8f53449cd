//! The sales side of the port: each marketplace's feeds of facts about an account's orders,
//! buyouts, returns and stock (Wildberries: its statistics reports; Ozon: its FBS and FBO
//! postings), read page by page from a cursor the sales ingest keeps per account and feed.
//! The cursor's text is the adapter's: the ingest stores it and gives it back.

use chrono::{DateTime, Utc};
use gomarket_domain::sales::order::{ReportedOrder, ReportedSale};
use gomarket_domain::sales::stock::ReportedStock;

/// The longest row text kept with an invalid row.
pub const MAX_INVALID_ROW_CHARS: usize = 2_000;

/// A row that could not be read, with why and what it said (bounded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRow {
    /// The row's own key when it has one (`srid`, `saleID`, a posting number).
    pub key: Option<String>,
    pub reason: String,
    /// The row as the marketplace wrote it, cut at [`MAX_INVALID_ROW_CHARS`].
    pub text: String,
}

impl InvalidRow {
    /// A row that could not be read: its key if it had one, why, and its text (bounded).
    pub fn new(key: Option<String>, reason: String, text: &str) -> Self {
        Self {
            key,
            reason,
            text: text.chars().take(MAX_INVALID_ROW_CHARS).collect(),
        }
    }
}

/// One fact a feed reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SalesFact {
    Order(ReportedOrder),
    Sale(ReportedSale),
    Stock(ReportedStock),
}

/// Where a feed's reading stands for an account, as the ingest kept it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedCursor<'a> {
    /// What the last read said to start from; `None` before the first read.
    pub next_from: Option<&'a str>,
    /// The last read reached the feed's end: the next starts over, `overlap` back.
    pub caught_up: bool,
}

/// How far reads go: back `backfill` the first time, back `overlap` once caught up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedWindow {
    pub now: DateTime<Utc>,
    pub backfill: chrono::Duration,
    pub overlap: chrono::Duration,
}

/// One page of a feed.
#[derive(Debug)]
pub struct SalesPage {
    pub facts: Vec<Result<SalesFact, InvalidRow>>,
    /// Where the next read starts.
    pub next_from: String,
    /// The feed is read to its end.
    pub reached_end: bool,
}
