//! A connected Wildberries account with listings whose cards exist, set up the way the worker
//! would leave them (each bench is a crate of its own, so they include this file by path).

use gomarket::app::marketplaces;
use gomarket::cli::{MarketplaceArgs, SecurityArgs};
use gomarket_domain::catalog::{Kopecks, ProductId};
use gomarket_domain::marketplace::account::{AccountId, AccountSettings};
use gomarket_domain::marketplace::card::CardRules;
use gomarket_domain::marketplace::listing::{ListingCommand, ListingId, ListingTarget};
use gomarket_domain::marketplace::values::{
    AccountName, DiscountPercent, ListedStock, Marketplace, VendorCode, WarehouseId,
};
use gomarket_infra::event_store::EventMetadata;
use gomarket_infra::marketplace::Marketplaces;
use gomarket_infra::secrets::{SecretId, SecretStore};
use gomarket_infra::telemetry::Metrics;
use gomarket_testkit::TestDatabase;
use std::sync::Arc;

pub const TOKEN: &str = "wb-bench-token.eyJiZW5jaCI6dHJ1ZX0";

/// Listing `i`'s vendor code, Wildberries article and product.
pub fn vendor_code(i: usize) -> String {
    format!("GM-{i:05}")
}

pub fn nm_id(i: usize) -> u64 {
    200_000_000 + i as u64
}

pub fn product_id(i: usize) -> ProductId {
    ProductId::from(uuid::Uuid::from_u128(i as u128 + 1))
}

/// The marketplace service as `serve` wires it, over `db`.
pub async fn service(db: &TestDatabase, metrics: &Metrics, args: &MarketplaceArgs) -> Arc<Marketplaces> {
    let keys = gomarket::keys::secret_keys(&SecurityArgs::default(), &db.pool)
        .await
        .unwrap();
    Arc::new(marketplaces(
        &db.pool,
        metrics,
        SecretStore::new(db.pool.clone(), keys),
        args,
    ))
}

/// Connects the bench's account (its token checked against Wildberries' stand-in).
pub async fn connect(service: &Marketplaces, metadata: &EventMetadata) -> AccountId {
    let settings = |secret: SecretId| AccountSettings {
        name: AccountName::parse("Bench").unwrap(),
        marketplace: Marketplace::Wildberries,
        client_id: None,
        token_secret_id: secret.0,
        warehouse_ids: vec![WarehouseId::new(507).unwrap()],
        card_rules: CardRules::default(),
    };
    service.connect(settings, TOKEN, metadata).await.unwrap().0
}

/// `n` listings of `account` published with their cards created, each wanting a price and a
/// stock that were never pushed, 1 000 a transaction.
pub async fn publish_with_cards(service: &Marketplaces, account: AccountId, n: usize, metadata: &EventMetadata) {
    for chunk in 0..n.div_ceil(1000) {
        let steps: Vec<(String, Vec<ListingCommand>)> = (chunk * 1000..((chunk + 1) * 1000).min(n))
            .map(|i| {
                let id = ListingId::for_product(account, product_id(i));
                let target = ListingTarget {
                    price: Kopecks::new(150_050 + i as i64 * 100).unwrap(),
                    discount: DiscountPercent::new((i % 30) as i64).unwrap(),
                    stock: ListedStock::new((i % 40) as i64).unwrap(),
                };
                let publish = ListingCommand::Publish {
                    account_id: account,
                    marketplace: Marketplace::Wildberries,
                    product_id: product_id(i),
                    vendor_code: VendorCode::parse(&vendor_code(i)).unwrap(),
                    target,
                    refusal: None,
                };
                let created = ListingCommand::ConfirmCard {
                    nm_id: nm_id(i),
                    chrt_ids: vec![600_000_000 + i as u64],
                };
                (id.to_string(), vec![publish, created])
            })
            .collect();
        service.listings().execute_many(&steps, metadata).await.unwrap();
    }
}
