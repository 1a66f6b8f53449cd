use super::record::status_name;
use crate::{Projection, ProjectionError};
use gomarket_domain::catalog::{ProductEvent, ProductStatus};
use gomarket_infra::event_store::{EventFeed, StoredEvent};
use sqlx::PgConnection;
use uuid::Uuid;

/// Builds the `products` table from `Product` events.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProductsProjection;

const AGGREGATE_TYPE: &str = "Product";

impl Projection for ProductsProjection {
    fn name(&self) -> &'static str {
        "products"
    }

    async fn apply(&self, tx: &mut PgConnection, event: &StoredEvent, feed: &EventFeed) -> Result<(), ProjectionError> {
        if event.aggregate_type != AGGREGATE_TYPE {
            return Ok(());
        }
        let id = parse_id(event)?;
        let applied: i64 = sqlx::query_scalar("SELECT version FROM products WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or(0);
        if event.sequence <= applied {
            return Ok(()); // already applied: redelivery or replay
        }
        if event.sequence > applied + 1 {
            // A gap: some earlier events of this product never reached us. Heal from the store.
            let missing = feed
                .aggregate_events_between(AGGREGATE_TYPE, &event.aggregate_id, applied, event.sequence)
                .await?;
            tracing::warn!(aggregate_id = %event.aggregate_id, from = applied + 1, to = event.sequence - 1, "healing a gap from the store");
            for earlier in &missing {
                apply_one(tx, id, earlier).await?;
            }
        }
        apply_one(tx, id, event).await
    }
}

fn parse_id(event: &StoredEvent) -> Result<Uuid, ProjectionError> {
    Uuid::parse_str(&event.aggregate_id).map_err(|e| bad_payload(event, e.to_string()))
}

fn bad_payload(event: &StoredEvent, reason: String) -> ProjectionError {
    ProjectionError::BadPayload {
        aggregate_id: event.aggregate_id.clone(),
        event_type: event.event_type.clone(),
        sequence: event.sequence,
        reason,
    }
}

/// Applies one event whose predecessors are all applied.
async fn apply_one(tx: &mut PgConnection, id: Uuid, stored: &StoredEvent) -> Result<(), ProjectionError> {
    let event: ProductEvent =
        serde_json::from_value(stored.payload.clone()).map_err(|e| bad_payload(stored, e.to_string()))?;
    let version = stored.sequence;
    let query = match event {
        ProductEvent::ProductCreated {
            sku,
            title,
            brand,
            description,
            category,
            barcodes,
            price_kopecks,
            stock,
            at,
        } => sqlx::query(
            "INSERT INTO products (id, sku, title, brand, description, category, barcodes, price_kopecks,
                                       stock, status, version, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
                 ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(sku.as_str().to_owned())
        .bind(title.to_string())
        .bind(brand.map(String::from))
        .bind(description.map(String::from))
        .bind(category.map(String::from))
        .bind(barcodes.into_iter().map(String::from).collect::<Vec<_>>())
        .bind(price_kopecks.get())
        .bind(stock.get())
        .bind(status_name(ProductStatus::Active))
        .bind(version)
        .bind(at),
        ProductEvent::ProductDetailsUpdated {
            title,
            brand,
            description,
            category,
            barcodes,
            at,
        } => sqlx::query(
            "UPDATE products SET title = $2, brand = $3, description = $4, category = $5, barcodes = $6,
                                 version = $7, updated_at = $8
              WHERE id = $1 AND version < $7",
        )
        .bind(id)
        .bind(title.to_string())
        .bind(brand.map(String::from))
        .bind(description.map(String::from))
        .bind(category.map(String::from))
        .bind(barcodes.into_iter().map(String::from).collect::<Vec<_>>())
        .bind(version)
        .bind(at),
        ProductEvent::ProductPriceChanged { price_kopecks, at, .. } => sqlx::query(
            "UPDATE products SET price_kopecks = $2, version = $3, updated_at = $4 WHERE id = $1 AND version < $3",
        )
        .bind(id)
        .bind(price_kopecks.get())
        .bind(version)
        .bind(at),
        ProductEvent::ProductStockChanged { stock, at, .. } => {
            sqlx::query("UPDATE products SET stock = $2, version = $3, updated_at = $4 WHERE id = $1 AND version < $3")
                .bind(id)
                .bind(stock.get())
                .bind(version)
                .bind(at)
        }
        ProductEvent::ProductArchived { at } => {
            sqlx::query("UPDATE products SET status = $2, version = $3, updated_at = $4 WHERE id = $1 AND version < $3")
                .bind(id)
                .bind(status_name(ProductStatus::Archived))
                .bind(version)
                .bind(at)
        }
    };
    query.execute(&mut *tx).await?;
    Ok(())
}
