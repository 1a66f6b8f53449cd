use super::{ProductContent, SupplierLink};
use crate::catalog::values::{Barcode, Brand, CategoryPath, Description, Kopecks, Quantity, Sku, Title};
use crate::macros::domain_event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Facts about a product, as stored in the event store. Never change a variant in place: add a
/// new one (or a new `event_version` with an upcaster) instead.
///
/// Changes carry the previous value too, so the audit trail answers "from what" without a fold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductEvent {
    ProductCreated {
        sku: Sku,
        title: Title,
        brand: Option<Brand>,
        description: Option<Description>,
        category: Option<CategoryPath>,
        barcodes: Vec<Barcode>,
        price_kopecks: Kopecks,
        stock: Quantity,
        at: DateTime<Utc>,
    },
    ProductDetailsUpdated {
        title: Title,
        brand: Option<Brand>,
        description: Option<Description>,
        category: Option<CategoryPath>,
        barcodes: Vec<Barcode>,
        at: DateTime<Utc>,
    },
    ProductPriceChanged {
        price_kopecks: Kopecks,
        previous_kopecks: Kopecks,
        at: DateTime<Utc>,
    },
    ProductStockChanged {
        stock: Quantity,
        previous: Quantity,
        at: DateTime<Utc>,
    },
    ProductArchived {
        at: DateTime<Utc>,
    },
    /// Created from a supplier's offer; `price_kopecks` is the purchase price and `stock` the
    /// total over `stock_by_warehouse`.
    ProductImported {
        supplier: SupplierLink,
        sku: Sku,
        title: Title,
        brand: Option<Brand>,
        description: Option<Description>,
        category: Option<CategoryPath>,
        barcodes: Vec<Barcode>,
        price_kopecks: Kopecks,
        stock: Quantity,
        stock_by_warehouse: BTreeMap<String, Quantity>,
        available: bool,
        content: ProductContent,
        at: DateTime<Utc>,
    },
    /// Images, attributes, sizes or the recommended retail price changed.
    ProductContentChanged {
        content: ProductContent,
        at: DateTime<Utc>,
    },
    /// The supplier's stock or availability changed.
    ProductSupplyChanged {
        stock_by_warehouse: BTreeMap<String, Quantity>,
        stock: Quantity,
        previous: Quantity,
        available: bool,
        at: DateTime<Utc>,
    },
}

impl ProductEvent {
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::ProductCreated { .. } => "ProductCreated",
            Self::ProductDetailsUpdated { .. } => "ProductDetailsUpdated",
            Self::ProductPriceChanged { .. } => "ProductPriceChanged",
            Self::ProductStockChanged { .. } => "ProductStockChanged",
            Self::ProductArchived { .. } => "ProductArchived",
            Self::ProductImported { .. } => "ProductImported",
            Self::ProductContentChanged { .. } => "ProductContentChanged",
            Self::ProductSupplyChanged { .. } => "ProductSupplyChanged",
        }
    }

    /// Whether it creates its product (the first event of every product).
    pub fn is_creation(&self) -> bool {
        matches!(self, Self::ProductCreated { .. } | Self::ProductImported { .. })
    }

    /// When the change was decided.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::ProductCreated { at, .. }
            | Self::ProductDetailsUpdated { at, .. }
            | Self::ProductPriceChanged { at, .. }
            | Self::ProductStockChanged { at, .. }
            | Self::ProductArchived { at }
            | Self::ProductImported { at, .. }
            | Self::ProductContentChanged { at, .. }
            | Self::ProductSupplyChanged { at, .. } => *at,
        }
    }
}

domain_event!(ProductEvent);
