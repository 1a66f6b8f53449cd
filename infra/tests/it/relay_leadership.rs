//! One active relay at a time: a standby waits on the advisory lock and takes over, from the
//! active one's checkpoint, when it stops.

use gomarket_domain::catalog::Product;
use gomarket_infra::event_store::{CommandBus, EventFeed};
use gomarket_infra::kafka::{KafkaConfig, Relay, relay_checkpoint};
use gomarket_infra::migrations::EVENT_STORE_MIGRATIONS;
use gomarket_infra::shutdown;
use gomarket_infra::telemetry::Metrics;
use gomarket_testkit::fixtures::{create_product, product_bus, test_metadata};
use gomarket_testkit::{TestDatabase, eventually, kafka_config};
use rdkafka::consumer::{BaseConsumer, Consumer};
use std::time::Duration;

async fn seed(bus: &CommandBus<Product>, from: usize, to: usize) {
    for n in from..to {
        let (id, command) = create_product(&format!("L-{n}"));
        bus.execute(&id.to_string(), command, &test_metadata()).await.unwrap();
    }
}

/// Waits until the relay checkpoint is at the feed's last event.
async fn wait_relayed(feed: &EventFeed) {
    eventually(Duration::from_secs(30), "relay did not catch up", || async {
        let last: (i64,) = sqlx::query_as("SELECT max(position) FROM events")
            .fetch_one(feed.pool())
            .await
            .unwrap();
        let at = relay_checkpoint(feed).await.unwrap().position;
        if at == last.0 {
            Ok(())
        } else {
            Err(format!("checkpoint at {at:?}, last event at {}", last.0))
        }
    })
    .await;
}

fn records(config: &KafkaConfig) -> i64 {
    let consumer: BaseConsumer = config
        .consumer(&format!("{}.probe", config.topic_prefix))
        .create()
        .unwrap();
    (0..config.partitions)
        .map(|p| {
            consumer
                .fetch_watermarks(&config.topic("catalog"), p, Duration::from_secs(10))
                .unwrap()
        })
        .map(|(low, high)| high - low)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_standby_relay_takes_over_when_the_active_one_stops() {
    let db = TestDatabase::new(&[EVENT_STORE_MIGRATIONS]).await;
    let config = kafka_config(2);
    let feed = EventFeed::new(db.pool.clone());
    let bus = product_bus(&db.pool);

    let (stop_active, active_signal) = shutdown::channel();
    let active = tokio::spawn(
        Relay::new(feed.clone(), config.clone(), Metrics::new())
            .unwrap()
            .run(active_signal),
    );
    seed(&bus, 0, 5).await;
    wait_relayed(&feed).await;
    let (stop_standby, standby_signal) = shutdown::channel();
    let standby = tokio::spawn(
        Relay::new(feed.clone(), config.clone(), Metrics::new())
            .unwrap()
            .run(standby_signal),
    );
    seed(&bus, 5, 10).await;
    wait_relayed(&feed).await;

    // The active relay stops; its session (and lock) ends; the standby carries on.
    stop_active.trigger();
    active.await.unwrap();
    seed(&bus, 10, 15).await;
    wait_relayed(&feed).await;
    stop_standby.trigger();
    standby.await.unwrap();
    // Each event went out once: the standby started from the active relay's checkpoint.
    assert_eq!(records(&config), 15);
}
