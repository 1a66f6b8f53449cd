//! Products that come from a supplier's feed: the offer an import applies, the link back to
//! the supplier's item, and the extra content feeds carry (images, attributes, sizes, RRP).

use crate::catalog::values::{Dimensions, Kopecks, Quantity, Sku};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

use super::ProductDetails;

/// Where a supplier's product comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierLink {
    pub supplier_id: Uuid,
    /// The supplier's own id of the item (`global_id`, `code`, offer `id`).
    pub supplier_sku: String,
}

/// What feeds say about a product beyond its details. Every field has a default, so rows and
/// payloads written before a field existed still read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductContent {
    /// Image URLs, in the feed's order.
    pub images: Vec<String>,
    /// Named characteristics (`Цвет` → `красный`).
    pub attributes: BTreeMap<String, String>,
    pub dimensions: Dimensions,
    /// The supplier's recommended retail price, when given.
    pub retail_price: Option<Kopecks>,
}

/// One offer of a supplier's feed, normalized: what the product should become. (`Serialize`:
/// an import fingerprints it, to skip an offer that has not changed since the last.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupplierOffer {
    pub link: SupplierLink,
    /// The SKU shown in the catalog (the supplier's article, or its id).
    pub sku: Sku,
    pub details: ProductDetails,
    /// The supplier's price to us: a supplier product's `price`.
    pub purchase_price: Kopecks,
    /// Units per supplier warehouse (`default` when the feed has one stock figure).
    pub stock_by_warehouse: BTreeMap<String, Quantity>,
    /// The supplier's own availability flag (an offer may be listed yet not orderable).
    pub available: bool,
    pub content: ProductContent,
}

/// The total over warehouses, capped at the largest quantity.
pub fn total_stock(by_warehouse: &BTreeMap<String, Quantity>) -> Quantity {
    let sum: i64 = by_warehouse.values().map(|q| q.get()).sum();
    Quantity::new(sum.min(Quantity::MAX)).unwrap_or(Quantity::ZERO)
}
