//! SIGTERM, as an orchestrator sends it on every rollout, while the platform is under load:
//! - the command side finishes every request it accepted (each one that got an answer
//!   succeeded, and each one that did not left nothing behind), then exits 0;
//! - the relay and the projector finish their batch and exit 0; the projector's committed
//!   offsets cover exactly what it applied (nothing applied is left uncommitted, nothing
//!   committed is left unapplied);
//! - after the restarts, every accepted product is in the store and in the read model once;
//! - an import running in the command side when SIGTERM comes is let finish, not interrupted;
//! - the gateway, stopped under load, finishes every request it forwarded.

use crate::support::feeds::FeedServer;
use crate::support::roles::{Deployment, exit_within, free_address, refused_within, terminate, wait_until_ok};
use crate::support::sync::register_supplier;
use crate::support::wb_fake::WbFake;
use crate::support::{TestApp, product_input};
use gomarket_infra::kafka::{KafkaConfig, from_envelope};
use gomarket_projections::kafka_feed::consumer_group;
use gomarket_proto::{EventEnvelope, Message as _};
use gomarket_testkit::{TestDatabase, eventually, kafka_config};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Message, Offset, TopicPartitionList};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

const PARTITIONS: i32 = 3;
const CLIENTS: usize = 8;

/// What one create request came to.
#[derive(Debug)]
enum Outcome {
    /// Answered with the product.
    Created { sku: String, id: String },
    /// Answered, but not with success: must never happen.
    Failed { sku: String, answer: String },
    /// No answer (refused, or cut before the server took it).
    Unanswered { sku: String },
}

/// Clients creating products against `target()` until `stop`; a fresh connection per request,
/// so a request is either taken by the server or refused, never left on an idle connection.
fn load(target: Arc<std::sync::Mutex<SocketAddr>>, token: String, stop: Arc<AtomicBool>) -> JoinSet<Vec<Outcome>> {
    let mut clients = JoinSet::new();
    for client_no in 0..CLIENTS {
        let (target, token, stop) = (target.clone(), token.clone(), stop.clone());
        clients.spawn(async move {
            let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
            let mut outcomes = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let sku = format!("LOAD-{client_no}-{n}");
                let address = *target.lock().unwrap();
                let sent = http
                    .post(format!("http://{address}/graphql"))
                    .bearer_auth(&token)
                    .json(&json!({
                        "query": "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } errors { code } } }",
                        "variables": { "i": product_input(&sku) } }))
                    .send()
                    .await;
                let outcome = match sent {
                    Err(_) => Outcome::Unanswered { sku },
                    Ok(answer) => {
                        let status = answer.status();
                        let body: Value = answer.json().await.unwrap_or(Value::Null);
                        match body["data"]["createProduct"]["product"]["id"].as_str() {
                            Some(id) if status.is_success() && body["errors"].is_null() => Outcome::Created {
                                sku,
                                id: id.to_owned(),
                            },
                            _ => Outcome::Failed {
                                sku,
                                answer: format!("{status} {body}"),
                            },
                        }
                    }
                };
                if matches!(outcome, Outcome::Unanswered { .. }) {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                outcomes.push(outcome);
            }
            outcomes
        });
    }
    clients
}

/// Per partition of the catalog topic: its records' (offset, aggregate id, sequence).
fn catalog_records(kafka: &KafkaConfig) -> HashMap<i32, Vec<(i64, String, i64)>> {
    let consumer: BaseConsumer = kafka.consumer("sigterm-test-reader").create().unwrap();
    let topic = format!("{}.catalog.events", kafka.topic_prefix);
    let mut records = HashMap::new();
    for partition in 0..PARTITIONS {
        let (low, high) = consumer
            .fetch_watermarks(&topic, partition, Duration::from_secs(10))
            .unwrap();
        let mut assignment = TopicPartitionList::new();
        assignment
            .add_partition_offset(&topic, partition, Offset::Offset(low))
            .unwrap();
        consumer.assign(&assignment).unwrap();
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while seen.last().map_or(low, |(o, _, _)| o + 1) < high {
            assert!(Instant::now() < deadline, "partition {partition} not read to {high}");
            let Some(message) = consumer.poll(Duration::from_millis(500)) else {
                continue;
            };
            let message = message.unwrap();
            let envelope = EventEnvelope::decode(message.payload().unwrap()).unwrap();
            let event = from_envelope(envelope).unwrap();
            seen.push((message.offset(), event.aggregate_id, event.sequence));
        }
        records.insert(partition, seen);
    }
    records
}

/// The products projection's committed offset per partition.
fn committed(kafka: &KafkaConfig) -> HashMap<i32, i64> {
    let group = consumer_group(kafka, "products");
    let consumer: BaseConsumer = kafka.consumer(&group).create().unwrap();
    let topic = format!("{}.catalog.events", kafka.topic_prefix);
    let mut partitions = TopicPartitionList::new();
    for partition in 0..PARTITIONS {
        partitions.add_partition(&topic, partition);
    }
    let offsets = consumer.committed_offsets(partitions, Duration::from_secs(10)).unwrap();
    offsets
        .elements()
        .iter()
        .map(|e| {
            let offset = match e.offset() {
                Offset::Offset(o) => o,
                _ => 0,
            };
            (e.partition(), offset)
        })
        .collect()
}

/// The read model's version of each product.
async fn read_model_versions(db: &TestDatabase) -> HashMap<String, i64> {
    sqlx::query_as::<_, (uuid::Uuid, i64)>("SELECT id, version FROM products")
        .fetch_all(&db.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, version)| (id.to_string(), version))
        .collect()
}

async fn stored_products(db: &TestDatabase) -> HashMap<String, i64> {
    sqlx::query_as::<_, (String, i64)>(
        "SELECT aggregate_id, count(*) FROM events WHERE aggregate_type = 'Product' GROUP BY aggregate_id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

#[tokio::test]
async fn sigterm_under_load_fails_no_accepted_request_loses_no_event_and_commits_offsets() {
    let fake = WbFake::start().await;
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let kafka = kafka_config(PARTITIONS);
    let deployment = Deployment::new(&db.url, &fake, Some(&kafka));
    deployment.migrate().await;
    let (first_api, second_api, projector_ops) = (free_address(), free_address(), free_address());
    let mut command_api = deployment.spawn(&["command-api"], &[("GOMARKET_LISTEN", first_api.to_string())]);
    let mut relay = deployment.spawn(&["relay"], &[]);
    let ops = ("GOMARKET_OPS_LISTEN", projector_ops.to_string());
    let mut projector = deployment.spawn(&["projector", "--name", "products"], std::slice::from_ref(&ops));
    wait_until_ok(first_api, "/readyz").await;
    wait_until_ok(projector_ops, "/readyz").await;
    let mut app = TestApp::attach(first_api, db, Some(kafka.clone())).await;
    let token = app.admin_token.clone();

    // 1. The command side is stopped mid-load, then replaced (a rolling update).
    let target = Arc::new(std::sync::Mutex::new(first_api));
    let stop = Arc::new(AtomicBool::new(false));
    let clients = load(target.clone(), token, stop.clone());
    // Fixed waits here and below: the load runs for a while before each signal.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    terminate(&command_api);
    let status = exit_within(&mut command_api, Duration::from_secs(30)).await;
    assert!(status.success(), "the command side exits 0 after draining: {status}");
    let _second = deployment.spawn(&["command-api"], &[("GOMARKET_LISTEN", second_api.to_string())]);
    wait_until_ok(second_api, "/healthz").await;
    *target.lock().unwrap() = second_api;

    // 2. The relay and the projector are stopped mid-load too.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    terminate(&relay);
    let status = exit_within(&mut relay, Duration::from_secs(30)).await;
    assert!(status.success(), "the relay exits 0: {status}");
    relay = deployment.spawn(&["relay"], &[]);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    terminate(&projector);
    let status = exit_within(&mut projector, Duration::from_secs(30)).await;
    assert!(status.success(), "the projector exits 0: {status}");
    // A fixed wait: the load goes on a little past the projector's stop.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let outcomes: Vec<Outcome> = clients.join_all().await.into_iter().flatten().collect();

    // The projector's offsets, as it left them, against the read model it left.
    let records = catalog_records(&kafka);
    let committed = committed(&kafka);
    let applied = read_model_versions(&app.db).await;
    let mut covered = 0;
    for (partition, records) in &records {
        let upto = committed.get(partition).copied().unwrap_or(0);
        for (offset, aggregate, sequence) in records {
            let is_applied = applied.get(aggregate).is_some_and(|v| v >= sequence);
            if *offset < upto {
                assert!(
                    is_applied,
                    "offset {offset} of partition {partition} committed but not applied"
                );
                covered += 1;
            } else {
                assert!(
                    !is_applied,
                    "offset {offset} of partition {partition} applied but not committed (committed up to {upto})"
                );
            }
        }
    }
    assert!(
        covered > 0,
        "the projector applied and committed events before it stopped"
    );
    let total: usize = records.values().map(Vec::len).sum();
    eprintln!("projector stopped with {covered} of {total} catalog records applied and committed");

    // Every answered request succeeded; unanswered ones left nothing behind.
    let stored = stored_products(&app.db).await;
    let created: Vec<(&String, &String)> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Created { sku, id } => Some((sku, id)),
            _ => None,
        })
        .collect();
    let failed: Vec<String> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Failed { sku, answer } => Some(format!("{sku}: {answer}")),
            _ => None,
        })
        .collect();
    assert!(failed.is_empty(), "accepted requests failed: {failed:?}");
    assert!(created.len() > 50, "the load ran: {} created", created.len());
    for (sku, id) in &created {
        assert_eq!(stored.get(*id), Some(&1), "product {sku} ({id}) is stored once");
    }
    let unanswered: Vec<&String> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Unanswered { sku } => Some(sku),
            _ => None,
        })
        .collect();
    let stored_skus: Vec<String> =
        sqlx::query_scalar("SELECT payload #>> '{ProductCreated,sku}' FROM events WHERE event_type = 'ProductCreated'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    for sku in &unanswered {
        assert!(!stored_skus.contains(sku), "{sku} got no answer yet was stored");
    }
    assert_eq!(
        stored.len(),
        created.len(),
        "nothing but the answered requests was stored"
    );
    eprintln!(
        "{} requests answered and stored, {} refused",
        created.len(),
        unanswered.len()
    );

    // 3. A new projector resumes from the committed offsets: every product arrives, once.
    let mut projector = deployment.spawn(&["projector", "--name", "products"], &[ops]);
    let applied = eventually(Duration::from_secs(60), "every product is projected", || async {
        let applied = read_model_versions(&app.db).await;
        if created.iter().all(|(_, id)| applied.get(*id) == Some(&1)) {
            Ok(applied)
        } else {
            Err(format!("{} of {} products projected", applied.len(), created.len()))
        }
    })
    .await;
    assert_eq!(applied.len(), created.len(), "no product appears from nowhere");
    app.address = second_api;
    let listed = app.products(json!({ "first": 1 })).await;
    assert_eq!(listed["data"]["products"]["totalCount"], created.len(), "{listed}");
    for role in [&mut projector, &mut relay] {
        terminate(role);
        assert!(exit_within(role, Duration::from_secs(30)).await.success());
    }
}

/// A command side with an import of `offers` offers under way (it has applied a batch).
async fn command_side_importing(offers: usize) -> (tokio::process::Child, TestApp, String) {
    let fake = WbFake::start().await;
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let deployment = Deployment::new(&db.url, &fake, None);
    let address = free_address();
    let command_api = deployment.spawn(&["command-api"], &[("GOMARKET_LISTEN", address.to_string())]);
    wait_until_ok(address, "/healthz").await;
    let app = TestApp::attach(address, db, None).await;
    let feeds = FeedServer::start().await;
    let mut feed = Vec::new();
    let spec = gomarket_infra::supplier::generate::FeedSpec::new(offers, 7);
    gomarket_infra::supplier::generate::write_yml(&spec, &mut feed).unwrap();
    feeds.set_feed(feed);
    let supplier = register_supplier(&app, &feeds.url("/feed.yml")).await;
    let started = app
        .graphql(
            "mutation($s: ID!) { startImport(supplierId: $s) { import { id } errors { code message } } }",
            json!({ "s": supplier }),
        )
        .await;
    let import = started["data"]["startImport"]["import"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{started}"))
        .to_owned();
    // Wait until it has applied something.
    eventually(Duration::from_secs(30), "the import never progressed", || async {
        let now = app
            .graphql(
                "query($i: ID!) { import(id: $i) { status counts { seen } } }",
                json!({ "i": import }),
            )
            .await["data"]["import"]
            .clone();
        assert_eq!(
            now["status"], "RUNNING",
            "the import is still running when SIGTERM comes: {now}"
        );
        if now["counts"]["seen"].as_i64().unwrap_or(0) > 0 {
            Ok(())
        } else {
            Err(now)
        }
    })
    .await;
    (command_api, app, import)
}

/// The type of the import's last event, and how many product events the store holds.
async fn import_outcome(app: &TestApp, import: &str) -> (String, i64) {
    sqlx::query_as(
        "SELECT event_type, (SELECT count(*) FROM events WHERE aggregate_type = 'Product')
           FROM events WHERE aggregate_type = 'Import' AND aggregate_id = $1 ORDER BY sequence DESC LIMIT 1",
    )
    .bind(import)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn sigterm_lets_a_running_import_finish() {
    let (mut command_api, app, import) = command_side_importing(20_000).await;
    terminate(&command_api);
    let exit = exit_within(&mut command_api, Duration::from_secs(60)).await;
    assert!(
        exit.success(),
        "the command side exits 0 once its import is done: {exit}"
    );
    let outcome = import_outcome(&app, &import).await;
    assert_eq!(
        outcome.0, "ImportCompleted",
        "the import finished rather than being cut"
    );
    assert!(outcome.1 > 19_000, "its products were all written: {}", outcome.1);
}

#[tokio::test]
async fn sigterm_to_the_gateway_under_load_fails_no_request_it_took() {
    let fake = WbFake::start().await;
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let deployment = Deployment::new(&db.url, &fake, None);
    let (command_api, query_api, gateway) = (free_address(), free_address(), free_address());
    let _command_api = deployment.spawn(&["command-api"], &[("GOMARKET_LISTEN", command_api.to_string())]);
    let _query_api = deployment.spawn(&["query-api"], &[("GOMARKET_LISTEN", query_api.to_string())]);
    let sides = [
        ("GOMARKET_LISTEN", gateway.to_string()),
        ("GOMARKET_COMMAND_API_URL", format!("http://{command_api}")),
        ("GOMARKET_QUERY_API_URL", format!("http://{query_api}")),
    ];
    let mut edge = deployment.spawn(&["gateway"], &sides);
    wait_until_ok(gateway, "/readyz").await;
    let app = TestApp::attach(gateway, db, None).await;
    let token = app.admin_token.clone();

    let stop = Arc::new(AtomicBool::new(false));
    let clients = load(Arc::new(std::sync::Mutex::new(gateway)), token, stop.clone());
    // A fixed wait: the load runs for a while before the signal.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    terminate(&edge);
    let status = exit_within(&mut edge, Duration::from_secs(30)).await;
    assert!(status.success(), "the gateway exits 0 after draining: {status}");
    stop.store(true, Ordering::Relaxed);
    let outcomes: Vec<Outcome> = clients.join_all().await.into_iter().flatten().collect();

    let stored = stored_products(&app.db).await;
    let mut created = 0;
    for outcome in &outcomes {
        match outcome {
            Outcome::Created { sku, id } => {
                created += 1;
                assert_eq!(
                    stored.get(id),
                    Some(&1),
                    "{sku} answered through the gateway and stored once"
                );
            }
            Outcome::Failed { sku, answer } => panic!("{sku} was taken by the gateway and failed: {answer}"),
            Outcome::Unanswered { .. } => {}
        }
    }
    assert!(created > 20, "the load ran: {created} created");
    assert_eq!(stored.len(), created, "nothing unanswered was stored");
}

#[tokio::test]
async fn a_second_signal_stops_at_once_without_waiting_for_imports() {
    let (mut command_api, app, import) = command_side_importing(60_000).await;
    terminate(&command_api);
    // The second signal comes once the first is being handled (the listener is closed, the
    // import is draining): two signals that reach a process before it runs again are one.
    refused_within(app.address, Duration::from_secs(10)).await;
    terminate(&command_api);
    let exit = exit_within(&mut command_api, Duration::from_secs(10)).await;
    assert_eq!(exit.code(), Some(130), "stopped by the second signal: {exit}");
    let (last, _) = import_outcome(&app, &import).await;
    assert_ne!(last, "ImportCompleted", "the import was left, not waited for");
}
