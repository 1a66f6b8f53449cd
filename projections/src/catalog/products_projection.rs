use super::bulk_insert::{self, json};
use super::decode_product_event;
use super::record::status_name;
use crate::rebuild::{create_table_like, swap_tables};
use crate::sequence::missing_before;
use crate::{EventConsumer, Projection, ProjectionError};
use gomarket_domain::catalog::{ProductEvent, ProductStatus};
use gomarket_infra::event_store::{EventFeed, StoredEvent};
use sqlx::PgConnection;
use std::sync::Arc;
use uuid::Uuid;

/// Builds the `products` table from `Product` events (or, for a rebuild, its shadow table
/// `products_rebuild`, swapped in when complete).
#[derive(Debug, Clone)]
pub struct ProductsProjection {
    table: &'static str,
    sql: Arc<ProductsSql>,
}

const AGGREGATE_TYPE: &str = "Product";
const LIVE_TABLE: &str = "products";
const SHADOW_TABLE: &str = "products_rebuild";

/// The statements of one target table, built once.
#[derive(Debug)]
struct ProductsSql {
    table: &'static str,
    applied_version: String,
    update_details: String,
    update_price: String,
    update_stock: String,
    update_status: String,
    update_content: String,
    update_supply: String,
}

impl ProductsSql {
    fn for_table(table: &'static str) -> Self {
        let update = |set: &str| format!("UPDATE {table} SET {set} WHERE id = $1 AND version < $3");
        Self {
            table,
            applied_version: format!("SELECT version FROM {table} WHERE id = $1 FOR UPDATE"),
            update_details: format!(
                "UPDATE {table} SET title = $2, brand = $4, description = $5, category = $6, barcodes = $7,
                                    version = $3, updated_at = $8
                  WHERE id = $1 AND version < $3"
            ),
            update_price: update("price_kopecks = $2, version = $3, updated_at = $4"),
            update_stock: update("stock = $2, version = $3, updated_at = $4"),
            update_status: update("status = $2, version = $3, updated_at = $4"),
            update_content: update("content = $2, version = $3, updated_at = $4"),
            update_supply: format!(
                "UPDATE {table} SET stock_by_warehouse = $2, version = $3, updated_at = $4, stock = $5, available = $6
                  WHERE id = $1 AND version < $3"
            ),
        }
    }
}

impl Default for ProductsProjection {
    fn default() -> Self {
        Self::into_table(LIVE_TABLE)
    }
}

impl ProductsProjection {
    /// Name (and checkpoint key) of the live projection.
    pub const NAME: &'static str = LIVE_TABLE;

    fn into_table(table: &'static str) -> Self {
        Self {
            table,
            sql: Arc::new(ProductsSql::for_table(table)),
        }
    }
}

impl EventConsumer for ProductsProjection {
    fn name(&self) -> &'static str {
        self.table
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        Some(&[AGGREGATE_TYPE])
    }

    async fn apply_all(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
        feed: &EventFeed,
    ) -> Result<(), ProjectionError> {
        // Creations first, in one statement (nothing of a product precedes its creation), then
        // the rest in order; the rest skips what the bulk insert already applied.
        let creations: Vec<&StoredEvent> = events.iter().filter(|e| bulk_insert::is_creation(e)).collect();
        insert_created_in_two(tx, feed, self.table, &creations).await?;
        for event in events.iter().filter(|e| !bulk_insert::is_creation(e)) {
            self.apply(tx, event, feed).await?;
        }
        Ok(())
    }

    async fn apply(&self, tx: &mut PgConnection, event: &StoredEvent, feed: &EventFeed) -> Result<(), ProjectionError> {
        if event.aggregate_type != AGGREGATE_TYPE {
            return Ok(());
        }
        let id = parse_id(event)?;
        let applied: i64 = sqlx::query_scalar(&self.sql.applied_version)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or(0);
        let Some(missing) = missing_before(feed, event, applied).await? else {
            return Ok(());
        };
        for earlier in missing.iter().chain([event]) {
            apply_one(tx, &self.sql, id, earlier).await?;
        }
        Ok(())
    }
}

impl Projection for ProductsProjection {
    fn shadow(&self) -> Self {
        Self::into_table(SHADOW_TABLE)
    }

    async fn create_shadow(&self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        create_table_like(tx, LIVE_TABLE, SHADOW_TABLE).await?;
        // Triggers are not copied by LIKE.
        sqlx::query(&format!(
            "CREATE TRIGGER products_search_refresh
                 BEFORE INSERT OR UPDATE OF sku, title, brand, description, category, barcodes ON {SHADOW_TABLE}
                 FOR EACH ROW EXECUTE FUNCTION products_search_vector()"
        ))
        .execute(&mut *tx)
        .await
        .map(drop)
    }

    async fn swap_shadow(&self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        swap_tables(tx, LIVE_TABLE, SHADOW_TABLE).await
    }
}

/// Fewer creations than this in a batch are inserted by one connection: a second transaction
/// costs more round trips than it saves.
const SPLIT_CREATIONS_AT: usize = 200;
/// Longest wait for the second connection.
const SECOND_CONNECTION_WAIT: std::time::Duration = std::time::Duration::from_millis(100);

/// Inserts the products that `creations` create, half of them on a second connection when the
/// batch is large and the pool has one free: a row costs PostgreSQL its search vector and
/// thirteen index entries, so a cold import's catch-up is bound by one backend's core, and two
/// backends use both.
///
/// The second half commits on its own, before the batch's checkpoint (and only if both halves
/// were inserted). If the batch then fails, those rows stay while the checkpoint does not move:
/// the batch is applied again, and an insert of an existing product is a no-op. Updates in the
/// same batch come after both halves are committed, so they see every created row.
async fn insert_created_in_two(
    tx: &mut PgConnection,
    feed: &EventFeed,
    table: &str,
    creations: &[&StoredEvent],
) -> Result<(), ProjectionError> {
    let second = if creations.len() >= SPLIT_CREATIONS_AT {
        // Never wait long for it: a busy pool means one connection does the batch.
        tokio::time::timeout(SECOND_CONNECTION_WAIT, feed.pool().acquire())
            .await
            .ok()
            .and_then(Result::ok)
    } else {
        None
    };
    let Some(second) = second else {
        return bulk_insert::insert_created(tx, table, creations).await;
    };
    let (mine, theirs) = creations.split_at(creations.len() / 2);
    let mut other = gomarket_infra::database::begin_on(second).await?;
    let (inserted, inserted_by_other) = tokio::join!(
        bulk_insert::insert_created(tx, table, mine),
        bulk_insert::insert_created(&mut other, table, theirs)
    );
    inserted?;
    inserted_by_other?;
    other.commit().await?;
    Ok(())
}

fn parse_id(event: &StoredEvent) -> Result<Uuid, ProjectionError> {
    Uuid::parse_str(&event.aggregate_id).map_err(|e| ProjectionError::bad_payload(event, e))
}

/// Applies one event whose predecessors are all applied.
async fn apply_one(
    tx: &mut PgConnection,
    sql: &ProductsSql,
    id: Uuid,
    stored: &StoredEvent,
) -> Result<(), ProjectionError> {
    let event = decode_product_event(stored)?;
    let version = stored.sequence;
    let query = match event {
        // Creations go through the same statement as bulk creations (one row here).
        ProductEvent::ProductCreated { .. } | ProductEvent::ProductImported { .. } => {
            return bulk_insert::insert_created(tx, sql.table, &[stored]).await;
        }
        ProductEvent::ProductDetailsUpdated {
            title,
            brand,
            description,
            category,
            barcodes,
            at,
        } => sqlx::query(&sql.update_details)
            .bind(id)
            .bind(title.to_string())
            .bind(version)
            .bind(brand.map(String::from))
            .bind(description.map(String::from))
            .bind(category.map(String::from))
            .bind(barcodes.into_iter().map(String::from).collect::<Vec<_>>())
            .bind(at),
        ProductEvent::ProductPriceChanged { price_kopecks, at, .. } => sqlx::query(&sql.update_price)
            .bind(id)
            .bind(price_kopecks.get())
            .bind(version)
            .bind(at),
        ProductEvent::ProductStockChanged { stock, at, .. } => sqlx::query(&sql.update_stock)
            .bind(id)
            .bind(stock.get())
            .bind(version)
            .bind(at),
        ProductEvent::ProductArchived { at } => sqlx::query(&sql.update_status)
            .bind(id)
            .bind(status_name(ProductStatus::Archived))
            .bind(version)
            .bind(at),
        ProductEvent::ProductContentChanged { content, at } => sqlx::query(&sql.update_content)
            .bind(id)
            .bind(json(stored, &content)?)
            .bind(version)
            .bind(at),
        ProductEvent::ProductSupplyChanged {
            stock_by_warehouse,
            stock,
            available,
            at,
            ..
        } => sqlx::query(&sql.update_supply)
            .bind(id)
            .bind(json(stored, &stock_by_warehouse)?)
            .bind(version)
            .bind(at)
            .bind(stock.get())
            .bind(available),
    };
    query.execute(&mut *tx).await?;
    Ok(())
}
