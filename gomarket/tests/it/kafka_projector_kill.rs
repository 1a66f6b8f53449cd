//! Two `gomarket projector` processes share a projection's consumer group over a 6-partition
//! topic; one is killed with SIGKILL mid-stream (no goodbye to the group). The survivor takes
//! its partitions over and the read model ends equal to a clean replay of the store.
//! `GOMARKET_TEST_CHILD_LOG=info` shows the projector processes' logs.

use gomarket::roles::spawn_relay;
use gomarket_infra::event_store::EventFeed;
use gomarket_infra::kafka::KafkaConfig;
use gomarket_infra::shutdown;
use gomarket_infra::telemetry::Metrics;
use gomarket_projections::catalog::{PointInTime, get_product, product_at};
use gomarket_testkit::fixtures::{product_bus, seed_repriced_products};
use gomarket_testkit::{TestDatabase, eventually, kafka_config};
use sqlx::PgPool;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

fn projector_process(db: &TestDatabase, kafka: &KafkaConfig) -> Child {
    Command::new(env!("CARGO_BIN_EXE_gomarket"))
        .arg("projector")
        .env("DATABASE_URL", &db.url)
        .env("GOMARKET_KAFKA_BROKERS", &kafka.brokers)
        .env("GOMARKET_KAFKA_TOPIC_PREFIX", &kafka.topic_prefix)
        .env("GOMARKET_KAFKA_PARTITIONS", kafka.partitions.to_string())
        .env(
            "GOMARKET_LOG",
            std::env::var("GOMARKET_TEST_CHILD_LOG").unwrap_or_else(|_| "off".into()),
        )
        .stdout(Stdio::null())
        .stderr(if std::env::var("GOMARKET_TEST_CHILD_LOG").is_ok() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .kill_on_drop(true)
        .spawn()
        .expect("gomarket binary runs")
}

async fn wait_for_versions(pool: &PgPool, products: usize) {
    eventually(Duration::from_secs(120), "read model stuck", || async {
        let done: i64 = sqlx::query_scalar("SELECT count(*) FROM products WHERE version = 2")
            .fetch_one(pool)
            .await
            .unwrap();
        if done as usize == products {
            Ok(())
        } else {
            Err(format!("{done}/{products}"))
        }
    })
    .await;
}

// tansu 0.6 evicts the killed member but hands the survivor its old assignment back; the
// projector notices the unchanged reassignment and rejoins, which rebalances for real (see
// `RebalanceWatch`). Apache Kafka reassigns after `session.timeout.ms` by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_projector_process_hands_over_its_partitions() {
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let kafka = kafka_config(6);
    let bus = product_bus(&db.pool);
    let (stop_relay, relay_signal) = shutdown::channel();
    let relay = spawn_relay(&db.pool, &kafka, &Metrics::new(), Default::default(), &relay_signal).unwrap();

    let mut doomed = projector_process(&db, &kafka);
    let mut survivor = projector_process(&db, &kafka);
    let first = seed_repriced_products(&bus, "PK", 0, 100).await;
    wait_for_versions(&db.pool, first.len()).await;

    doomed.start_kill().unwrap(); // SIGKILL: no offset commit, no leave-group
    doomed.wait().await.unwrap();
    let second = seed_repriced_products(&bus, "PK", 100, 200).await;
    wait_for_versions(&db.pool, first.len() + second.len()).await;

    let feed = EventFeed::new(db.pool.clone());
    for id in first.iter().chain(&second) {
        let replayed = product_at(&feed, id.as_uuid(), PointInTime::Version(2))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(get_product(&db.pool, id.as_uuid()).await.unwrap().unwrap(), replayed);
    }
    survivor.start_kill().unwrap();
    survivor.wait().await.unwrap();
    stop_relay.trigger();
    relay.await.unwrap();
}
