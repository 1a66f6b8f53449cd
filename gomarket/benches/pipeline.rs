//! Pipeline benchmark: store → relay → Kafka → consumer-group projector → read model.
//!
//! Needs PostgreSQL and a Kafka-protocol broker, like the tests:
//!   GOMARKET_TEST_KAFKA_BROKERS=$(scripts/ensure-kafka) GOMARKET_KAFKA_BROKER_PROFILE=tansu \
//!     cargo bench -p gomarket --bench pipeline
//! Prints the figures recorded in BENCHMARKS.md:
//! 1. throughput: 10 000 events written by 8 concurrent command issuers, until all are applied,
//!    once with the projectors fed in-process and once through Kafka, and the ratio;
//! 2. end-to-end lag (event recorded → read model applied) at steady 250, 500 and 1 000 events/s,
//!    10 s each.

use gomarket::roles::{spawn_projectors, spawn_relay};
use gomarket_domain::catalog::Product;
use gomarket_infra::event_store::{CommandBus, EventMetadata};
use gomarket_infra::shutdown;
use gomarket_infra::telemetry::Metrics;
use gomarket_testkit::fixtures::{create_product, product_bus};
use gomarket_testkit::{TestDatabase, kafka_config};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::{Duration, Instant};

const THROUGHPUT_EVENTS: usize = 10_000;
const ISSUERS: usize = 8;
/// Steady rates at which end-to-end lag is measured, events per second.
const LAG_RATES: &[u64] = &[250, 500, 1_000];
const LAG_SECONDS: u64 = 10;

async fn applied(pool: &PgPool) -> usize {
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM projection_applied")
        .fetch_one(pool)
        .await
        .unwrap();
    count as usize
}

async fn wait_applied(pool: &PgPool, expected: usize) {
    let deadline = Instant::now() + Duration::from_secs(600);
    while applied(pool).await < expected {
        assert!(Instant::now() < deadline, "projection did not catch up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn measure_lag(pool: &PgPool, bus: &Arc<CommandBus<Product>>, metadata: &EventMetadata, rate: u64) {
    let before = applied(pool).await;
    let events = (rate * LAG_SECONDS) as usize;
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    let lag_started = Instant::now();
    let mut in_flight = Vec::with_capacity(events);
    for n in 0..events {
        ticker.tick().await;
        let (bus, metadata) = (bus.clone(), metadata.clone());
        in_flight.push(tokio::spawn(async move {
            let (id, command) = create_product(&format!("L{rate}-{n}"));
            bus.execute(&id.to_string(), command, &metadata).await.unwrap();
        }));
    }
    for write in in_flight {
        write.await.unwrap();
    }
    let achieved = events as f64 / lag_started.elapsed().as_secs_f64();
    wait_applied(pool, before + events).await;
    let (p50, p99, max): (f64, f64, f64) = sqlx::query_as(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag),
                percentile_cont(0.99) WITHIN GROUP (ORDER BY lag),
                max(lag)
           FROM (SELECT extract(epoch FROM a.applied_at - e.recorded_at)::float8 * 1000 AS lag
                   FROM projection_applied a
                   JOIN events e ON e.aggregate_type = a.aggregate_type AND e.aggregate_id = a.aggregate_id
                                AND e.sequence = a.sequence
                  WHERE e.metadata->>'correlation_id' = 'bench' AND e.payload->'ProductCreated'->>'sku' LIKE $1) lags",
    )
    .bind(format!("L{rate}-%"))
    .fetch_one(pool)
    .await
    .unwrap();
    println!(
        "lag at {achieved:.0} events/s for {LAG_SECONDS} s: p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms \
         (event recorded in the store → applied to the read model)"
    );
}

/// Products in the read model.
async fn products(pool: &PgPool) -> usize {
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM products")
        .fetch_one(pool)
        .await
        .unwrap();
    count as usize
}

/// `THROUGHPUT_EVENTS` creates from `ISSUERS` issuers into a fresh store, until the products
/// read model has them all: through Kafka when `kafka` is given, in-process otherwise.
/// Returns (events/s into the store, events/s end to end).
async fn throughput(kafka: Option<&gomarket_infra::kafka::KafkaConfig>) -> (f64, f64) {
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let metrics = Metrics::new();
    let (trigger, stop) = shutdown::channel();
    let relay = kafka.map(|kafka| spawn_relay(&db.pool, kafka, &metrics, Default::default(), &stop).unwrap());
    let projectors = spawn_projectors(&db.pool, kafka, None, &metrics, &stop).unwrap();
    let bus = Arc::new(product_bus(&db.pool));
    let metadata = EventMetadata::new("bench", "system", "bench");
    // Warm-up: topics exist, the consumer group is joined.
    let (id, command) = create_product("WARM-UP");
    bus.execute(&id.to_string(), command, &metadata).await.unwrap();
    while products(&db.pool).await < 1 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = Instant::now();
    let issuers: Vec<_> = (0..ISSUERS)
        .map(|issuer| {
            let (bus, metadata) = (bus.clone(), metadata.clone());
            tokio::spawn(async move {
                for n in 0..THROUGHPUT_EVENTS / ISSUERS {
                    let (id, command) = create_product(&format!("T{issuer}-{n}"));
                    bus.execute(&id.to_string(), command, &metadata).await.unwrap();
                }
            })
        })
        .collect();
    for issuer in issuers {
        issuer.await.unwrap();
    }
    let written = started.elapsed();
    let deadline = Instant::now() + Duration::from_secs(600);
    while products(&db.pool).await < 1 + THROUGHPUT_EVENTS {
        assert!(Instant::now() < deadline, "the read model did not catch up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let total = started.elapsed();
    trigger.trigger();
    if let Some(relay) = relay {
        relay.await.unwrap();
    }
    for projector in projectors {
        projector.await.unwrap();
    }
    (
        THROUGHPUT_EVENTS as f64 / written.as_secs_f64(),
        THROUGHPUT_EVENTS as f64 / total.as_secs_f64(),
    )
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // 1. Throughput, in-process and through Kafka, in the same run.
    let kafka = kafka_config(6);
    let (stored_in_process, in_process) = throughput(None).await;
    let (stored_kafka, through_kafka) = throughput(Some(&kafka)).await;
    println!(
        "throughput, {THROUGHPUT_EVENTS} creates from {ISSUERS} issuers: in-process {stored_in_process:.0} events/s into \
         the store, {in_process:.0} events/s end to end; through Kafka {stored_kafka:.0} events/s into the store, \
         {through_kafka:.0} events/s end to end; Kafka ÷ in-process = {:.2}",
        through_kafka / in_process
    );

    // 2. Lag at steady rates, through Kafka.
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let metrics = Metrics::new();
    let (trigger, stop) = shutdown::channel();
    let relay = spawn_relay(&db.pool, &kafka, &metrics, Default::default(), &stop).unwrap();
    let projectors = spawn_projectors(&db.pool, Some(&kafka), None, &metrics, &stop).unwrap();
    let bus = Arc::new(product_bus(&db.pool));
    let metadata = EventMetadata::new("bench", "system", "bench");
    let (id, command) = create_product("WARM-UP");
    bus.execute(&id.to_string(), command, &metadata).await.unwrap();
    wait_applied(&db.pool, 1).await;
    for &rate in LAG_RATES {
        measure_lag(&db.pool, &bus, &metadata, rate).await;
    }

    trigger.trigger();
    relay.await.unwrap();
    for projector in projectors {
        projector.await.unwrap();
    }
}
