use super::ProductEvent;
use crate::catalog::values::{Barcode, Brand, CategoryPath, Description, Kopecks, Quantity, Sku, Title};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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

impl Product {
    /// Folds one event into the state. Pure and total: events are facts, already decided.
    pub fn apply_event(&mut self, event: ProductEvent) {
        self.version += 1;
        let at = event.at();
        match (event, self.state.as_mut()) {
            (
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
                },
                _,
            ) => {
                self.state = Some(ProductState {
                    sku,
                    title,
                    brand,
                    description,
                    category,
                    barcodes,
                    price: price_kopecks,
                    stock,
                    status: ProductStatus::Active,
                    created_at: at,
                    updated_at: at,
                });
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
            // holds one, the version still counts it so sequences stay aligned.
            (_, None) => {}
        }
    }
}
