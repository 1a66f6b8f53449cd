use super::{ProductContent, ProductEvent, SupplierLink};
use crate::catalog::values::{Barcode, Brand, CategoryPath, Description, Kopecks, Quantity, Sku, Title};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Lifecycle of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductStatus {
    Active,
    Archived,
}

/// A product that exists, as folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductState {
    pub sku: Sku,
    pub title: Title,
    pub brand: Option<Brand>,
    pub description: Option<Description>,
    pub category: Option<CategoryPath>,
    pub barcodes: Vec<Barcode>,
    pub price: Kopecks,
    pub stock: Quantity,
    pub status: ProductStatus,
    /// The supplier's item this product mirrors (`None` for the seller's own products).
    pub supplier: Option<SupplierLink>,
    /// Units per supplier warehouse (empty for own products).
    pub stock_by_warehouse: BTreeMap<String, Quantity>,
    /// Whether the supplier offers it now (own products: always).
    pub available: bool,
    pub content: ProductContent,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The `Product` aggregate: `None` until created; `version` counts applied events and equals
/// the event store's sequence of the last one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub state: Option<ProductState>,
    pub version: u64,
}

impl ProductState {
    /// The state a creation event (`ProductCreated`, `ProductImported`) makes; `None` for any
    /// other event. The aggregate and the products read model's bulk insert both start a
    /// product from this, so they cannot start it differently.
    pub fn created_by(event: ProductEvent) -> Option<Self> {
        match event {
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
            } => Some(Self {
                sku,
                title,
                brand,
                description,
                category,
                barcodes,
                price: price_kopecks,
                stock,
                status: ProductStatus::Active,
                supplier: None,
                stock_by_warehouse: BTreeMap::new(),
                available: true,
                content: ProductContent::default(),
                created_at: at,
                updated_at: at,
            }),
            ProductEvent::ProductImported {
                supplier,
                sku,
                title,
                brand,
                description,
                category,
                barcodes,
                price_kopecks,
                stock,
                stock_by_warehouse,
                available,
                content,
                at,
            } => Some(Self {
                sku,
                title,
                brand,
                description,
                category,
                barcodes,
                price: price_kopecks,
                stock,
                status: ProductStatus::Active,
                supplier: Some(supplier),
                stock_by_warehouse,
                available,
                content,
                created_at: at,
                updated_at: at,
            }),
            _ => None,
        }
    }
}

impl Product {
    /// Folds one event into the state. Pure and total: events are facts, already decided.
    pub fn apply_event(&mut self, event: ProductEvent) {
        self.version += 1;
        let at = event.at();
        if event.is_creation() {
            self.state = ProductState::created_by(event);
            return;
        }
        match (event, self.state.as_mut()) {
            (ProductEvent::ProductContentChanged { content, .. }, Some(state)) => {
                state.content = content;
                state.updated_at = at;
            }
            (
                ProductEvent::ProductSupplyChanged {
                    stock_by_warehouse,
                    stock,
                    available,
                    ..
                },
                Some(state),
            ) => {
                state.stock_by_warehouse = stock_by_warehouse;
                state.stock = stock;
                state.available = available;
                state.updated_at = at;
            }
            (
                ProductEvent::ProductDetailsUpdated {
                    title,
                    brand,
                    description,
                    category,
                    barcodes,
                    ..
                },
                Some(state),
            ) => {
                state.title = title;
                state.brand = brand;
                state.description = description;
                state.category = category;
                state.barcodes = barcodes;
                state.updated_at = at;
            }
            (ProductEvent::ProductPriceChanged { price_kopecks, .. }, Some(state)) => {
                state.price = price_kopecks;
                state.updated_at = at;
            }
            (ProductEvent::ProductStockChanged { stock, .. }, Some(state)) => {
                state.stock = stock;
                state.updated_at = at;
            }
            (ProductEvent::ProductArchived { .. }, Some(state)) => {
                state.status = ProductStatus::Archived;
                state.updated_at = at;
            }
            // A change event before creation cannot be decided by `decide`; if a stream ever
            // holds one, the version still counts it so sequences stay aligned. (Creations
            // were taken above.)
            (_, None) | (ProductEvent::ProductCreated { .. } | ProductEvent::ProductImported { .. }, Some(_)) => {}
        }
    }
}
