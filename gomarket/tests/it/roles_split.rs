//! The platform deployed as its roles, each a separate process (`command-api`, `query-api`,
//! `gateway`, `relay`, `projector`, `scheduler`, `worker`) on one database and broker, gives
//! the same end-to-end result as `gomarket serve`: a supplier's feed imported by a sync run,
//! published to the scripted Wildberries, read back, changed and read back again. Through the
//! gateway, mutations are answered by the command side, queries and subscriptions by the query
//! side.

use crate::support::feeds::FeedServer;
use crate::support::marketplace::{connect, fully_pushed, map_category, wait_for};
use crate::support::roles::{Deployment, free_address, wait_until_ok};
use crate::support::sync::{feed, register_supplier, run_when_done, trigger, upsert_policy};
use crate::support::wb_fake::WbFake;
use crate::support::ws;
use crate::support::{ADMIN_PASSWORD, TestApp};
use gomarket_testkit::{TestDatabase, eventually, kafka_config};
use serde_json::{Value, json};
use tokio::process::Child;

const OFFERS: usize = 6;

/// The seller's journey; what it saw, with every generated id left out.
async fn journey(app: &TestApp, fake: &WbFake) -> Value {
    let feeds = FeedServer::start().await;
    let offers: Vec<Option<(i64, i64)>> = (0..OFFERS)
        .map(|i| Some((1_000 + 250 * i as i64, 3 + i as i64)))
        .collect();
    feeds.set_feed(feed(&offers));
    let supplier = register_supplier(app, &feeds.url("/feed.yml")).await;
    map_category(app).await;
    let account = connect(app, "WB", "wb-token.eyJyb2xlcyI6MX0").await;
    let policy = upsert_policy(
        app,
        json!({ "name": "Север → WB", "supplierIds": [supplier], "accountId": account }),
    )
    .await;

    // A subscription follows the run to its end.
    let (mut socket, ack) = ws::connect(
        app.address,
        json!({ "Authorization": format!("Bearer {}", app.admin_token) }),
    )
    .await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let run_id = trigger(app, &policy).await;
    ws::subscribe(
        &mut socket,
        "1",
        "subscription($r: ID!) { syncRunProgress(runId: $r) { status } }",
        json!({ "r": run_id }),
    )
    .await;
    let mut statuses = Vec::new();
    loop {
        let message = ws::next_message(&mut socket).await;
        match message["type"].as_str() {
            Some("next") => statuses.push(message["payload"]["data"]["syncRunProgress"]["status"].clone()),
            Some("complete") => break,
            _ => panic!("unexpected subscription message {message}"),
        }
    }
    assert_eq!(statuses.last(), Some(&json!("COMPLETED")), "{statuses:?}");

    let run = run_when_done(app, &run_id).await;
    let mut items: Vec<Value> = run["items"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            json!([
                i["outcome"],
                i["reason"],
                i["priceExplanation"]["priceKopecks"],
                i["attempts"]
            ])
        })
        .collect();
    items.sort_by_key(Value::to_string);
    let listings = wait_for(app, &account, "fully pushed", fully_pushed).await;
    let mut listings: Vec<Value> = listings
        .iter()
        .map(|l| json!([l["vendorCode"], l["state"], l["target"], l["price"], l["stock"]]))
        .collect();
    listings.sort_by_key(Value::to_string);
    let mut wildberries: Vec<Value> = fake
        .uploads_by_vendor_code()
        .into_iter()
        .map(|(code, uploads)| {
            let nm = fake.nm_id_of(&code).expect("the card exists");
            json!([code, uploads, fake.price_of(nm)])
        })
        .collect();
    wildberries.sort_by_key(Value::to_string);

    // A change by hand, read back at once with the consistency token the command returned.
    let products = app.products(json!({ "first": 50, "sort": "SKU_ASC" })).await;
    let first = products["data"]["products"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{products}"))
        .to_owned();
    let changed = app.change_price(&first, 123_400, None).await;
    let token = changed["data"]["changeProductPrice"]["consistencyToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{changed}"))
        .to_owned();
    let read_back = app.product(&first, Some(&token)).await;
    assert_eq!(read_back["data"]["product"]["priceKopecks"], 123_400, "{read_back}");
    let products = app.products(json!({ "first": 50, "sort": "SKU_ASC" })).await;
    let catalog: Vec<Value> = products["data"]["products"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            json!([
                e["node"]["sku"],
                e["node"]["title"],
                e["node"]["priceKopecks"],
                e["node"]["stock"]
            ])
        })
        .collect();
    json!({
        "run": { "status": run["status"], "counts": run["counts"], "items": items },
        "listings": listings,
        "wildberries": wildberries,
        "catalog": catalog,
        "subscription": statuses.last(),
    })
}

/// `gomarket serve` alone, with its embedded defaults (events in-process).
async fn with_serve() -> Value {
    let fake = WbFake::start().await;
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let deployment = Deployment::new(&db.url, &fake, None);
    let address = free_address();
    let _serve = deployment.spawn(&["serve"], &[("GOMARKET_LISTEN", address.to_string())]);
    wait_until_ok(address, "/readyz").await;
    let app = TestApp::attach(address, db, None).await;
    journey(&app, &fake).await
}

/// What a response to `query` through the gateway says about who answered it.
async fn side_of(app: &TestApp, token: &str, query: &str) -> String {
    let answer = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    let side = answer.headers()["gomarket-side"].to_str().unwrap().to_owned();
    let body: Value = answer.json().await.unwrap();
    assert!(body["errors"].is_null(), "{body}");
    side
}

#[tokio::test]
async fn every_role_in_its_own_process_gives_the_same_result_as_serve() {
    let expected = with_serve().await;
    assert_eq!(expected["run"]["counts"]["published"], OFFERS, "{expected}");
    assert_eq!(expected["wildberries"].as_array().unwrap().len(), OFFERS, "{expected}");
    assert_eq!(expected["catalog"].as_array().unwrap().len(), OFFERS, "{expected}");
    assert_eq!(expected["catalog"][0][2], 123_400, "the change by hand: {expected}");

    let fake = WbFake::start().await;
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let kafka = kafka_config(3);
    let deployment = Deployment::new(&db.url, &fake, Some(&kafka));
    deployment.migrate().await;
    let (command_api, query_api, gateway) = (free_address(), free_address(), free_address());
    let projector_ops = free_address();
    let listen = |a: std::net::SocketAddr| ("GOMARKET_LISTEN", a.to_string());
    let mut roles: Vec<Child> = vec![
        deployment.spawn(&["command-api"], &[listen(command_api)]),
        deployment.spawn(&["query-api"], &[listen(query_api)]),
        deployment.spawn(
            &["gateway"],
            &[
                listen(gateway),
                ("GOMARKET_COMMAND_API_URL", format!("http://{command_api}")),
                ("GOMARKET_QUERY_API_URL", format!("http://{query_api}")),
            ],
        ),
        deployment.spawn(&["relay"], &[]),
        deployment.spawn(&["projector"], &[("GOMARKET_OPS_LISTEN", projector_ops.to_string())]),
        deployment.spawn(&["scheduler"], &[]),
        deployment.spawn(&["worker"], &[]),
    ];
    wait_until_ok(gateway, "/readyz").await;
    let app = TestApp::attach(gateway, db, Some(kafka)).await;

    // `logout` ends the session it is called in: a session of its own, not the admin's.
    let session = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(
        side_of(&app, &session, "mutation { logout { revoked } }").await,
        "command"
    );
    assert_eq!(side_of(&app, &app.admin_token, "{ me { actor } }").await, "query");
    let actual = journey(&app, &fake).await;
    assert_eq!(actual, expected, "split roles and serve disagree");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());

    // The gateway counts what it sent where.
    let counted = reqwest::get(format!("http://{gateway}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for side in ["command", "query"] {
        let line = format!("gomarket_gateway_requests_total{{side=\"{side}\",status=\"200\"}} ");
        let count: u64 = counted
            .lines()
            .find_map(|l| l.strip_prefix(&line))
            .unwrap_or_else(|| panic!("no {line} in\n{counted}"))
            .parse()
            .unwrap();
        assert!(count > 5, "{side}: {count}");
    }

    // The projector reports its consumer lag, caught up once everything is applied.
    wait_until_ok(projector_ops, "/readyz").await;
    eventually(std::time::Duration::from_secs(30), "no lag of 0 reported", || async {
        let metrics = reqwest::get(format!("http://{projector_ops}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let caught_up = ["products", "listings"].iter().all(|p| {
            metrics
                .lines()
                .any(|l| l == format!("gomarket_projection_lag_events{{projection=\"{p}\"}} 0"))
        });
        if caught_up { Ok(()) } else { Err(metrics) }
    })
    .await;

    for role in &mut roles {
        assert!(role.try_wait().unwrap().is_none(), "every role is still running");
    }
}
