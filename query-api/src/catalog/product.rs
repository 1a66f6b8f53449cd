use async_graphql::{Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use gomarket_domain::catalog::ProductStatus;
use gomarket_projections::catalog::ProductRecord;

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

/// A product of the catalog.
#[derive(Debug, Clone)]
pub struct Product(pub ProductRecord);

#[Object]
impl Product {
    /// Deterministic UUID derived from the SKU.
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
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
