//! Creations of many products in one statement: bulk imports create tens of thousands of
//! products at once, and one round trip per row would make the read model lag far behind.

use super::decode_product_event;
use super::record::status_name;
use crate::ProjectionError;
use gomarket_domain::catalog::{ProductState, ProductStatus};
use gomarket_infra::event_store::StoredEvent;
use sqlx::PgConnection;
use uuid::Uuid;

/// Whether `event` creates a product (its first event): those can be inserted in bulk, since
/// nothing of the same product can precede them.
pub(super) fn is_creation(event: &StoredEvent) -> bool {
    event.aggregate_type == "Product"
        && event.sequence == 1
        && matches!(event.event_type.as_str(), "ProductCreated" | "ProductImported")
}

#[derive(Default)]
struct Columns {
    ids: Vec<Uuid>,
    skus: Vec<String>,
    titles: Vec<String>,
    brands: Vec<Option<String>>,
    descriptions: Vec<Option<String>>,
    categories: Vec<Option<String>>,
    barcodes: Vec<String>,
    prices: Vec<i64>,
    stocks: Vec<i64>,
    at: Vec<chrono::DateTime<chrono::Utc>>,
    supplier_ids: Vec<Option<Uuid>>,
    supplier_skus: Vec<Option<String>>,
    stock_by_warehouse: Vec<serde_json::Value>,
    available: Vec<bool>,
    content: Vec<serde_json::Value>,
}

/// A value as the JSON of a `jsonb` column.
pub(super) fn json(stored: &StoredEvent, value: &impl serde::Serialize) -> Result<serde_json::Value, ProjectionError> {
    serde_json::to_value(value).map_err(|e| ProjectionError::bad_payload(stored, e))
}

/// Inserts the products these creation events create into `table` (rows that exist stay:
/// a replayed creation is a no-op). A creation is always its product's first event, so every
/// row starts at version 1.
pub(super) async fn insert_created(
    tx: &mut PgConnection,
    table: &str,
    events: &[&StoredEvent],
) -> Result<(), ProjectionError> {
    if events.is_empty() {
        return Ok(());
    }
    let mut c = Columns::default();
    for stored in events {
        let id = Uuid::parse_str(&stored.aggregate_id).map_err(|e| ProjectionError::bad_payload(stored, e))?;
        let created = ProductState::created_by(decode_product_event(stored)?)
            .ok_or_else(|| ProjectionError::bad_payload(stored, "not a creation event"))?;
        c.ids.push(id);
        c.skus.push(created.sku.as_str().to_owned());
        c.titles.push(created.title.to_string());
        c.brands.push(created.brand.map(String::from));
        c.descriptions.push(created.description.map(String::from));
        c.categories.push(created.category.map(String::from));
        // text[] columns cannot be unnested from a 2-D array of uneven rows: one JSON array each.
        c.barcodes.push(
            serde_json::to_string(&created.barcodes.into_iter().map(String::from).collect::<Vec<_>>())
                .unwrap_or_default(),
        );
        c.prices.push(created.price.get());
        c.stocks.push(created.stock.get());
        c.at.push(created.created_at);
        c.supplier_ids.push(created.supplier.as_ref().map(|s| s.supplier_id));
        c.supplier_skus.push(created.supplier.map(|s| s.supplier_sku));
        c.stock_by_warehouse.push(json(stored, &created.stock_by_warehouse)?);
        c.available.push(created.available);
        c.content.push(json(stored, &created.content)?);
    }
    sqlx::query(&format!(
        "INSERT INTO {table} (id, sku, title, brand, description, category, barcodes, price_kopecks, stock, status,
                              version, created_at, updated_at, supplier_id, supplier_sku, stock_by_warehouse,
                              available, content)
         SELECT id, sku, title, brand, description, category,
                ARRAY(SELECT jsonb_array_elements_text(barcodes::jsonb)), price, stock, $15, 1, at, at,
                supplier_id, supplier_sku, stock_by_warehouse, available, content
           FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                       $8::bigint[], $9::bigint[], $10::timestamptz[], $11::uuid[], $12::text[], $13::jsonb[],
                       $14::bool[], $16::jsonb[])
                AS c(id, sku, title, brand, description, category, barcodes, price, stock, at, supplier_id,
                     supplier_sku, stock_by_warehouse, available, content)
         ON CONFLICT (id) DO NOTHING"
    ))
    .bind(&c.ids)
    .bind(&c.skus)
    .bind(&c.titles)
    .bind(&c.brands)
    .bind(&c.descriptions)
    .bind(&c.categories)
    .bind(&c.barcodes)
    .bind(&c.prices)
    .bind(&c.stocks)
    .bind(&c.at)
    .bind(&c.supplier_ids)
    .bind(&c.supplier_skus)
    .bind(&c.stock_by_warehouse)
    .bind(&c.available)
    .bind(status_name(ProductStatus::Active))
    .bind(&c.content)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
