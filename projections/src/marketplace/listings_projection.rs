//! Builds `listings` from `Listing` events by folding each event into the row's stored state
//! with the aggregate's own `apply_event`, so the read model can never disagree with the
//! aggregate, then deriving the columns queries and the worker filter on.

use crate::rebuild::{create_table_like, swap_tables};
use crate::{Projection, ProjectionError};
use gomarket_domain::marketplace::listing::{CardState, Listing, ListingEvent, ListingState, PushState};
use gomarket_infra::event_store::{EventFeed, StoredEvent};
use sqlx::PgConnection;
use uuid::Uuid;

const AGGREGATE_TYPE: &str = "Listing";
const LIVE_TABLE: &str = "listings";
const SHADOW_TABLE: &str = "listings_rebuild";

#[derive(Debug, Clone)]
pub struct ListingsProjection {
    table: &'static str,
}

impl Default for ListingsProjection {
    fn default() -> Self {
        Self { table: LIVE_TABLE }
    }
}

impl ListingsProjection {
    pub const NAME: &'static str = LIVE_TABLE;
}

/// The GraphQL/column name of a card state.
pub fn card_state_name(card: &CardState) -> &'static str {
    match card {
        CardState::NotPublished => "NOT_PUBLISHED",
        CardState::Requested { .. } => "REQUESTED",
        CardState::Created { .. } => "CREATED",
        CardState::Rejected { .. } => "REJECTED",
    }
}

pub fn push_state_name(state: &PushState) -> &'static str {
    match state {
        PushState::Pending => "PENDING",
        PushState::Applied => "APPLIED",
        PushState::Failed { .. } => "FAILED",
        PushState::Quarantined { .. } => "QUARANTINED",
    }
}

fn decode(stored: &StoredEvent) -> Result<ListingEvent, ProjectionError> {
    serde_json::from_value(stored.payload.clone()).map_err(|e| ProjectionError::bad_payload(stored, e))
}

impl Projection for ListingsProjection {
    fn name(&self) -> &'static str {
        self.table
    }

    fn shadow(&self) -> Self {
        Self { table: SHADOW_TABLE }
    }

    async fn create_shadow(&self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        create_table_like(tx, LIVE_TABLE, SHADOW_TABLE).await
    }

    async fn swap_shadow(&self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        swap_tables(tx, LIVE_TABLE, SHADOW_TABLE).await
    }

    async fn apply(&self, tx: &mut PgConnection, event: &StoredEvent, feed: &EventFeed) -> Result<(), ProjectionError> {
        if event.aggregate_type != AGGREGATE_TYPE {
            return Ok(());
        }
        let id = Uuid::parse_str(&event.aggregate_id).map_err(|e| ProjectionError::bad_payload(event, e))?;
        let row: Option<(i64, serde_json::Value)> = sqlx::query_as(&format!(
            "SELECT version, state FROM {} WHERE id = $1 FOR UPDATE",
            self.table
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let mut listing = match row {
            Some((version, state)) => Listing {
                state: Some(serde_json::from_value(state).map_err(|e| ProjectionError::bad_payload(event, e))?),
                version: version as u64,
            },
            None => Listing::default(),
        };
        let applied = listing.version as i64;
        if event.sequence <= applied {
            return Ok(()); // already applied: redelivery or replay
        }
        if event.sequence > applied + 1 {
            let missing = feed
                .aggregate_events_between(AGGREGATE_TYPE, &event.aggregate_id, applied, event.sequence)
                .await?;
            tracing::warn!(aggregate_id = %event.aggregate_id, from = applied + 1, to = event.sequence - 1, "healing a gap from the store");
            for earlier in &missing {
                listing.apply_event(decode(earlier)?);
            }
        }
        listing.apply_event(decode(event)?);
        listing.version = event.sequence as u64;
        let Some(state) = &listing.state else {
            return Ok(()); // events before a publication: nothing to show
        };
        self.upsert(tx, id, state, event.sequence).await.map_err(Into::into)
    }
}

impl ListingsProjection {
    async fn upsert(
        &self,
        tx: &mut PgConnection,
        id: Uuid,
        state: &ListingState,
        version: i64,
    ) -> Result<(), sqlx::Error> {
        let table = self.table;
        sqlx::query(&format!(
            "INSERT INTO {table} (id, account_id, product_id, vendor_code, card_state, nm_id, price_state, stock_state,
                                  price_due, stock_due, has_error, state, version, published_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
             ON CONFLICT (id) DO UPDATE SET
                vendor_code = EXCLUDED.vendor_code, card_state = EXCLUDED.card_state, nm_id = EXCLUDED.nm_id,
                price_state = EXCLUDED.price_state, stock_state = EXCLUDED.stock_state,
                price_due = EXCLUDED.price_due, stock_due = EXCLUDED.stock_due, has_error = EXCLUDED.has_error,
                state = EXCLUDED.state, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at"
        ))
        .bind(id)
        .bind(state.account_id.as_uuid())
        .bind(state.product_id.as_uuid())
        .bind(state.vendor_code.as_str())
        .bind(card_state_name(&state.card))
        .bind(state.nm_id().map(|n| n as i64))
        .bind(state.price.as_ref().map(|p| push_state_name(&p.state)))
        .bind(state.stock.as_ref().map(|s| push_state_name(&s.state)))
        .bind(state.price_due())
        .bind(state.stock_due())
        .bind(!state.errors.is_empty())
        .bind(serde_json::to_value(state).expect("listing state serializes"))
        .bind(version)
        .bind(state.published_at)
        .bind(state.updated_at)
        .execute(&mut *tx)
        .await
        .map(drop)
    }
}
