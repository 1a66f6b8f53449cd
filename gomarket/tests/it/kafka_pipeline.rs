//! The whole pipeline through a real Kafka-protocol broker: HTTP command → event store → relay
//! → Kafka → consumer-group projector → read model → GraphQL, for 10 000 commands.

use crate::support::{TestApp, accepted, product_input};
use gomarket_testkit::eventually;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const WRITERS: usize = 8;
const COMMANDS: usize = 10_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_commands_become_visible_through_kafka() {
    let app = Arc::new(TestApp::spawn_with_kafka(6).await);
    let started = Instant::now();
    // 8 writers: each creates its share of products, repricing every 10th once.
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let app = app.clone();
            tokio::spawn(async move {
                let mut sent = 0;
                let mut last = None;
                let mut n = 0;
                while sent < COMMANDS / WRITERS {
                    let created = app.create_product(product_input(&format!("K{w}-{n:05}"))).await;
                    let payload = accepted(&created, "createProduct");
                    let id = payload["product"]["id"].as_str().unwrap().to_owned();
                    last = Some((id.clone(), payload["consistencyToken"].as_str().unwrap().to_owned()));
                    sent += 1;
                    if n % 10 == 0 && sent < COMMANDS / WRITERS {
                        let price = app.change_price(&id, 1_234, None).await;
                        last = Some((
                            id,
                            accepted(&price, "changeProductPrice")["consistencyToken"]
                                .as_str()
                                .unwrap()
                                .to_owned(),
                        ));
                        sent += 1;
                    }
                    n += 1;
                }
                last.unwrap()
            })
        })
        .collect();
    let mut last_writes = Vec::new();
    for writer in writers {
        last_writes.push(writer.await.unwrap());
    }
    let written = started.elapsed();

    // Every write arrives, whichever partition carried it.
    let created = event_count(&app, "ProductCreated").await;
    let repriced = event_count(&app, "ProductPriceChanged").await;
    assert_eq!(created + repriced, COMMANDS, "every command recorded exactly one event");
    eventually(
        Duration::from_secs(180),
        "every product and reprice is visible",
        || async {
            let listed = app.products(json!({ "first": 1 })).await;
            let visible = listed["data"]["products"]["totalCount"].as_u64().unwrap_or_default() as usize;
            let cheap = app
                .products(json!({ "first": 1, "filter": { "priceMaxKopecks": 1_234 } }))
                .await;
            let visible_repriced = cheap["data"]["products"]["totalCount"].as_u64().unwrap_or_default() as usize;
            if visible == created && visible_repriced == repriced {
                Ok(())
            } else {
                Err(format!(
                    "{visible}/{created} products and {visible_repriced}/{repriced} reprices visible"
                ))
            }
        },
    )
    .await;
    // And each writer's last write reads back with its token.
    for (id, token) in &last_writes {
        let read = app.product(id, Some(token)).await;
        assert_eq!(read["data"]["product"]["id"], id.as_str(), "{read}");
    }
    eprintln!(
        "10 000 commands over HTTP in {written:?}; all visible after {:?}",
        started.elapsed()
    );
}

async fn event_count(app: &TestApp, event_type: &str) -> usize {
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = $1")
        .bind(event_type)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    count as usize
}
