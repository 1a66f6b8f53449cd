//! The GraphQL `Product` over a row of the products read model.

use crate::access::permission;
use crate::error::OrInternal;
use crate::marketplace::ListingGql;
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use gomarket_domain::catalog::ProductStatus;
use gomarket_domain::identity::Permission;
use gomarket_projections::catalog::ProductRecord;
use gomarket_projections::marketplace::listings_of_product;
use sqlx::PgPool;

/// Lifecycle of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "ProductStatus")]
pub enum ProductStatusGql {
    Active,
    Archived,
}

impl From<ProductStatus> for ProductStatusGql {
    fn from(status: ProductStatus) -> Self {
        match status {
            ProductStatus::Active => Self::Active,
            ProductStatus::Archived => Self::Archived,
        }
    }
}

/// An amount of money in minor units.
#[derive(Debug, Clone, SimpleObject)]
pub struct Money {
    /// Integer minor units (kopecks for RUB).
    pub amount_kopecks: i64,
    /// ISO 4217 code.
    pub currency: String,
}

/// Units in one supplier warehouse.
#[derive(Debug, Clone, SimpleObject)]
pub struct WarehouseStock {
    pub warehouse: String,
    pub quantity: i64,
}

/// A named characteristic.
#[derive(Debug, Clone, SimpleObject)]
pub struct Attribute {
    pub name: String,
    pub value: String,
}

/// Sizes in millimetres, weight in grams, volume in millilitres.
#[derive(Debug, Clone, SimpleObject)]
pub struct ProductDimensions {
    pub length_mm: Option<i64>,
    pub width_mm: Option<i64>,
    pub depth_mm: Option<i64>,
    pub diameter_mm: Option<i64>,
    pub weight_g: Option<i64>,
    pub volume_ml: Option<i64>,
}

/// A product of the catalog: the seller's own, or a supplier's item (then `price` is the
/// purchase price and `stock` the total over the supplier's warehouses).
#[derive(Debug, Clone)]
pub struct Product(pub ProductRecord);

#[Object]
impl Product {
    /// Deterministic UUID derived from the SKU (own products) or the supplier's item.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn sku(&self) -> &str {
        &self.0.sku
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn brand(&self) -> Option<&str> {
        self.0.brand.as_deref()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Category path, levels separated by `/`.
    async fn category(&self) -> Option<&str> {
        self.0.category.as_deref()
    }
    /// EAN-8, UPC-A or EAN-13 barcodes.
    async fn barcodes(&self) -> &[String] {
        &self.0.barcodes
    }
    /// Price in kopecks (integer).
    async fn price_kopecks(&self) -> i64 {
        self.0.price_kopecks
    }
    async fn price(&self) -> Money {
        Money {
            amount_kopecks: self.0.price_kopecks,
            currency: "RUB".to_owned(),
        }
    }
    /// Units in stock.
    async fn stock(&self) -> i64 {
        self.0.stock
    }
    async fn in_stock(&self) -> bool {
        self.0.stock > 0
    }
    async fn status(&self) -> ProductStatusGql {
        self.0.status.into()
    }
    /// Number of events recorded on the product; pass it as `expectedVersion` to change the
    /// product only if nobody else did since.
    async fn version(&self) -> i64 {
        self.0.version
    }
    /// The supplier whose item this is (`null` for the seller's own products).
    async fn supplier_id(&self) -> Option<ID> {
        self.0.supplier.as_ref().map(|s| ID(s.supplier_id.to_string()))
    }
    /// The supplier's own id of the item.
    async fn supplier_sku(&self) -> Option<&str> {
        self.0.supplier.as_ref().map(|s| s.supplier_sku.as_str())
    }
    /// Units per supplier warehouse (empty for own products); `stock` is their total.
    async fn stock_by_warehouse(&self) -> Vec<WarehouseStock> {
        self.0
            .stock_by_warehouse
            .iter()
            .map(|(warehouse, units)| WarehouseStock {
                warehouse: warehouse.clone(),
                quantity: *units,
            })
            .collect()
    }
    /// Whether the supplier offers it now (always true for own products).
    async fn available(&self) -> bool {
        self.0.available
    }
    /// Image URLs from the supplier's feed.
    async fn images(&self) -> &[String] {
        &self.0.content.images
    }
    /// Characteristics from the supplier's feed.
    async fn attributes(&self) -> Vec<Attribute> {
        self.0
            .content
            .attributes
            .iter()
            .map(|(name, value)| Attribute {
                name: name.clone(),
                value: value.clone(),
            })
            .collect()
    }
    /// Sizes and weight (millimetres, grams, millilitres) where the feed gives them.
    async fn dimensions(&self) -> ProductDimensions {
        let d = self.0.content.dimensions;
        let int = |v: Option<u32>| v.map(i64::from);
        ProductDimensions {
            length_mm: int(d.length_mm),
            width_mm: int(d.width_mm),
            depth_mm: int(d.depth_mm),
            diameter_mm: int(d.diameter_mm),
            weight_g: int(d.weight_g),
            volume_ml: int(d.volume_ml),
        }
    }
    /// The supplier's recommended retail price, in kopecks.
    async fn retail_price_kopecks(&self) -> Option<i64> {
        self.0.content.retail_price.map(|p| p.get())
    }
    /// Where the product is listed: one listing per marketplace account it was published
    /// to, oldest first.
    #[graphql(guard = "permission(Permission::MarketplaceRead)")]
    async fn listings(&self, ctx: &Context<'_>) -> Result<Vec<ListingGql>> {
        let pool = ctx.data::<PgPool>()?;
        let rows = listings_of_product(pool, self.0.id).await.or_internal(ctx)?;
        Ok(rows
            .iter()
            .map(|r| ListingGql::new(r.id, r.version, &r.state))
            .collect())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
