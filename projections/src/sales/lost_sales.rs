//! Applies `LostSalesReported` facts: the marketplace's own figure of what each article lost
//! to being out of stock, the last reported (every article changes daily, as the report's
//! period moves: a batch writes them in one statement). The row keeps the sequence of the fact
//! applied last, so one delivered again (or late) changes nothing.

use super::stock_levels::AGGREGATE_TYPE;
use super::tables::Tables;
use crate::ProjectionError;
use chrono::{DateTime, Utc};
use gomarket_domain::sales::stock::{LostSales, StockEvent};
use gomarket_infra::event_store::StoredEvent;
use sqlx::PgConnection;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use uuid::Uuid;

/// One article's figures as a row.
struct Reported {
    account_id: Uuid,
    nm_id: i64,
    figures: LostSales,
    at: DateTime<Utc>,
    sequence: i64,
}

/// Applies the batch's stock history facts in one statement: per article the last of the
/// batch (a statement may not change a row twice), kept only if newer than the stored one.
pub(super) async fn apply(tx: &mut PgConnection, t: &Tables, events: &[StoredEvent]) -> Result<(), ProjectionError> {
    let mut last: HashMap<(Uuid, i64), Reported> = HashMap::new();
    for stored in events.iter().filter(|e| e.aggregate_type == AGGREGATE_TYPE) {
        let event: StockEvent = crate::error::decode_payload(stored)?;
        let StockEvent::LostSalesReported {
            account_id,
            nm_id,
            figures,
            at,
            ..
        } = event
        else {
            continue;
        };
        let row = Reported {
            account_id: account_id.as_uuid(),
            nm_id: nm_id.get() as i64,
            figures,
            at,
            sequence: stored.sequence,
        };
        match last.entry((row.account_id, row.nm_id)) {
            Entry::Occupied(mut known) if known.get().sequence < row.sequence => {
                known.insert(row);
            }
            Entry::Occupied(_) => {}
            Entry::Vacant(slot) => {
                slot.insert(row);
            }
        }
    }
    if last.is_empty() {
        return Ok(());
    }
    let rows: Vec<&Reported> = last.values().collect();
    sqlx::query(&format!(
        "INSERT INTO {} AS l (account_id, nm_id, period_start, period_end, lost_orders_hundredths,
                              lost_orders_kopecks, missing_hours, reported_at, version)
         SELECT * FROM UNNEST($1::uuid[], $2::bigint[], $3::date[], $4::date[], $5::bigint[], $6::bigint[],
                              $7::bigint[], $8::timestamptz[], $9::bigint[])
         ON CONFLICT (account_id, nm_id) DO UPDATE SET
            period_start = EXCLUDED.period_start, period_end = EXCLUDED.period_end,
            lost_orders_hundredths = EXCLUDED.lost_orders_hundredths,
            lost_orders_kopecks = EXCLUDED.lost_orders_kopecks, missing_hours = EXCLUDED.missing_hours,
            reported_at = EXCLUDED.reported_at, version = EXCLUDED.version
         WHERE l.version < EXCLUDED.version",
        t.lost_sales
    ))
    .bind(rows.iter().map(|r| r.account_id).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.nm_id).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.figures.period_start).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.figures.period_end).collect::<Vec<_>>())
    .bind(
        rows.iter()
            .map(|r| r.figures.lost_orders_hundredths)
            .collect::<Vec<_>>(),
    )
    .bind(rows.iter().map(|r| r.figures.lost_orders_kopecks).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.figures.missing_hours).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.at).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.sequence).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    Ok(())
}
