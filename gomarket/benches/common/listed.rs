//! A connected marketplace account with listings whose cards exist, set up the way the worker
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

/// The bench account's warehouse on `marketplace`.
pub fn warehouse(marketplace: Marketplace) -> WarehouseId {
    let id = match marketplace {
        Marketplace::Wildberries => 507,
        Marketplace::Ozon => 22_142_605_386_000,
    };
    WarehouseId::new(id).unwrap()
}

/// Connects the bench's account on `marketplace` (checked against the marketplace's stand-in).
pub async fn connect_on(service: &Marketplaces, marketplace: Marketplace, metadata: &EventMetadata) -> AccountId {
    let settings = |secret: SecretId| AccountSettings {
        name: AccountName::parse("Bench").unwrap(),
        marketplace,
        client_id: marketplace
            .has_client_ids()
            .then(|| gomarket_domain::marketplace::values::ClientId::parse("836412").unwrap()),
        token_secret_id: secret.0,
        warehouse_ids: vec![warehouse(marketplace)],
        card_rules: CardRules::default(),
    };
    service.connect(settings, TOKEN, metadata).await.unwrap().0
}

/// `n` listings of `account` on `marketplace` published with their cards created, each wanting
/// a price and a stock that were never pushed, 1 000 a transaction (an Ozon card's stock unit
/// is the card itself).
pub async fn publish_with_cards_on(
    service: &Marketplaces,
    marketplace: Marketplace,
    account: AccountId,
    n: usize,
    metadata: &EventMetadata,
) {
    for chunk in 0..n.div_ceil(1000) {
        let steps: Vec<(String, Vec<ListingCommand>)> = (chunk * 1000..((chunk + 1) * 1000).min(n))
            .map(|i| {
                let id = ListingId::for_product(account, product_id(i));
                let target = ListingTarget {
                    price: Kopecks::new(150_050 + i as i64 * 100).unwrap(),
                    // Ozon takes no discount under its minimum difference (5 % at these prices).
                    discount: DiscountPercent::new(match marketplace {
                        Marketplace::Wildberries => (i % 30) as i64,
                        Marketplace::Ozon => 10 + (i % 20) as i64,
                    })
                    .unwrap(),
                    stock: ListedStock::new((i % 40) as i64).unwrap(),
                };
                let publish = ListingCommand::Publish {
                    account_id: account,
                    marketplace,
                    product_id: product_id(i),
                    vendor_code: VendorCode::parse(&vendor_code(i)).unwrap(),
                    target,
                    refusal: None,
                };
                let created = ListingCommand::ConfirmCard {
                    nm_id: nm_id(i),
                    chrt_ids: vec![match marketplace {
                        Marketplace::Wildberries => 600_000_000 + i as u64,
                        Marketplace::Ozon => nm_id(i),
                    }],
                };
                (id.to_string(), vec![publish, created])
            })
            .collect();
        service.listings().execute_many(&steps, metadata).await.unwrap();
    }
}
