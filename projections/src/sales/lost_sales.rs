//! Applies `LostSalesReported` facts: the marketplace's own figure of what each article lost
//! to being out of stock, the last reported. The row keeps the sequence of the fact applied
//! last, so one delivered again (or late) changes nothing.

use super::stock_levels::AGGREGATE_TYPE;
use super::tables::Tables;
use crate::ProjectionError;
use gomarket_domain::sales::stock::StockEvent;
use gomarket_infra::event_store::StoredEvent;
use sqlx::PgConnection;

/// Applies the batch's stock history facts.
pub(super) async fn apply(tx: &mut PgConnection, t: &Tables, events: &[StoredEvent]) -> Result<(), ProjectionError> {
    for stored in events.iter().filter(|e| e.aggregate_type == AGGREGATE_TYPE) {
        let event: StockEvent =
            serde_json::from_value(stored.payload.clone()).map_err(|e| ProjectionError::bad_payload(stored, e))?;
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
        sqlx::query(&format!(
            "INSERT INTO {} AS l (account_id, nm_id, period_start, period_end, lost_orders_hundredths,
                                  lost_orders_kopecks, missing_hours, reported_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (account_id, nm_id) DO UPDATE SET
                period_start = EXCLUDED.period_start, period_end = EXCLUDED.period_end,
                lost_orders_hundredths = EXCLUDED.lost_orders_hundredths,
                lost_orders_kopecks = EXCLUDED.lost_orders_kopecks, missing_hours = EXCLUDED.missing_hours,
                reported_at = EXCLUDED.reported_at, version = EXCLUDED.version
             WHERE l.version < EXCLUDED.version",
            t.lost_sales
        ))
        .bind(account_id.as_uuid())
        .bind(nm_id.get() as i64)
        .bind(figures.period_start)
        .bind(figures.period_end)
        .bind(figures.lost_orders_hundredths)
        .bind(figures.lost_orders_kopecks)
        .bind(figures.missing_hours)
        .bind(at)
        .bind(stored.sequence)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
