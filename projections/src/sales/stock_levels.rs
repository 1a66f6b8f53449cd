//! Applies `MarketplaceStockObserved` facts: the last level of each size in each marketplace
//! warehouse, the article's total, and the spans the total was zero (outages), from which the
//! out-of-stock days of a window are counted.
//!
//! An article's facts are one stream, delivered in order; the sequence of the last one applied
//! is kept per article, so a fact delivered again (Kafka redelivery, a replay over live tables)
//! is skipped and an outage is never opened or closed twice.

use super::performance::ArticleKey;
use super::tables::Tables;
use crate::ProjectionError;
use chrono::{DateTime, NaiveDate, Utc};
use gomarket_domain::sales::stock::StockEvent;
use gomarket_domain::sales::values::moscow_day;
use gomarket_infra::event_store::StoredEvent;
use sqlx::PgConnection;
use std::collections::HashMap;
use uuid::Uuid;

pub(super) const AGGREGATE_TYPE: &str = "MarketplaceStock";

/// One observation, as a row.
pub(super) struct Observation {
    sequence: i64,
    pub account_id: Uuid,
    nm_id: i64,
    vendor_code: String,
    barcode: String,
    warehouse: String,
    quantity: i64,
    in_way_to_client: i64,
    in_way_from_client: i64,
    changed_at: DateTime<Utc>,
    listing_id: Option<Uuid>,
    product_id: Option<Uuid>,
}

/// The observation a stock fact states (`None`: another kind of stock fact).
fn observation(stored: &StoredEvent) -> Result<Option<Observation>, ProjectionError> {
    let event: StockEvent = crate::error::decode_payload(stored)?;
    let StockEvent::MarketplaceStockObserved {
        account_id,
        nm_id,
        barcode,
        vendor_code,
        warehouse,
        level,
        changed_at,
        matched,
        ..
    } = event
    else {
        return Ok(None);
    };
    Ok(Some(Observation {
        sequence: stored.sequence,
        account_id: account_id.as_uuid(),
        nm_id: nm_id.get() as i64,
        vendor_code,
        barcode,
        warehouse,
        quantity: level.quantity,
        in_way_to_client: level.in_way_to_client,
        in_way_from_client: level.in_way_from_client,
        changed_at,
        listing_id: matched.listing_id.map(|l| l.as_uuid()),
        product_id: matched.product_id.map(|p| p.as_uuid()),
    }))
}

/// An article as stored: the last sequence applied and its sizes' quantities.
#[derive(Default)]
struct Article {
    version: Option<i64>,
    quantities: HashMap<(String, String), i64>,
}

impl Article {
    fn total(&self) -> i64 {
        self.quantities.values().sum()
    }
}

/// A span opened by the batch (and maybe closed by it too).
struct NewOutage {
    account_id: Uuid,
    nm_id: i64,
    started_at: DateTime<Utc>,
    started_day: NaiveDate,
    ended_day: Option<NaiveDate>,
}

/// What the batch changes in the outages, in the order of its facts.
#[derive(Default)]
struct OutageChanges {
    opened: Vec<NewOutage>,
    /// The open span of each article opened by this batch: its place in `opened`.
    open_here: HashMap<(Uuid, i64), usize>,
    /// Spans stored before the batch that it closes.
    closed: Vec<(Uuid, i64, NaiveDate)>,
}

impl OutageChanges {
    fn open(&mut self, o: &Observation) {
        self.open_here.insert((o.account_id, o.nm_id), self.opened.len());
        self.opened.push(NewOutage {
            account_id: o.account_id,
            nm_id: o.nm_id,
            started_at: o.changed_at,
            started_day: moscow_day(o.changed_at),
            ended_day: None,
        });
    }

    fn close(&mut self, o: &Observation) {
        let day = moscow_day(o.changed_at);
        match self.open_here.remove(&(o.account_id, o.nm_id)) {
            Some(i) => self.opened[i].ended_day = Some(day),
            None => self.closed.push((o.account_id, o.nm_id, day)),
        }
    }
}

impl Observation {
    /// The article it is of.
    pub(super) fn key(&self) -> ArticleKey {
        ArticleKey {
            account_id: self.account_id,
            nm_id: self.nm_id,
            vendor_code: self.vendor_code.clone(),
            listing_id: self.listing_id,
            product_id: self.product_id,
        }
    }
}

/// The batch's stock facts, read.
pub(super) fn observations(events: &[StoredEvent]) -> Result<Vec<Observation>, ProjectionError> {
    let mut observations = Vec::new();
    for stored in events.iter().filter(|e| e.aggregate_type == AGGREGATE_TYPE) {
        observations.extend(observation(stored)?);
    }
    Ok(observations)
}

/// Applies the batch's stock facts; answers the articles they touched.
pub(super) async fn apply(
    tx: &mut PgConnection,
    t: &Tables,
    observations: &[Observation],
) -> Result<Vec<ArticleKey>, ProjectionError> {
    if observations.is_empty() {
        return Ok(Vec::new());
    }
    let mut articles = load(tx, t, observations).await?;
    let mut fresh = Vec::new();
    let mut outages = OutageChanges::default();
    for o in observations {
        let article = articles.entry((o.account_id, o.nm_id)).or_default();
        if article.version.is_some_and(|v| v >= o.sequence) {
            continue;
        }
        let before = article.version.map(|_| article.total());
        article.version = Some(o.sequence);
        article
            .quantities
            .insert((o.barcode.clone(), o.warehouse.clone()), o.quantity);
        let after = article.total();
        match (before, after) {
            // Emptied, or first seen empty.
            (Some(1..), 0) | (None, 0) => outages.open(o),
            (Some(0), 1..) => outages.close(o),
            _ => {}
        }
        fresh.push(o);
    }
    store(tx, t, &fresh, &articles, &outages).await?;
    Ok(fresh.iter().map(|o| o.key()).collect())
}

/// The stored state of the batch's articles.
async fn load(
    tx: &mut PgConnection,
    t: &Tables,
    observations: &[Observation],
) -> Result<HashMap<(Uuid, i64), Article>, sqlx::Error> {
    let accounts: Vec<Uuid> = observations.iter().map(|o| o.account_id).collect();
    let nm_ids: Vec<i64> = observations.iter().map(|o| o.nm_id).collect();
    /// (account, article, version, and a size's barcode, warehouse and quantity if any)
    type Row = (Uuid, i64, i64, Option<String>, Option<String>, Option<i64>);
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "WITH keys AS (SELECT DISTINCT account_id, nm_id FROM UNNEST($1::uuid[], $2::bigint[]) AS k(account_id, nm_id))
         SELECT a.account_id, a.nm_id, a.version, l.barcode, l.warehouse, l.quantity
           FROM keys k
           JOIN {articles} a ON a.account_id = k.account_id AND a.nm_id = k.nm_id
           LEFT JOIN {levels} l ON l.account_id = k.account_id AND l.nm_id = k.nm_id",
        articles = t.stock_articles,
        levels = t.stock_levels
    ))
    .bind(&accounts)
    .bind(&nm_ids)
    .fetch_all(&mut *tx)
    .await?;
    let mut articles: HashMap<(Uuid, i64), Article> = HashMap::new();
    for (account, nm_id, version, barcode, warehouse, quantity) in rows {
        let article = articles.entry((account, nm_id)).or_default();
        article.version = Some(version);
        if let (Some(barcode), Some(warehouse), Some(quantity)) = (barcode, warehouse, quantity) {
            article.quantities.insert((barcode, warehouse), quantity);
        }
    }
    Ok(articles)
}

async fn store(
    tx: &mut PgConnection,
    t: &Tables,
    fresh: &[&Observation],
    articles: &HashMap<(Uuid, i64), Article>,
    outages: &OutageChanges,
) -> Result<(), sqlx::Error> {
    if fresh.is_empty() {
        return Ok(());
    }
    // The last observation of each size wins: the batch is in stream order.
    let mut last: HashMap<(Uuid, i64, &str, &str), &Observation> = HashMap::new();
    for o in fresh {
        last.insert((o.account_id, o.nm_id, &o.barcode, &o.warehouse), o);
    }
    let levels: Vec<&Observation> = last.into_values().collect();
    sqlx::query(&format!(
        "INSERT INTO {} AS l (account_id, nm_id, barcode, warehouse, quantity, in_way_to_client, in_way_from_client,
                              changed_at)
         SELECT * FROM UNNEST($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
                              $7::bigint[], $8::timestamptz[])
         ON CONFLICT (account_id, nm_id, barcode, warehouse) DO UPDATE SET
            quantity = EXCLUDED.quantity,
            in_way_to_client = EXCLUDED.in_way_to_client,
            in_way_from_client = EXCLUDED.in_way_from_client,
            changed_at = EXCLUDED.changed_at",
        t.stock_levels
    ))
    .bind(levels.iter().map(|o| o.account_id).collect::<Vec<_>>())
    .bind(levels.iter().map(|o| o.nm_id).collect::<Vec<_>>())
    .bind(levels.iter().map(|o| o.barcode.as_str()).collect::<Vec<_>>())
    .bind(levels.iter().map(|o| o.warehouse.as_str()).collect::<Vec<_>>())
    .bind(levels.iter().map(|o| o.quantity).collect::<Vec<_>>())
    .bind(levels.iter().map(|o| o.in_way_to_client).collect::<Vec<_>>())
    .bind(levels.iter().map(|o| o.in_way_from_client).collect::<Vec<_>>())
    .bind(levels.iter().map(|o| o.changed_at).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;

    let touched: Vec<(Uuid, i64, i64, i64)> = articles
        .iter()
        .filter_map(|((account, nm_id), a)| a.version.map(|v| (*account, *nm_id, v, a.total())))
        .collect();
    sqlx::query(&format!(
        "INSERT INTO {} AS a (account_id, nm_id, version, quantity)
         SELECT * FROM UNNEST($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[])
         ON CONFLICT (account_id, nm_id) DO UPDATE SET version = EXCLUDED.version, quantity = EXCLUDED.quantity
          WHERE a.version < EXCLUDED.version",
        t.stock_articles
    ))
    .bind(touched.iter().map(|a| a.0).collect::<Vec<_>>())
    .bind(touched.iter().map(|a| a.1).collect::<Vec<_>>())
    .bind(touched.iter().map(|a| a.2).collect::<Vec<_>>())
    .bind(touched.iter().map(|a| a.3).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;

    sqlx::query(&format!(
        "UPDATE {} o SET ended_day = c.day
           FROM UNNEST($1::uuid[], $2::bigint[], $3::date[]) AS c(account_id, nm_id, day)
          WHERE o.account_id = c.account_id AND o.nm_id = c.nm_id AND o.ended_day IS NULL",
        t.outages
    ))
    .bind(outages.closed.iter().map(|c| c.0).collect::<Vec<_>>())
    .bind(outages.closed.iter().map(|c| c.1).collect::<Vec<_>>())
    .bind(outages.closed.iter().map(|c| c.2).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    let opened = &outages.opened;
    sqlx::query(&format!(
        "INSERT INTO {} (account_id, nm_id, started_at, started_day, ended_day)
         SELECT * FROM UNNEST($1::uuid[], $2::bigint[], $3::timestamptz[], $4::date[], $5::date[])
         ON CONFLICT DO NOTHING",
        t.outages
    ))
    .bind(opened.iter().map(|o| o.account_id).collect::<Vec<_>>())
    .bind(opened.iter().map(|o| o.nm_id).collect::<Vec<_>>())
    .bind(opened.iter().map(|o| o.started_at).collect::<Vec<_>>())
    .bind(opened.iter().map(|o| o.started_day).collect::<Vec<_>>())
    .bind(opened.iter().map(|o| o.ended_day).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    Ok(())
}
