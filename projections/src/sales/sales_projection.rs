//! Builds the sales read model from `MarketplaceOrder` and `MarketplaceStock` events. Each
//! order fact is one row of `sales_facts`, keyed by (stream, sequence), inserted only if new;
//! the daily figures and the performance windows grow by what was inserted, in the same
//! statement. So redelivered or replayed events change nothing, and order within a stream does
//! not matter (figures are sums). Stock facts keep the warehouses' levels and outages
//! ([`stock_levels`]); articles seen the first time, and those whose stock changed, have their
//! other inputs read ([`performance`]).

use super::performance::{self, ArticleKey, PERIODS};
use super::tables::{self, LIVE, SHADOW, Tables};
use super::{commissions, lost_sales, stock_levels};
use crate::{EventConsumer, Projection, ProjectionError};
use chrono::{DateTime, NaiveDate, Utc};
use gomarket_domain::sales::order::{OrderEvent, RowMatch};
use gomarket_domain::sales::values::moscow_day;
use gomarket_infra::event_store::{EventFeed, StoredEvent};
use sqlx::PgConnection;
use uuid::Uuid;

const AGGREGATE_TYPE: &str = "MarketplaceOrder";

#[derive(Debug, Clone)]
pub struct SalesProjection {
    tables: Tables,
}

impl Default for SalesProjection {
    fn default() -> Self {
        Self { tables: LIVE }
    }
}

impl SalesProjection {
    pub const NAME: &'static str = LIVE.name;
}

/// One fact as a row.
struct Fact {
    order_id: Uuid,
    sequence: i64,
    account_id: Uuid,
    kind: &'static str,
    srid: String,
    sale_id: Option<String>,
    nm_id: i64,
    vendor_code: String,
    barcode: String,
    matched: RowMatch,
    at: DateTime<Utc>,
    day: NaiveDate,
    price_with_discount: i64,
    for_pay: i64,
}

fn fact(stored: &StoredEvent) -> Result<Fact, ProjectionError> {
    let event: OrderEvent = crate::error::decode_payload(stored)?;
    let order_id = Uuid::parse_str(&stored.aggregate_id).map_err(|e| ProjectionError::bad_payload(stored, e))?;
    // A return counts against the day's figures whatever sign Wildberries gives its amounts.
    let against = |kopecks: i64| -kopecks.abs();
    let (kind, account_id, srid, sale_id, nm_id, vendor_code, barcode, matched, at, price, pay) = match event {
        OrderEvent::OrderPlaced {
            account_id,
            srid,
            nm_id,
            barcode,
            vendor_code,
            ordered_at,
            price_with_discount,
            matched,
            ..
        } => (
            "ORDER",
            account_id,
            srid,
            None,
            nm_id,
            vendor_code,
            barcode,
            matched,
            ordered_at,
            price_with_discount.get(),
            0,
        ),
        OrderEvent::OrderCancelled {
            account_id,
            srid,
            nm_id,
            barcode,
            vendor_code,
            cancelled_at,
            price_with_discount,
            matched,
        } => (
            "CANCEL",
            account_id,
            srid,
            None,
            nm_id,
            vendor_code,
            barcode,
            matched,
            cancelled_at,
            price_with_discount.get(),
            0,
        ),
        OrderEvent::SaleRecorded {
            account_id,
            sale_id,
            srid,
            nm_id,
            barcode,
            vendor_code,
            sold_at,
            price_with_discount,
            for_pay,
            matched,
            ..
        } => (
            "SALE",
            account_id,
            srid,
            Some(sale_id),
            nm_id,
            vendor_code,
            barcode,
            matched,
            sold_at,
            price_with_discount.get(),
            for_pay.get(),
        ),
        OrderEvent::ReturnRecorded {
            account_id,
            sale_id,
            srid,
            nm_id,
            barcode,
            vendor_code,
            returned_at,
            price_with_discount,
            for_pay,
            matched,
            ..
        } => (
            "RETURN",
            account_id,
            srid,
            Some(sale_id),
            nm_id,
            vendor_code,
            barcode,
            matched,
            returned_at,
            against(price_with_discount.get()),
            against(for_pay.get()),
        ),
    };
    Ok(Fact {
        order_id,
        sequence: stored.sequence,
        account_id: account_id.as_uuid(),
        kind,
        srid,
        sale_id,
        nm_id: nm_id.get() as i64,
        vendor_code,
        barcode,
        matched,
        at,
        day: moscow_day(at),
        price_with_discount: price,
        for_pay: pay,
    })
}

impl EventConsumer for SalesProjection {
    fn name(&self) -> &'static str {
        self.tables.name
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        Some(&[
            AGGREGATE_TYPE,
            stock_levels::AGGREGATE_TYPE,
            commissions::AGGREGATE_TYPE,
        ])
    }

    async fn apply(&self, tx: &mut PgConnection, event: &StoredEvent, feed: &EventFeed) -> Result<(), ProjectionError> {
        self.apply_all(tx, std::slice::from_ref(event), feed).await
    }

    /// The accounts' windows moved to today first; then rows for articles seen the first
    /// time, the batch's order facts in one statement, its stock facts, and the inputs of the
    /// new articles and of those whose stock changed.
    async fn apply_all(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
        _feed: &EventFeed,
    ) -> Result<(), ProjectionError> {
        let facts = events
            .iter()
            .filter(|e| e.aggregate_type == AGGREGATE_TYPE)
            .map(fact)
            .collect::<Result<Vec<Fact>, _>>()?;
        commissions::apply(tx, &self.tables, events).await?;
        lost_sales::apply(tx, &self.tables, events).await?;
        let observations = stock_levels::observations(events)?;
        if facts.is_empty() && observations.is_empty() {
            return Ok(());
        }
        let accounts: Vec<Uuid> = facts
            .iter()
            .map(|f| f.account_id)
            .chain(observations.iter().map(|o| o.account_id))
            .collect();
        performance::roll_accounts(tx, &self.tables, &accounts, performance::today()).await?;
        // Articles seen the first time get their rows, and their inputs read, before the sums
        // grow; stock facts change inputs of their articles.
        let keys = articles(facts.iter().map(Fact::key).chain(observations.iter().map(|o| o.key())));
        let mut refresh = performance::ensure_rows(tx, &self.tables, &keys).await?;
        self.record_facts(tx, &facts).await?;
        refresh.extend(stock_levels::apply(tx, &self.tables, &observations).await?);
        performance::refresh_inputs(tx, &self.tables, &articles(refresh)).await?;
        Ok(())
    }
}

/// Each article once (a key that names a product preferred).
fn articles(keys: impl IntoIterator<Item = ArticleKey>) -> Vec<ArticleKey> {
    let mut keys: Vec<ArticleKey> = keys.into_iter().collect();
    keys.sort_by(|a, b| {
        (a.account_id, a.nm_id, a.product_id.is_none()).cmp(&(b.account_id, b.nm_id, b.product_id.is_none()))
    });
    keys.dedup_by(|a, b| a.account_id == b.account_id && a.nm_id == b.nm_id);
    keys
}

impl Fact {
    fn key(&self) -> ArticleKey {
        ArticleKey {
            account_id: self.account_id,
            nm_id: self.nm_id,
            vendor_code: self.vendor_code.clone(),
            listing_id: self.matched.listing_id.map(|l| l.as_uuid()),
            product_id: self.matched.product_id.map(|p| p.as_uuid()),
        }
    }
}

impl SalesProjection {
    /// Inserts the facts not yet recorded and grows the figures they count in.
    async fn record_facts(&self, tx: &mut PgConnection, facts: &[Fact]) -> Result<(), ProjectionError> {
        if facts.is_empty() {
            return Ok(());
        }
        let Tables {
            facts: facts_table,
            daily,
            account_daily,
            as_of,
            performance,
            ..
        } = self.tables;
        sqlx::query(&format!(
            "WITH inserted AS (
                INSERT INTO {facts_table} (order_id, sequence, account_id, kind, srid, sale_id, nm_id, vendor_code,
                                           barcode, listing_id, product_id, at, day, price_with_discount, for_pay)
                SELECT * FROM UNNEST($1::uuid[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::text[],
                                     $7::bigint[], $8::text[], $9::text[], $10::uuid[], $11::uuid[],
                                     $12::timestamptz[], $13::date[], $14::bigint[], $15::bigint[])
                ON CONFLICT (order_id, sequence) DO NOTHING
                RETURNING *),
             figures AS (
                SELECT account_id, nm_id, day,
                       (array_agg(listing_id) FILTER (WHERE listing_id IS NOT NULL))[1] AS listing_id,
                       (array_agg(product_id) FILTER (WHERE product_id IS NOT NULL))[1] AS product_id,
                       max(vendor_code) AS vendor_code,
                       count(*) FILTER (WHERE kind = 'ORDER') AS orders,
                       count(*) FILTER (WHERE kind = 'CANCEL') AS cancellations,
                       count(*) FILTER (WHERE kind = 'SALE') AS buyouts,
                       count(*) FILTER (WHERE kind = 'RETURN') AS returns,
                       coalesce(sum(price_with_discount) FILTER (WHERE kind = 'ORDER'), 0) AS ordered,
                       coalesce(sum(price_with_discount) FILTER (WHERE kind IN ('SALE', 'RETURN')), 0) AS revenue,
                       coalesce(sum(for_pay) FILTER (WHERE kind IN ('SALE', 'RETURN')), 0) AS payout
                  FROM inserted
                 GROUP BY account_id, nm_id, day),
             per_account AS (
                INSERT INTO {account_daily} AS a (account_id, day, orders, cancellations, buyouts, returns,
                                                  ordered_kopecks, revenue_kopecks, payout_kopecks)
                SELECT account_id, day, sum(orders), sum(cancellations), sum(buyouts), sum(returns),
                       sum(ordered), sum(revenue), sum(payout)
                  FROM figures
                 GROUP BY account_id, day
                ON CONFLICT (account_id, day) DO UPDATE SET
                   orders = a.orders + EXCLUDED.orders,
                   cancellations = a.cancellations + EXCLUDED.cancellations,
                   buyouts = a.buyouts + EXCLUDED.buyouts,
                   returns = a.returns + EXCLUDED.returns,
                   ordered_kopecks = a.ordered_kopecks + EXCLUDED.ordered_kopecks,
                   revenue_kopecks = a.revenue_kopecks + EXCLUDED.revenue_kopecks,
                   payout_kopecks = a.payout_kopecks + EXCLUDED.payout_kopecks),
             per_window AS (
                INSERT INTO {performance} AS p (account_id, period_days, nm_id, listing_id, product_id, vendor_code,
                                                orders, cancellations, buyouts, returns, ordered_kopecks,
                                                revenue_kopecks, payout_kopecks)
                SELECT f.account_id, w.days, f.nm_id,
                       (array_agg(f.listing_id) FILTER (WHERE f.listing_id IS NOT NULL))[1],
                       (array_agg(f.product_id) FILTER (WHERE f.product_id IS NOT NULL))[1],
                       max(f.vendor_code), sum(f.orders), sum(f.cancellations), sum(f.buyouts), sum(f.returns),
                       sum(f.ordered), sum(f.revenue), sum(f.payout)
                  FROM figures f
                  JOIN {as_of} a ON a.account_id = f.account_id
                 CROSS JOIN UNNEST($16::smallint[]) AS w(days)
                 WHERE f.day > a.as_of - w.days::int AND f.day <= a.as_of
                 GROUP BY f.account_id, w.days, f.nm_id
                ON CONFLICT (account_id, period_days, nm_id) DO UPDATE SET
                   listing_id = coalesce(p.listing_id, EXCLUDED.listing_id),
                   product_id = coalesce(p.product_id, EXCLUDED.product_id),
                   vendor_code = CASE WHEN p.vendor_code = '' THEN EXCLUDED.vendor_code ELSE p.vendor_code END,
                   orders = p.orders + EXCLUDED.orders,
                   cancellations = p.cancellations + EXCLUDED.cancellations,
                   buyouts = p.buyouts + EXCLUDED.buyouts,
                   returns = p.returns + EXCLUDED.returns,
                   ordered_kopecks = p.ordered_kopecks + EXCLUDED.ordered_kopecks,
                   revenue_kopecks = p.revenue_kopecks + EXCLUDED.revenue_kopecks,
                   payout_kopecks = p.payout_kopecks + EXCLUDED.payout_kopecks)
             INSERT INTO {daily} AS d (account_id, nm_id, day, listing_id, product_id, vendor_code, orders,
                                      cancellations, buyouts, returns, ordered_kopecks, revenue_kopecks, payout_kopecks)
             SELECT account_id, nm_id, day, listing_id, product_id, vendor_code, orders, cancellations, buyouts,
                    returns, ordered, revenue, payout
               FROM figures
             ON CONFLICT (account_id, nm_id, day) DO UPDATE SET
                listing_id = coalesce(d.listing_id, EXCLUDED.listing_id),
                product_id = coalesce(d.product_id, EXCLUDED.product_id),
                vendor_code = CASE WHEN d.vendor_code = '' THEN EXCLUDED.vendor_code ELSE d.vendor_code END,
                orders = d.orders + EXCLUDED.orders,
                cancellations = d.cancellations + EXCLUDED.cancellations,
                buyouts = d.buyouts + EXCLUDED.buyouts,
                returns = d.returns + EXCLUDED.returns,
                ordered_kopecks = d.ordered_kopecks + EXCLUDED.ordered_kopecks,
                revenue_kopecks = d.revenue_kopecks + EXCLUDED.revenue_kopecks,
                payout_kopecks = d.payout_kopecks + EXCLUDED.payout_kopecks"
        ))
        .bind(facts.iter().map(|f| f.order_id).collect::<Vec<_>>())
        .bind(facts.iter().map(|f| f.sequence).collect::<Vec<_>>())
        .bind(facts.iter().map(|f| f.account_id).collect::<Vec<_>>())
        .bind(facts.iter().map(|f| f.kind).collect::<Vec<_>>())
        .bind(facts.iter().map(|f| f.srid.as_str()).collect::<Vec<_>>())
        .bind(facts.iter().map(|f| f.sale_id.as_deref()).collect::<Vec<_>>())
        .bind(facts.iter().map(|f| f.nm_id).collect::<Vec<_>>())
        .bind(facts.iter().map(|f| f.vendor_code.as_str()).collect::<Vec<_>>())
        .bind(facts.iter().map(|f| f.barcode.as_str()).collect::<Vec<_>>())
        .bind(
            facts
                .iter()
                .map(|f| f.matched.listing_id.map(|l| l.as_uuid()))
                .collect::<Vec<_>>(),
        )
        .bind(
            facts
                .iter()
                .map(|f| f.matched.product_id.map(|p| p.as_uuid()))
                .collect::<Vec<_>>(),
        )
        .bind(facts.iter().map(|f| f.at).collect::<Vec<_>>())
        .bind(facts.iter().map(|f| f.day).collect::<Vec<_>>())
        .bind(facts.iter().map(|f| f.price_with_discount).collect::<Vec<_>>())
        .bind(facts.iter().map(|f| f.for_pay).collect::<Vec<_>>())
        .bind(PERIODS.as_slice())
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}

impl Projection for SalesProjection {
    fn shadow(&self) -> Self {
        Self { tables: SHADOW }
    }

    async fn create_shadow(&self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        tables::create_shadow(tx).await
    }

    async fn swap_shadow(&self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        tables::swap_shadow(tx).await
    }
}
