use chrono::{DateTime, Utc};
use gomarket_domain::catalog::{ProductContent, ProductId, ProductState, ProductStatus, SupplierLink};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use sqlx::Row;
use sqlx::postgres::PgRow;
use std::collections::BTreeMap;
use uuid::Uuid;

/// One product as the read side shows it (serialized as it is for the shared read cache).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRecord {
    pub id: Uuid,
    pub sku: String,
    pub title: String,
    pub brand: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub barcodes: Vec<String>,
    pub price_kopecks: i64,
    pub stock: i64,
    pub status: ProductStatus,
    /// The supplier's item, for supplier products.
    pub supplier: Option<SupplierLink>,
    pub stock_by_warehouse: BTreeMap<String, i64>,
    pub available: bool,
    pub content: ProductContent,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Column list matching [`ProductRecord`]'s `FromRow`.
pub(crate) const PRODUCT_COLUMNS: &str = "p.id, p.sku, p.title, p.brand, p.description, p.category, p.barcodes, \
     p.price_kopecks, p.stock, p.status, p.supplier_id, p.supplier_sku, p.stock_by_warehouse, p.available, p.content, \
     p.version, p.created_at, p.updated_at";

pub(crate) fn status_name(status: ProductStatus) -> &'static str {
    match status {
        ProductStatus::Active => "ACTIVE",
        ProductStatus::Archived => "ARCHIVED",
    }
}

impl<'r> FromRow<'r, PgRow> for ProductRecord {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        let status: String = row.try_get("status")?;
        let supplier_id: Option<Uuid> = row.try_get("supplier_id")?;
        let supplier_sku: Option<String> = row.try_get("supplier_sku")?;
        let json = |column: &str, e: serde_json::Error| sqlx::Error::ColumnDecode {
            index: column.to_owned(),
            source: Box::new(e),
        };
        let stock_by_warehouse: serde_json::Value = row.try_get("stock_by_warehouse")?;
        let content: serde_json::Value = row.try_get("content")?;
        Ok(Self {
            id: row.try_get("id")?,
            sku: row.try_get("sku")?,
            title: row.try_get("title")?,
            brand: row.try_get("brand")?,
            description: row.try_get("description")?,
            category: row.try_get("category")?,
            barcodes: row.try_get("barcodes")?,
            price_kopecks: row.try_get("price_kopecks")?,
            stock: row.try_get("stock")?,
            status: if status == "ARCHIVED" {
                ProductStatus::Archived
            } else {
                ProductStatus::Active
            },
            supplier: supplier_id
                .zip(supplier_sku)
                .map(|(supplier_id, supplier_sku)| SupplierLink {
                    supplier_id,
                    supplier_sku,
                }),
            stock_by_warehouse: serde_json::from_value(stock_by_warehouse)
                .map_err(|e| json("stock_by_warehouse", e))?,
            available: row.try_get("available")?,
            content: serde_json::from_value(content).map_err(|e| json("content", e))?,
            version: row.try_get("version")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

impl ProductRecord {
    /// The record a write-side state corresponds to: what the read model will hold once it has
    /// applied the same events. Lets a mutation answer without waiting for the projection.
    pub fn from_state(id: ProductId, version: u64, state: &ProductState) -> Self {
        Self {
            id: id.as_uuid(),
            sku: state.sku.to_string(),
            title: state.title.to_string(),
            brand: state.brand.as_ref().map(ToString::to_string),
            description: state.description.as_ref().map(ToString::to_string),
            category: state.category.as_ref().map(|c| c.as_str().to_owned()),
            barcodes: state.barcodes.iter().map(|b| b.as_str().to_owned()).collect(),
            price_kopecks: state.price.get(),
            stock: state.stock.get(),
            status: state.status,
            supplier: state.supplier.clone(),
            stock_by_warehouse: state
                .stock_by_warehouse
                .iter()
                .map(|(warehouse, units)| (warehouse.clone(), units.get()))
                .collect(),
            available: state.available,
            content: state.content.clone(),
            version: version as i64,
            created_at: state.created_at,
            updated_at: state.updated_at,
        }
    }
}
