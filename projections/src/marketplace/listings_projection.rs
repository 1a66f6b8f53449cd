//! Builds `listings` from `Listing` events by folding each event into the row's stored state
//! with the aggregate's own `apply_event`, so the read model can never disagree with the
//! aggregate, then deriving the columns queries and the worker filter on.

use crate::rebuild::{create_table_like, swap_tables};
use crate::sequence::missing_before;
use crate::{EventConsumer, Projection, ProjectionError};
use gomarket_domain::marketplace::listing::{CardState, Listing, ListingEvent, ListingState, PushArea, PushState};
use gomarket_infra::event_store::{EventFeed, StoredEvent};
use sqlx::PgConnection;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use uuid::Uuid;

const AGGREGATE_TYPE: &str = "Listing";
const LIVE_TABLE: &str = "listings";
const SHADOW_TABLE: &str = "listings_rebuild";
const LIVE_PRICES: &str = "listing_price_history";
const SHADOW_PRICES: &str = "listing_price_history_rebuild";

#[derive(Debug, Clone)]
pub struct ListingsProjection {
    table: &'static str,
    /// Every price the marketplace applied, per listing.
    prices: &'static str,
}

impl Default for ListingsProjection {
    fn default() -> Self {
        Self {
            table: LIVE_TABLE,
            prices: LIVE_PRICES,
        }
    }
}

/// A price the marketplace applied: (listing, the event's sequence, when, price, discount).
type AppliedPrice = (Uuid, i64, chrono::DateTime<chrono::Utc>, i64, i16);

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

/// What a waiting push is about, as the `retry_area` column names it.
fn push_area_name(area: PushArea) -> &'static str {
    match area {
        PushArea::Card => "CARD",
        PushArea::Price => "PRICE",
        PushArea::Stock => "STOCK",
    }
}

fn decode(stored: &StoredEvent) -> Result<ListingEvent, ProjectionError> {
    crate::error::decode_payload(stored)
}

impl EventConsumer for ListingsProjection {
    fn name(&self) -> &'static str {
        self.table
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        Some(&[AGGREGATE_TYPE])
    }

    async fn apply(&self, tx: &mut PgConnection, event: &StoredEvent, feed: &EventFeed) -> Result<(), ProjectionError> {
        self.apply_all(tx, std::slice::from_ref(event), feed).await
    }

    /// Loads every listing the batch touches in one query, folds the batch's events in feed
    /// order in memory, and writes each changed listing once, in one statement.
    async fn apply_all(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
        feed: &EventFeed,
    ) -> Result<(), ProjectionError> {
        let ours: Vec<&StoredEvent> = events.iter().filter(|e| e.aggregate_type == AGGREGATE_TYPE).collect();
        if ours.is_empty() {
            return Ok(());
        }
        let mut order: Vec<Uuid> = Vec::new();
        for event in &ours {
            let id = Uuid::parse_str(&event.aggregate_id).map_err(|e| ProjectionError::bad_payload(event, e))?;
            if !order.contains(&id) {
                order.push(id);
            }
        }
        let rows: Vec<(Uuid, i64, serde_json::Value)> = sqlx::query_as(&format!(
            "SELECT id, version, state FROM {} WHERE id = ANY($1) FOR UPDATE",
            self.table
        ))
        .bind(&order)
        .fetch_all(&mut *tx)
        .await?;
        let mut stored: HashMap<Uuid, (i64, serde_json::Value)> = rows
            .into_iter()
            .map(|(id, version, state)| (id, (version, state)))
            .collect();
        let mut listings: HashMap<Uuid, Listing> = HashMap::with_capacity(order.len());
        let mut changed: Vec<Uuid> = Vec::new();
        let mut applied: Vec<AppliedPrice> = Vec::new();
        for event in ours {
            let id = Uuid::parse_str(&event.aggregate_id).map_err(|e| ProjectionError::bad_payload(event, e))?;
            let listing = match listings.entry(id) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(slot) => slot.insert(match stored.remove(&id) {
                    Some((version, state)) => Listing {
                        state: Some(serde_json::from_value(state).map_err(|e| ProjectionError::bad_payload(event, e))?),
                        version: version as u64,
                    },
                    None => Listing::default(),
                }),
            };
            let Some(missing) = missing_before(feed, event, listing.version as i64).await? else {
                continue;
            };
            for earlier in missing.iter().chain([event]) {
                let decoded = decode(earlier)?;
                let at = decoded.at();
                let is_applied = matches!(decoded, ListingEvent::PriceApplied { .. });
                listing.apply_event(decoded);
                if let (true, Some(price)) = (is_applied, listing.state.as_ref().and_then(|s| s.price.as_ref())) {
                    applied.push((
                        id,
                        earlier.sequence,
                        at,
                        price.sent().get(),
                        price.discount.get().into(),
                    ));
                }
            }
            listing.version = event.sequence as u64;
            if !changed.contains(&id) {
                changed.push(id);
            }
        }
        // Events before a publication have nothing to show.
        let rows: Vec<(Uuid, &ListingState, i64)> = changed
            .iter()
            .filter_map(|id| {
                let listing = &listings[id];
                Some((*id, listing.state.as_ref()?, listing.version as i64))
            })
            .collect();
        self.upsert(tx, &rows).await?;
        self.record_prices(tx, &applied).await.map_err(Into::into)
    }
}

impl Projection for ListingsProjection {
    fn shadow(&self) -> Self {
        Self {
            table: SHADOW_TABLE,
            prices: SHADOW_PRICES,
        }
    }

    async fn create_shadow(&self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        create_table_like(tx, LIVE_TABLE, SHADOW_TABLE).await?;
        create_table_like(tx, LIVE_PRICES, SHADOW_PRICES).await
    }

    async fn swap_shadow(&self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        swap_tables(tx, LIVE_TABLE, SHADOW_TABLE).await?;
        swap_tables(tx, LIVE_PRICES, SHADOW_PRICES).await
    }
}

impl ListingsProjection {
    /// Records the prices applied (once each: keyed by the event).
    async fn record_prices(&self, tx: &mut PgConnection, applied: &[AppliedPrice]) -> Result<(), sqlx::Error> {
        if applied.is_empty() {
            return Ok(());
        }
        sqlx::query(&format!(
            "INSERT INTO {} (listing_id, sequence, applied_at, price_kopecks, discount_percent)
             SELECT * FROM UNNEST($1::uuid[], $2::bigint[], $3::timestamptz[], $4::bigint[], $5::smallint[])
             ON CONFLICT (listing_id, sequence) DO NOTHING",
            self.prices
        ))
        .bind(applied.iter().map(|a| a.0).collect::<Vec<_>>())
        .bind(applied.iter().map(|a| a.1).collect::<Vec<_>>())
        .bind(applied.iter().map(|a| a.2).collect::<Vec<_>>())
        .bind(applied.iter().map(|a| a.3).collect::<Vec<_>>())
        .bind(applied.iter().map(|a| a.4).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await
        .map(drop)
    }

    /// Writes listings (id, state, version) in one statement.
    async fn upsert(&self, tx: &mut PgConnection, rows: &[(Uuid, &ListingState, i64)]) -> Result<(), sqlx::Error> {
        if rows.is_empty() {
            return Ok(());
        }
        let table = self.table;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
        let accounts: Vec<Uuid> = rows.iter().map(|r| r.1.account_id.as_uuid()).collect();
        let products: Vec<Uuid> = rows.iter().map(|r| r.1.product_id.as_uuid()).collect();
        let vendor_codes: Vec<&str> = rows.iter().map(|r| r.1.vendor_code.as_str()).collect();
        let cards: Vec<&str> = rows.iter().map(|r| card_state_name(&r.1.card)).collect();
        let nm_ids: Vec<Option<i64>> = rows.iter().map(|r| r.1.nm_id().map(|n| n as i64)).collect();
        let prices: Vec<Option<&str>> = rows
            .iter()
            .map(|r| r.1.price.as_ref().map(|p| push_state_name(&p.state)))
            .collect();
        let stocks: Vec<Option<&str>> = rows
            .iter()
            .map(|r| r.1.stock.as_ref().map(|s| push_state_name(&s.state)))
            .collect();
        let price_due: Vec<bool> = rows.iter().map(|r| r.1.price_due()).collect();
        let stock_due: Vec<bool> = rows.iter().map(|r| r.1.stock_due()).collect();
        let has_error: Vec<bool> = rows.iter().map(|r| !r.1.errors.is_empty()).collect();
        let states: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| serde_json::to_value(r.1).expect("listing state serializes"))
            .collect();
        let versions: Vec<i64> = rows.iter().map(|r| r.2).collect();
        let published: Vec<chrono::DateTime<chrono::Utc>> = rows.iter().map(|r| r.1.published_at).collect();
        let updated: Vec<chrono::DateTime<chrono::Utc>> = rows.iter().map(|r| r.1.updated_at).collect();
        let retry_at: Vec<Option<chrono::DateTime<chrono::Utc>>> =
            rows.iter().map(|r| r.1.retry.as_ref().map(|t| t.retry_at)).collect();
        let retry_area: Vec<Option<&str>> = rows
            .iter()
            .map(|r| r.1.retry.as_ref().map(|t| push_area_name(t.area)))
            .collect();
        sqlx::query(&format!(
            "INSERT INTO {table} (id, account_id, product_id, vendor_code, card_state, nm_id, price_state, stock_state,
                                  price_due, stock_due, has_error, state, version, published_at, updated_at, retry_at,
                                  retry_area)
             SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::bigint[], $7::text[],
                                  $8::text[], $9::bool[], $10::bool[], $11::bool[], $12::jsonb[], $13::bigint[],
                                  $14::timestamptz[], $15::timestamptz[], $16::timestamptz[], $17::text[])
             ON CONFLICT (id) DO UPDATE SET
                vendor_code = EXCLUDED.vendor_code, card_state = EXCLUDED.card_state, nm_id = EXCLUDED.nm_id,
                price_state = EXCLUDED.price_state, stock_state = EXCLUDED.stock_state,
                price_due = EXCLUDED.price_due, stock_due = EXCLUDED.stock_due, has_error = EXCLUDED.has_error,
                state = EXCLUDED.state, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at,
                retry_at = EXCLUDED.retry_at, retry_area = EXCLUDED.retry_area"
        ))
        .bind(&ids)
        .bind(&accounts)
        .bind(&products)
        .bind(&vendor_codes)
        .bind(&cards)
        .bind(&nm_ids)
        .bind(&prices)
        .bind(&stocks)
        .bind(&price_due)
        .bind(&stock_due)
        .bind(&has_error)
        .bind(&states)
        .bind(&versions)
        .bind(&published)
        .bind(&updated)
        .bind(&retry_at)
        .bind(&retry_area)
        .execute(&mut *tx)
        .await
        .map(drop)
    }
}
