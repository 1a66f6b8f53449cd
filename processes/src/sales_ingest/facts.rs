//! A page's rows as facts: matched to listings and products, decided by the aggregates' own
//! pure `decide` in memory (a batch of streams loaded in one query), appended in one statement.
//! A report page is recorded slice by slice, each slice committed on its own; the page's invalid
//! rows and its moved cursor commit after the last (`super::SalesIngest::read_page`).

use chrono::{DateTime, Utc};
use gomarket_domain::marketplace::account::AccountId;
use gomarket_domain::sales::commission::{
    CommissionCommand, ObservedRates, SubjectCommissionId, decide as decide_commission,
};
use gomarket_domain::sales::order::decide as decide_order;
use gomarket_domain::sales::order::{
    MarketplaceOrderId, OrderCommand, OrderRow, ReportedOrder, ReportedSale, RowMatch, SaleRow,
};
use gomarket_domain::sales::stock::{
    MarketplaceStockId, ReportedLostSales, ReportedStock, StockCommand, StockRow, decide as decide_stock,
};
use gomarket_infra::event_store::EventMetadata;
use gomarket_infra::event_store::batch::{AggregateWrite, BatchError, Loaded, append_many, load_many};
use gomarket_projections::marketplace::{ReportMatcher, RowKeys};
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;

/// What the facts of a page were.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recorded {
    /// Facts appended (events).
    pub facts: usize,
    /// Rows that matched no listing or product (recorded all the same).
    pub unmatched: usize,
}

impl std::ops::AddAssign for Recorded {
    fn add_assign(&mut self, other: Self) {
        self.facts += other.facts;
        self.unmatched += other.unmatched;
    }
}

/// Rows decided, appended and committed at a time. A page (up to 80 000 rows) is recorded
/// slice by slice, so memory holds one slice's commands and events, not the page's, and no
/// transaction lasts a page: one that did (seconds at 80 000 rows) held back the pruning of
/// every row the projections update meanwhile, and made their updates three times dearer
/// (BENCHMARKS.md, sales ingest). A stream named in two slices sees the first slice's facts
/// (committed before the second is loaded). A page cut short (a kill, a failure) is read again
/// from the unmoved cursor, and the slices already committed decide to no new fact.
const SLICE: usize = 5_000;

/// `rows` in slices of [`SLICE`], moved, in order.
fn slices<T>(rows: Vec<T>) -> Vec<Vec<T>> {
    let mut rows = rows.into_iter().peekable();
    let mut slices = Vec::new();
    while rows.peek().is_some() {
        slices.push(rows.by_ref().take(SLICE).collect());
    }
    slices
}

/// One row of a page, ready to decide: the stream it goes to and the command.
struct Decision<C> {
    stream: String,
    command: C,
}

/// Decides each command on its stream (streams loaded once; a stream named twice in the page
/// sees its earlier facts), then appends every stream's new facts.
async fn decide_all<A, C>(
    tx: &mut PgConnection,
    decisions: Vec<Decision<C>>,
    decide: impl Fn(&A, C, DateTime<Utc>) -> Result<Vec<A::Event>, A::Error>,
    metadata: &EventMetadata,
) -> Result<usize, BatchError>
where
    A: cqrs_es::Aggregate + Default,
    A::Event: Clone,
{
    let mut ids: Vec<String> = decisions.iter().map(|d| d.stream.clone()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut loaded: HashMap<String, Loaded<A>> = load_many::<A>(tx, &ids).await?;
    let mut new: HashMap<String, (i64, Vec<A::Event>)> = HashMap::new();
    let now = Utc::now();
    for Decision { stream, command } in decisions {
        let current = loaded.entry(stream.clone()).or_default();
        let events = match decide(&current.aggregate, command, now) {
            Ok(events) => events,
            Err(refusal) => {
                // A row naming another stream than its key is an ingester bug; it is logged and
                // the rest of the page goes on.
                tracing::error!(%stream, %refusal, "a report row was refused by its stream");
                continue;
            }
        };
        let entry = new.entry(stream).or_insert_with(|| (current.version, Vec::new()));
        for event in events {
            current.aggregate.apply(event.clone());
            entry.1.push(event);
        }
    }
    let writes: Vec<AggregateWrite<A::Event>> = new
        .into_iter()
        .filter(|(_, (_, events))| !events.is_empty())
        .map(|(aggregate_id, (after_version, events))| AggregateWrite {
            aggregate_id,
            after_version,
            events,
        })
        .collect();
    append_many::<A>(tx, &writes, metadata).await
}

/// What each row matched, and how many matched nothing.
async fn match_rows<T>(
    tx: &mut PgConnection,
    account: AccountId,
    rows: &[T],
    keys_of: impl Fn(&T) -> RowKeys<'_>,
) -> Result<(Vec<RowMatch>, usize), sqlx::Error> {
    let keys: Vec<RowKeys<'_>> = rows.iter().map(keys_of).collect();
    let matcher = ReportMatcher::for_rows(tx, account, &keys).await?;
    let matches: Vec<RowMatch> = keys.iter().map(|k| matcher.match_row(*k)).collect();
    let unmatched = matches.iter().filter(|m| m.product_id.is_none()).count();
    Ok((matches, unmatched))
}

/// The orders of a page, a transaction per slice.
pub async fn record_orders(
    pool: &PgPool,
    account: AccountId,
    orders: Vec<ReportedOrder>,
    metadata: &EventMetadata,
) -> Result<Recorded, BatchError> {
    let mut recorded = Recorded::default();
    for slice in slices(orders) {
        let mut tx = gomarket_infra::database::begin(pool).await?;
        recorded += record_order_slice(&mut tx, account, slice, metadata).await?;
        tx.commit().await?;
    }
    Ok(recorded)
}

async fn record_order_slice(
    tx: &mut PgConnection,
    account: AccountId,
    orders: Vec<ReportedOrder>,
    metadata: &EventMetadata,
) -> Result<Recorded, BatchError> {
    let (matches, unmatched) = match_rows(tx, account, &orders, |r| RowKeys {
        vendor_code: &r.vendor_code,
        barcode: &r.barcode,
        nm_id: r.nm_id,
    })
    .await?;
    let decisions = orders
        .into_iter()
        .zip(matches)
        .map(|(order, matched)| Decision {
            stream: MarketplaceOrderId::for_srid(account, &order.srid).to_string(),
            command: OrderCommand::RecordOrderRow(Box::new(OrderRow {
                account_id: account,
                order,
                matched,
            })),
        })
        .collect();
    let facts = decide_all(tx, decisions, decide_order, metadata).await?;
    Ok(Recorded { facts, unmatched })
}

/// The sales of a page, a transaction per slice.
pub async fn record_sales(
    pool: &PgPool,
    account: AccountId,
    sales: Vec<ReportedSale>,
    metadata: &EventMetadata,
) -> Result<Recorded, BatchError> {
    let mut recorded = Recorded::default();
    for slice in slices(sales) {
        let mut tx = gomarket_infra::database::begin(pool).await?;
        recorded += record_sale_slice(&mut tx, account, slice, metadata).await?;
        tx.commit().await?;
    }
    Ok(recorded)
}

async fn record_sale_slice(
    tx: &mut PgConnection,
    account: AccountId,
    sales: Vec<ReportedSale>,
    metadata: &EventMetadata,
) -> Result<Recorded, BatchError> {
    let (matches, unmatched) = match_rows(tx, account, &sales, |r| RowKeys {
        vendor_code: &r.vendor_code,
        barcode: &r.barcode,
        nm_id: r.nm_id,
    })
    .await?;
    let decisions = sales
        .into_iter()
        .zip(matches)
        .map(|(sale, matched)| Decision {
            stream: MarketplaceOrderId::for_srid(account, &sale.srid).to_string(),
            command: OrderCommand::RecordSaleRow(Box::new(SaleRow {
                account_id: account,
                sale,
                matched,
            })),
        })
        .collect();
    let facts = decide_all(tx, decisions, decide_order, metadata).await?;
    Ok(Recorded { facts, unmatched })
}

/// The stocks of a page, a transaction per slice.
pub async fn record_stocks(
    pool: &PgPool,
    account: AccountId,
    stocks: Vec<ReportedStock>,
    metadata: &EventMetadata,
) -> Result<Recorded, BatchError> {
    let mut recorded = Recorded::default();
    for slice in slices(stocks) {
        let mut tx = gomarket_infra::database::begin(pool).await?;
        recorded += record_stock_slice(&mut tx, account, slice, metadata).await?;
        tx.commit().await?;
    }
    Ok(recorded)
}

async fn record_stock_slice(
    tx: &mut PgConnection,
    account: AccountId,
    stocks: Vec<ReportedStock>,
    metadata: &EventMetadata,
) -> Result<Recorded, BatchError> {
    let (matches, unmatched) = match_rows(tx, account, &stocks, |r| RowKeys {
        vendor_code: &r.vendor_code,
        barcode: &r.barcode,
        nm_id: r.nm_id,
    })
    .await?;
    // One command per article, its rows in report order.
    let mut by_article: HashMap<String, Vec<StockRow>> = HashMap::new();
    for (stock, matched) in stocks.into_iter().zip(matches) {
        let stream = MarketplaceStockId::for_article(account, stock.nm_id).to_string();
        by_article.entry(stream).or_default().push(StockRow {
            account_id: account,
            stock,
            matched,
        });
    }
    let decisions = by_article
        .into_iter()
        .map(|(stream, rows)| Decision {
            stream,
            command: StockCommand::Observe(rows),
        })
        .collect();
    let facts = decide_all(tx, decisions, decide_stock, metadata).await?;
    Ok(Recorded { facts, unmatched })
}

/// The stock history report's rows, each on its article's stock stream: a fact where the
/// figures changed.
pub async fn record_lost_sales(
    tx: &mut PgConnection,
    account: AccountId,
    rows: Vec<ReportedLostSales>,
    metadata: &EventMetadata,
) -> Result<Recorded, BatchError> {
    let (matches, unmatched) = match_rows(tx, account, &rows, |r| RowKeys {
        vendor_code: &r.vendor_code,
        barcode: "",
        nm_id: r.nm_id,
    })
    .await?;
    let decisions = rows
        .into_iter()
        .zip(matches)
        .map(|(report, matched)| Decision {
            stream: MarketplaceStockId::for_article(account, report.nm_id).to_string(),
            command: StockCommand::ReportLostSales {
                account_id: account,
                report,
                matched,
            },
        })
        .collect();
    let facts = decide_all(tx, decisions, decide_stock, metadata).await?;
    Ok(Recorded { facts, unmatched })
}

/// The commission table's rows, one stream per subject: a fact where a rate changed.
pub async fn record_commission(
    tx: &mut PgConnection,
    rates: Vec<ObservedRates>,
    metadata: &EventMetadata,
) -> Result<Recorded, BatchError> {
    let decisions = rates
        .into_iter()
        .map(|observed| Decision {
            stream: SubjectCommissionId::for_subject(observed.marketplace, observed.subject_id).to_string(),
            command: CommissionCommand::Observe(observed),
        })
        .collect();
    let facts = decide_all(tx, decisions, decide_commission, metadata).await?;
    Ok(Recorded { facts, unmatched: 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_cut_into_slices_in_order_and_nothing_is_lost() {
        let cut = slices((0..SLICE * 2 + 3).collect::<Vec<_>>());
        assert_eq!(cut.iter().map(Vec::len).collect::<Vec<_>>(), vec![SLICE, SLICE, 3]);
        assert_eq!(cut.concat(), (0..SLICE * 2 + 3).collect::<Vec<_>>());
        assert!(slices(Vec::<u8>::new()).is_empty());
    }
}
