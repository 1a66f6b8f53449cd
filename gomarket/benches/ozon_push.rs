//! Ozon push benchmark: 10 000 Ozon listings whose products exist, each with a new price
//! (with a discount, so an old price) and stock due; the push worker (production settings)
//! pushes them all, and the clock stops when the read model shows every price and every stock
//! `APPLIED`.
//!
//! Needs PostgreSQL like the tests:
//!   cargo bench -p gomarket --bench ozon_push
//! Ozon is the project's scripted fake (tests/it/support/ozon_fake.rs), which answers at once
//! and checks the account's requests against Ozon's documented limits, so the floor is set by
//! those limits alone:
//! - stocks: 10 000 pairs, 100 a request = 100 requests at 80 a minute (one every 0.75 s)
//!   → 99 × 0.75 s = 74.25 s;
//! - prices: 10 requests of 1 000, under Ozon's 50 requests a second → 0.2 s;
//!   the two run side by side, so the floor is 74.25 s.

#[path = "common/listed.rs"]
mod listed;
#[path = "common/listings_read.rs"]
mod listings_read;
#[allow(dead_code)]
#[path = "../tests/it/support/ozon_fake.rs"]
mod ozon_fake;

use gomarket::cli::MarketplaceArgs;
use gomarket::roles::spawn_projectors;
use gomarket_domain::marketplace::values::Marketplace;
use gomarket_infra::event_store::EventMetadata;
use gomarket_infra::shutdown;
use gomarket_infra::telemetry::Metrics;
use gomarket_processes::push_worker::PushWorker;
use gomarket_testkit::TestDatabase;
use ozon_fake::OzonFake;
use std::time::{Duration, Instant};

const LISTINGS: usize = 10_000;
/// Ozon's own floor for this work (see the top of this file).
const FLOOR: Duration = Duration::from_millis(74_250);

#[tokio::main]
async fn main() {
    let fake = OzonFake::start().await;
    fake.know_products((0..LISTINGS).map(|i| (listed::vendor_code(i), listed::nm_id(i))));
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let metrics = Metrics::new();
    let args = MarketplaceArgs {
        ozon_url: fake.url(),
        ..MarketplaceArgs::default()
    };
    let service = listed::service(&db, &metrics, &args).await;
    let metadata = EventMetadata::new("bench", "system:bench", "Bench");
    let account = listed::connect_on(&service, Marketplace::Ozon, &metadata).await;
    let (stop, signal) = shutdown::channel();
    spawn_projectors(&db.pool, None, None, &metrics, &signal).unwrap();

    let started = Instant::now();
    listed::publish_with_cards_on(&service, Marketplace::Ozon, account, LISTINGS, &metadata).await;
    listings_read::wait_until(&db, "card_state = 'CREATED' AND price_due AND stock_due", LISTINGS).await;
    println!(
        "setup: {LISTINGS} Ozon listings with products, prices and stocks due, in the read model after {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    tokio::spawn(PushWorker::new(service.clone(), args.worker()).run(signal.clone()));
    listings_read::wait_until(&db, "price_state = 'APPLIED'", LISTINGS).await;
    let prices = started.elapsed();
    listings_read::wait_until(&db, "stock_state = 'APPLIED'", LISTINGS).await;
    let stocks = started.elapsed();
    let wall = prices.max(stocks);
    stop.trigger();

    let price_requests = fake.requests_to("/v1/product/import/prices").len();
    let stock_requests = fake.requests_to("/v2/products/stocks").len();
    let breaches = fake.breaches();
    println!(
        "prices: all {LISTINGS} APPLIED after {:.2} s ({price_requests} requests)",
        prices.as_secs_f64()
    );
    println!(
        "stocks: all {LISTINGS} APPLIED after {:.2} s ({stock_requests} requests)",
        stocks.as_secs_f64()
    );
    println!(
        "wall {:.2} s against Ozon's floor {:.2} s: ratio {:.2}; limit breaches: {}",
        wall.as_secs_f64(),
        FLOOR.as_secs_f64(),
        FLOOR.as_secs_f64() / wall.as_secs_f64(),
        breaches.len()
    );
    assert!(breaches.is_empty(), "{breaches:?}");
    assert_eq!(fake.stocks().len(), LISTINGS);
}
