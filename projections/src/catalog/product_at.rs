//! A product as it was: its events folded up to a version or a moment. Answers "what did this
//! product look like before that change" without any read-model history table.

use super::ProductRecord;
use crate::ProjectionError;
use chrono::{DateTime, Utc};
use gomarket_domain::catalog::{Product, ProductEvent, ProductId};
use gomarket_infra::event_store::{EventFeed, StoredEvent};
use uuid::Uuid;

/// Which past state to rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointInTime {
    /// After the event with this sequence number (1 = as created).
    Version(u64),
    /// After every event recorded at or before this instant.
    At(DateTime<Utc>),
}

/// Decodes a stored product event (payloads are checked by the value types on the way in).
pub fn decode_product_event(stored: &StoredEvent) -> Result<ProductEvent, ProjectionError> {
    crate::error::decode_payload(stored)
}

/// The product at `point`, or `None` if it did not exist then (before its creation, or a
/// version it never reached).
pub async fn product_at(
    feed: &EventFeed,
    id: Uuid,
    point: PointInTime,
) -> Result<Option<ProductRecord>, ProjectionError> {
    let events = feed.aggregate_events("Product", &id.to_string()).await?;
    let mut product = Product::default();
    for stored in &events {
        let include = match point {
            PointInTime::Version(version) => stored.sequence as u64 <= version,
            PointInTime::At(at) => stored.recorded_at <= at,
        };
        if !include {
            break;
        }
        product.apply_event(decode_product_event(stored)?);
    }
    if let PointInTime::Version(version) = point
        && version != product.version
    {
        return Ok(None);
    }
    Ok(product
        .state
        .as_ref()
        .map(|state| ProductRecord::from_state(ProductId::from(id), product.version, state)))
}
