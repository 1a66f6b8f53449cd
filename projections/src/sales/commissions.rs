//! Applies `CommissionRatesObserved` facts: the rates in force per (marketplace, subject), the
//! last observed. A subject's facts are one stream; the row keeps the sequence of the fact
//! applied last, so one delivered again (or late) changes nothing.

use super::tables::Tables;
use crate::ProjectionError;
use gomarket_domain::sales::commission::{CommissionEvent, CommissionRates};
use gomarket_domain::sales::values::BasisPoints;
use gomarket_infra::event_store::StoredEvent;
use sqlx::PgConnection;

pub(super) const AGGREGATE_TYPE: &str = "SubjectCommission";

/// Applies the batch's commission facts.
pub(super) async fn apply(tx: &mut PgConnection, t: &Tables, events: &[StoredEvent]) -> Result<(), ProjectionError> {
    for stored in events.iter().filter(|e| e.aggregate_type == AGGREGATE_TYPE) {
        let event: CommissionEvent = crate::error::decode_payload(stored)?;
        let CommissionEvent::CommissionRatesObserved {
            marketplace,
            subject_id,
            subject_name,
            parent_name,
            rates,
            at,
            ..
        } = event;
        let CommissionRates {
            marketplace_warehouse,
            seller_warehouse,
            seller_delivery,
            seller_express,
            pickup,
            booking,
        } = rates;
        let points = |rate: Option<BasisPoints>| rate.map(|r| r.get());
        sqlx::query(&format!(
            "INSERT INTO {} AS c (marketplace, subject_id, subject_name, parent_name, marketplace_warehouse,
                                  seller_warehouse, seller_delivery, seller_express, pickup, booking, observed_at,
                                  version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (marketplace, subject_id) DO UPDATE SET
                subject_name = EXCLUDED.subject_name, parent_name = EXCLUDED.parent_name,
                marketplace_warehouse = EXCLUDED.marketplace_warehouse,
                seller_warehouse = EXCLUDED.seller_warehouse, seller_delivery = EXCLUDED.seller_delivery,
                seller_express = EXCLUDED.seller_express, pickup = EXCLUDED.pickup, booking = EXCLUDED.booking,
                observed_at = EXCLUDED.observed_at, version = EXCLUDED.version
             WHERE c.version < EXCLUDED.version",
            t.commissions
        ))
        .bind(marketplace.as_str())
        .bind(subject_id.get() as i64)
        .bind(subject_name)
        .bind(parent_name)
        .bind(points(marketplace_warehouse))
        .bind(points(seller_warehouse))
        .bind(points(seller_delivery))
        .bind(points(seller_express))
        .bind(points(pickup))
        .bind(points(booking))
        .bind(at)
        .bind(stored.sequence)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
