//! Catalog commands and seeding shared by tests and benchmarks that need events in the store.

use gomarket_domain::catalog::{
    Kopecks, NewProduct, Product, ProductCommand, ProductDetails, ProductId, ProductServices, Quantity, Sku, Title,
};
use gomarket_domain::clock::SystemClock;
use gomarket_domain::supplier::{
    FeedEncoding, FeedKind, FeedUrl, SupplierCommand, SupplierId, SupplierName, SupplierSettings,
};
use gomarket_infra::event_store::{CommandBus, EventMetadata};
use gomarket_infra::supplier::SupplierRegistry;
use gomarket_infra::telemetry::Metrics;
use sqlx::PgPool;
use std::sync::Arc;

/// A command bus for products on `pool`, with the wall clock.
pub fn product_bus(pool: &PgPool) -> CommandBus<Product> {
    CommandBus::new(
        pool.clone(),
        ProductServices {
            clock: Arc::new(SystemClock),
        },
        Metrics::new(),
    )
}

/// Metadata for events a test writes.
pub fn test_metadata() -> EventMetadata {
    EventMetadata::new("test", "system", "test")
}

/// Creating the seller's own product `sku` (title `Товар <sku>`, 1 000 kopecks, 1 in stock),
/// and the id it gets.
pub fn create_product(sku: &str) -> (ProductId, ProductCommand) {
    let sku = Sku::parse(sku).expect("test SKUs are valid");
    let id = ProductId::for_own_sku(&sku);
    let command = ProductCommand::Create(NewProduct {
        details: ProductDetails {
            title: Title::parse(&format!("Товар {sku}")).expect("valid title"),
            brand: None,
            description: None,
            category: None,
            barcodes: vec![],
        },
        sku,
        price: Kopecks::new(1_000).expect("valid price"),
        stock: Quantity::new(1).expect("valid stock"),
    });
    (id, command)
}

/// Setting a product's price, whatever its version.
pub fn change_price(kopecks: i64) -> ProductCommand {
    ProductCommand::ChangePrice {
        price: Kopecks::new(kopecks).expect("valid price"),
        expected_version: None,
    }
}

/// Creates products `<prefix>-<from>` .. `<prefix>-<to - 1>` and reprices each once (to a price
/// other than the initial one): two events per product. Returns their ids.
pub async fn seed_repriced_products(bus: &CommandBus<Product>, prefix: &str, from: usize, to: usize) -> Vec<ProductId> {
    let metadata = test_metadata();
    let mut ids = Vec::with_capacity(to.saturating_sub(from));
    for n in from..to {
        let (id, create) = create_product(&format!("{prefix}-{n:05}"));
        bus.execute(&id.to_string(), create, &metadata).await.expect("create");
        bus.execute(&id.to_string(), change_price(2_000 + n as i64), &metadata)
            .await
            .expect("reprice");
        ids.push(id);
    }
    ids
}

/// A supplier URL for imports that read a file given to each import instead (`--file`).
pub const NO_FEED_URL: &str = "https://feeds.invalid/feed";

/// Registers a supplier named `name` whose feed is `kind` at `url`, and returns its id.
pub async fn register_supplier(
    registry: &SupplierRegistry,
    name: &str,
    kind: FeedKind,
    encoding: FeedEncoding,
    url: &str,
) -> SupplierId {
    let name = SupplierName::parse(name).expect("valid supplier name");
    let id = SupplierId::for_name(&name);
    let settings = SupplierSettings {
        name,
        kind,
        url: FeedUrl::parse(url).expect("valid feed URL"),
        encoding,
        image_url_template: None,
        credentials_secret_id: None,
    };
    let metadata = EventMetadata::new("test", "system:test", "RegisterSupplier");
    registry
        .bus()
        .execute(&id.to_string(), SupplierCommand::Register(settings), &metadata)
        .await
        .expect("the supplier registers");
    id
}

/// Registers a YML supplier named `name` whose feed each import gives as a file.
pub async fn register_file_supplier(registry: &SupplierRegistry, name: &str) -> SupplierId {
    register_supplier(registry, name, FeedKind::Yml, FeedEncoding::Auto, NO_FEED_URL).await
}
