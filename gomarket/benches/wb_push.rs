//! Wildberries push benchmark: 10 000 listings whose cards exist, each with a new price and
//! stock due; the push worker (production settings) plans and pushes them all, and the clock
//! stops when the read model shows every price and every stock `APPLIED`.
//!
//! Needs PostgreSQL like the tests:
//!   cargo bench -p gomarket --bench wb_push
//! Wildberries is the project's scripted fake (tests/it/support/wb_fake.rs), which answers at once
//! and checks every account's requests against the documented limits, so the floor is set by
//! Wildberries' limits alone:
//! - prices: 10 tasks of 1 000 plus a status read per task = 20 requests of the prices group
//!   (burst 5, then one per 600 ms) → 15 × 0.6 s = 9.0 s;
//! - stocks: 10 requests of 1 000 fit in the marketplace group's burst of 20 → 0 s;
//!   the two groups run side by side, so the floor is 9.0 s.

#[path = "common/listed.rs"]
mod listed;
#[path = "common/listings_read.rs"]
mod listings_read;
#[allow(dead_code)]
#[path = "../tests/it/support/wb_fake.rs"]
mod wb_fake;

use gomarket::cli::MarketplaceArgs;
use gomarket::roles::spawn_projectors;
use gomarket_domain::marketplace::values::Marketplace;
use gomarket_infra::event_store::EventMetadata;
use gomarket_infra::shutdown;
use gomarket_infra::telemetry::Metrics;
use gomarket_processes::push_worker::PushWorker;
use gomarket_testkit::TestDatabase;
use std::time::{Duration, Instant};
use wb_fake::WbFake;

const LISTINGS: usize = 10_000;
/// Wildberries' own floor for this work (see the top of this file).
const FLOOR: Duration = Duration::from_millis(9_000);

#[tokio::main]
async fn main() {
    let fake = WbFake::start().await;
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let metrics = Metrics::new();
    let args = MarketplaceArgs {
        wb_content_url: fake.url(),
        wb_prices_url: fake.url(),
        wb_marketplace_url: fake.url(),
        wb_common_url: fake.url(),
        ..MarketplaceArgs::default()
    };
    let service = listed::service(&db, &metrics, &args).await;
    let metadata = EventMetadata::new("bench", "system:bench", "Bench");
    let account = listed::connect_on(&service, Marketplace::Wildberries, &metadata).await;
    let (stop, signal) = shutdown::channel();
    spawn_projectors(&db.pool, None, None, &metrics, &signal).unwrap();

    // 10 000 listings with their cards created on Wildberries, each wanting a price and a
    // stock that were never pushed.
    let started = Instant::now();
    listed::publish_with_cards_on(&service, Marketplace::Wildberries, account, LISTINGS, &metadata).await;
    listings_read::wait_until(&db, "card_state = 'CREATED' AND price_due AND stock_due", LISTINGS).await;
    println!(
        "setup: {LISTINGS} listings with cards, prices and stocks due, in the read model after {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The measured part: the worker, as `serve` runs it, from its first look at the queue.
    let started = Instant::now();
    tokio::spawn(PushWorker::new(service.clone(), args.worker()).run(signal.clone()));
    listings_read::wait_until(&db, "stock_state = 'APPLIED'", LISTINGS).await;
    let stocks = started.elapsed();
    listings_read::wait_until(&db, "price_state = 'APPLIED'", LISTINGS).await;
    let prices = started.elapsed();
    let wall = prices.max(stocks);
    stop.trigger();

    let tasks = fake.requests_to("/api/v2/upload/task").len();
    let stock_requests = fake
        .log()
        .iter()
        .filter(|l| l.path.starts_with("/api/v3/stocks/"))
        .count();
    let price_requests = fake.log().iter().filter(|l| l.path.starts_with("/api/v2/")).count();
    let breaches = fake.rate_breaches(Duration::from_millis(50));
    println!(
        "stocks: all {LISTINGS} APPLIED after {:.2} s ({stock_requests} requests)",
        stocks.as_secs_f64()
    );
    println!(
        "prices: all {LISTINGS} APPLIED after {:.2} s ({tasks} tasks, {price_requests} requests of the prices group)",
        prices.as_secs_f64()
    );
    println!(
        "wall {:.2} s against Wildberries' floor {:.1} s: ratio {:.2}; limit breaches: {}",
        wall.as_secs_f64(),
        FLOOR.as_secs_f64(),
        FLOOR.as_secs_f64() / wall.as_secs_f64(),
        breaches.len()
    );
    assert!(breaches.is_empty(), "{breaches:?}");
}
