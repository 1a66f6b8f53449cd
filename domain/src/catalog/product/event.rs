use crate::catalog::values::{Barcode, Brand, CategoryPath, Description, Kopecks, Quantity, Sku, Title};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
}

impl ProductEvent {
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::ProductCreated { .. } => "ProductCreated",
            Self::ProductDetailsUpdated { .. } => "ProductDetailsUpdated",
            Self::ProductPriceChanged { .. } => "ProductPriceChanged",
            Self::ProductStockChanged { .. } => "ProductStockChanged",
            Self::ProductArchived { .. } => "ProductArchived",
        }
    }

    /// When the change was decided.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::ProductCreated { at, .. }
            | Self::ProductDetailsUpdated { at, .. }
            | Self::ProductPriceChanged { at, .. }
            | Self::ProductStockChanged { at, .. }
            | Self::ProductArchived { at } => *at,
        }
    }
}

impl cqrs_es::DomainEvent for ProductEvent {
    fn event_type(&self) -> String {
        ProductEvent::event_type(self).to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
