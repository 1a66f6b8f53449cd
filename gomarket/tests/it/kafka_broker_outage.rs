//! The broker stops answering for 15 s mid-stream (its process is paused), then comes back:
//! commands keep working, readiness reports the degraded relay, nothing is lost, lag drains.

use crate::support::{TestApp, accepted, product_input, serve_args};
use gomarket_testkit::{TestDatabase, eventually, until};
use serde_json::{Value, json};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A tansu broker of this test's own, on a free port.
struct Broker {
    child: tokio::process::Child,
    address: String,
}

impl Broker {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let address = format!("127.0.0.1:{port}");
        let url = format!("tcp://{address}");
        let tansu = std::env::var("HOME")
            .map(|h| format!("{h}/.cargo/bin/tansu"))
            .unwrap_or_else(|_| "tansu".into());
        let child = tokio::process::Command::new(tansu)
            .args([
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
                "--storage-engine",
                "memory://tansu/",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("tansu is installed by scripts/ensure-kafka");
        until(Duration::from_secs(10), "tansu did not start", || async {
            tokio::net::TcpStream::connect(&address).await.is_ok()
        })
        .await;
        Self { child, address }
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

async fn create_products(app: &TestApp, from: usize, to: usize) -> Vec<(String, String)> {
    let mut created = Vec::new();
    for n in from..to {
        let response = app.create_product(product_input(&format!("OUT-{n:04}"))).await;
        let payload = accepted(&response, "createProduct");
        created.push((
            payload["product"]["id"].as_str().unwrap().to_owned(),
            payload["consistencyToken"].as_str().unwrap().to_owned(),
        ));
    }
    created
}

async fn readiness(app: &TestApp) -> (u16, Value) {
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn broker_outage_loses_nothing_and_lag_drains() {
    let broker = Broker::start().await;
    let mut kafka = gomarket_testkit::kafka_config(3);
    kafka.brokers = broker.address.clone();
    // Deliveries give up after 3 s, so the outage surfaces as relay errors and backoff.
    kafka.properties.push(("message.timeout.ms".into(), "3000".into()));
    let mut args = serve_args();
    args.api.kafka = Some(kafka);
    args.api.consistency_timeout_ms = 5000;
    let app = TestApp::spawn_on(TestDatabase::new(gomarket::MIGRATIONS).await, args).await;

    let mut products = create_products(&app, 0, 50).await;
    let (last_id, last_token) = products.last().cloned().unwrap();
    assert_eq!(
        app.product(&last_id, Some(&last_token)).await["data"]["product"]["id"],
        last_id.as_str()
    );

    broker.signal("-STOP");
    let paused_at = Instant::now();
    // Writes do not depend on the broker.
    products.extend(create_products(&app, 50, 100).await);
    let mut saw_degraded = false;
    while paused_at.elapsed() < Duration::from_secs(15) {
        let (status, body) = readiness(&app).await;
        if status == 503 && body["relay"] == "degraded" {
            saw_degraded = true;
        }
        // A fixed wait: readiness is sampled through the whole 15 s outage.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    broker.signal("-CONT");
    assert!(saw_degraded, "readiness reported the degraded relay during the outage");

    // Everything written before and during the outage arrives.
    eventually(Duration::from_secs(90), "every product arrives", || async {
        for (id, token) in &products {
            let read = app.product(id, Some(token)).await;
            if read["data"]["product"]["id"] != id.as_str() {
                let (_, ready) = readiness(&app).await;
                return Err(format!("product {id} never arrived: {read}; readiness: {ready}"));
            }
        }
        Ok(())
    })
    .await;
    let listed = app.products(json!({ "first": 1 })).await;
    assert_eq!(listed["data"]["products"]["totalCount"], 100);
    // The relay's lag drains to zero and readiness recovers.
    eventually(Duration::from_secs(60), "relay lag did not drain", || async {
        let (status, body) = readiness(&app).await;
        if status == 200 && body["projections"]["kafka-relay"]["lagEvents"] == 0 {
            Ok(())
        } else {
            Err(body)
        }
    })
    .await;
}
