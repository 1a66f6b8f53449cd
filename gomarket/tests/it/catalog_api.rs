//! The catalog end to end over HTTP: mutations, read-your-writes, search, filters, paging,
//! optimistic concurrency, refusals.

use crate::support::{TestApp, accepted, product_input, refusal};
use serde_json::{Value, json};
use std::collections::HashSet;

#[tokio::test]
async fn created_product_is_readable_with_its_token_and_searchable() {
    let app = TestApp::spawn().await;
    let mut input = product_input("VT-7001");
    input["barcodes"] = json!(["4006381333931"]);
    let response = app.create_product(input).await;
    let payload = accepted(&response, "createProduct");
    let id = payload["product"]["id"].as_str().unwrap().to_owned();
    let token = payload["consistencyToken"].as_str().unwrap().to_owned();
    assert_eq!(payload["product"]["version"], 1);
    assert_eq!(payload["product"]["priceKopecks"], 249_900);

    // No sleeping: the token makes the query wait for the projection.
    let read = app.product(&id, Some(&token)).await;
    assert_eq!(read["data"]["product"]["sku"], "VT-7001", "{read}");
    assert_eq!(read["data"]["product"]["category"], "Бытовая техника/Чайники");
    assert_eq!(read["data"]["product"]["status"], "ACTIVE");

    let by_word = app
        .products(json!({ "filter": { "search": "чайники" }, "token": token }))
        .await;
    assert_eq!(by_word["data"]["products"]["totalCount"], 1, "{by_word}");
    assert_eq!(by_word["data"]["products"]["edges"][0]["node"]["id"], id.as_str());
    let by_barcode = app.products(json!({ "filter": { "search": "4006381333931" } })).await;
    assert_eq!(
        by_barcode["data"]["products"]["edges"][0]["node"]["id"],
        id.as_str(),
        "{by_barcode}"
    );
    let by_latin = app.products(json!({ "filter": { "search": "VITEK" } })).await;
    assert_eq!(by_latin["data"]["products"]["totalCount"], 1);
    let miss = app.products(json!({ "filter": { "search": "пылесос" } })).await;
    assert_eq!(miss["data"]["products"]["totalCount"], 0);
}

#[tokio::test]
async fn same_sku_twice_is_already_exists_and_not_duplicated() {
    let app = TestApp::spawn().await;
    accepted(&app.create_product(product_input("DUP-1")).await, "createProduct");
    let again = app.create_product(product_input("dup-1")).await;
    assert_eq!(
        refusal(&again, "createProduct"),
        ("ALREADY_EXISTS".into(), "sku".into())
    );
    assert_eq!(app.event_count(None).await, 1);
}

/// 250 products with known prices, stocks and brands.
async fn seed_250(app: &TestApp) -> String {
    let mut token = String::new();
    for n in 0..250 {
        let mut input = product_input(&format!("P-{n:03}"));
        input["title"] = json!(format!("Товар {:03}", (n * 7) % 250));
        input["priceKopecks"] = json!(10_000 + (n % 50) * 1_000); // 50 distinct prices, 5 each
        input["stock"] = json!(if n % 4 == 0 { 0 } else { n });
        input["brand"] = json!(if n % 10 == 0 { "Polaris" } else { "Vitek" });
        let response = app.create_product(input).await;
        token = accepted(&response, "createProduct")["consistencyToken"]
            .as_str()
            .unwrap()
            .to_owned();
    }
    token
}

async fn all_pages(app: &TestApp, sort: &str, filter: Value, page_size: i64, token: &str) -> Vec<Value> {
    let mut nodes = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app
            .products(json!({ "first": page_size, "after": after, "sort": sort, "filter": filter, "token": token }))
            .await;
        let connection = &page["data"]["products"];
        let edges = connection["edges"].as_array().unwrap_or_else(|| panic!("{page}"));
        assert!(edges.len() as i64 <= page_size);
        nodes.extend(edges.iter().map(|e| e["node"].clone()));
        assert_eq!(connection["pageInfo"]["hasPreviousPage"], after.is_some());
        if connection["pageInfo"]["hasNextPage"] == false {
            return nodes;
        }
        after = Some(connection["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
    }
}

#[tokio::test]
async fn filters_and_cursor_pagination_over_250_products() {
    let app = TestApp::spawn().await;
    let token = seed_250(&app).await;

    for sort in ["PRICE_ASC", "PRICE_DESC", "TITLE_ASC", "CREATED_AT_DESC", "STOCK_DESC"] {
        let nodes = all_pages(&app, sort, json!({}), 37, &token).await;
        let ids: HashSet<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
        assert_eq!(nodes.len(), 250, "{sort}: no gaps");
        assert_eq!(ids.len(), 250, "{sort}: no duplicates");
        let key = |n: &Value| match sort {
            "PRICE_ASC" | "PRICE_DESC" => n["priceKopecks"].as_i64().unwrap(),
            "STOCK_DESC" => n["stock"].as_i64().unwrap(),
            _ => 0,
        };
        let keys: Vec<i64> = nodes.iter().map(key).collect();
        match sort {
            "PRICE_ASC" => assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{sort} ordered"),
            "PRICE_DESC" | "STOCK_DESC" => assert!(keys.windows(2).all(|w| w[0] >= w[1]), "{sort} ordered"),
            "TITLE_ASC" => {
                let titles: Vec<&str> = nodes.iter().map(|n| n["title"].as_str().unwrap()).collect();
                assert!(titles.windows(2).all(|w| w[0] <= w[1]), "titles ordered");
            }
            _ => {}
        }
    }

    let in_stock = app.products(json!({ "first": 1, "filter": { "inStock": true } })).await;
    assert_eq!(in_stock["data"]["products"]["totalCount"], 187); // 250 minus every 4th
    let out_of_stock = all_pages(&app, "SKU_ASC", json!({ "inStock": false }), 20, &token).await;
    assert_eq!(out_of_stock.len(), 63);
    assert!(out_of_stock.iter().all(|n| n["stock"] == 0));

    let band = json!({ "priceMinKopecks": 20_000, "priceMaxKopecks": 29_000 });
    let in_band = all_pages(&app, "PRICE_ASC", band.clone(), 7, &token).await;
    assert_eq!(in_band.len(), 50); // prices 20 000..=29 000: 10 distinct, 5 products each
    assert!(
        in_band
            .iter()
            .all(|n| (20_000..=29_000).contains(&n["priceKopecks"].as_i64().unwrap()))
    );

    let polaris = app
        .products(json!({ "first": 100, "filter": { "brand": "polaris" } }))
        .await;
    assert_eq!(polaris["data"]["products"]["totalCount"], 25);
    let combined = app
        .products(json!({ "first": 100, "filter": { "brand": "Polaris", "inStock": true, "priceMaxKopecks": 30_000 } }))
        .await;
    // n % 10 == 0 and n % 4 != 0 and price = 10 000 + (n % 50) * 1 000 ≤ 30 000
    let expected = (0..250)
        .filter(|n| n % 10 == 0 && n % 4 != 0 && 10_000 + (n % 50) * 1_000 <= 30_000)
        .count();
    assert_eq!(
        combined["data"]["products"]["totalCount"], expected as i64,
        "{combined}"
    );
}

#[tokio::test]
async fn paging_refuses_oversized_pages_and_foreign_cursors() {
    let app = TestApp::spawn().await;
    let too_big = app.products(json!({ "first": 101 })).await;
    assert_eq!(too_big["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(too_big["errors"][0]["extensions"]["field"], "first");
    let garbage = app.products(json!({ "first": 5, "after": "not-a-cursor" })).await;
    assert_eq!(garbage["errors"][0]["extensions"]["field"], "after");
}

#[tokio::test]
async fn concurrent_price_changes_with_the_same_expected_version_one_wins() {
    let app = TestApp::spawn().await;
    for round in 0..5 {
        let created = app.create_product(product_input(&format!("RACE-{round}"))).await;
        let id = accepted(&created, "createProduct")["product"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (a, b) = tokio::join!(
            app.change_price(&id, 10_000, Some(1)),
            app.change_price(&id, 20_000, Some(1))
        );
        let outcomes: Vec<&Value> = vec![&a, &b];
        let winners: Vec<_> = outcomes
            .iter()
            .filter(|r| r["data"]["changeProductPrice"]["errors"] == json!([]))
            .collect();
        assert_eq!(winners.len(), 1, "exactly one wins: {a} {b}");
        let loser = outcomes
            .iter()
            .find(|r| r["data"]["changeProductPrice"]["errors"] != json!([]))
            .unwrap();
        assert_eq!(refusal(loser, "changeProductPrice").0, "CONFLICT");
        // No event lost, none extra: created + one price change.
        assert_eq!(app.event_count(Some(&id)).await, 2);
        let token = winners[0]["data"]["changeProductPrice"]["consistencyToken"]
            .as_str()
            .unwrap();
        let read = app.product(&id, Some(token)).await;
        assert_eq!(
            read["data"]["product"]["priceKopecks"],
            winners[0]["data"]["changeProductPrice"]["product"]["priceKopecks"]
        );
        assert_eq!(read["data"]["product"]["version"], 2);
    }
}

#[tokio::test]
async fn bad_input_is_refused_by_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let created = app.create_product(product_input("GOOD-1")).await;
    let id = accepted(&created, "createProduct")["product"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = app.event_count(None).await;

    let mut negative = product_input("BAD-1");
    negative["priceKopecks"] = json!(-1);
    assert_eq!(
        refusal(&app.create_product(negative).await, "createProduct"),
        ("BAD_USER_INPUT".into(), "priceKopecks".into())
    );

    let mut check_digit = product_input("BAD-2");
    check_digit["barcodes"] = json!(["4006381333932"]);
    assert_eq!(
        refusal(&app.create_product(check_digit).await, "createProduct"),
        ("BAD_USER_INPUT".into(), "barcodes".into())
    );

    let mut empty_title = product_input("BAD-3");
    empty_title["title"] = json!("   ");
    assert_eq!(
        refusal(&app.create_product(empty_title).await, "createProduct"),
        ("BAD_USER_INPUT".into(), "title".into())
    );

    let mut huge_title = product_input("BAD-4");
    huge_title["title"] = json!("Ж".repeat(1024 * 1024 / 2)); // 1 MB of UTF-8
    assert_eq!(
        refusal(&app.create_product(huge_title).await, "createProduct"),
        ("BAD_USER_INPUT".into(), "title".into())
    );

    let negative_change = app.change_price(&id, -100, None).await;
    assert_eq!(
        refusal(&negative_change, "changeProductPrice"),
        ("BAD_USER_INPUT".into(), "priceKopecks".into())
    );

    let unknown = app
        .change_price("6f1c1d50-0000-4000-8000-000000000000", 100, None)
        .await;
    assert_eq!(
        refusal(&unknown, "changeProductPrice"),
        ("NOT_FOUND".into(), "id".into())
    );
    let not_an_id = app.change_stock("nope", 1, None).await;
    assert_eq!(
        refusal(&not_an_id, "changeProductStock"),
        ("BAD_USER_INPUT".into(), "id".into())
    );
    let unknown_read = app.product("6f1c1d50-0000-4000-8000-000000000000", None).await;
    assert_eq!(unknown_read["errors"][0]["extensions"]["code"], "NOT_FOUND");

    assert_eq!(app.event_count(None).await, before, "nothing was written");
    let untouched = app
        .product(&id, created["data"]["createProduct"]["consistencyToken"].as_str())
        .await;
    assert_eq!(untouched["data"]["product"]["priceKopecks"], 249_900);
}

#[tokio::test]
async fn archived_products_are_hidden_by_default_and_read_only() {
    let app = TestApp::spawn().await;
    let created = app.create_product(product_input("ARCH-1")).await;
    let id = accepted(&created, "createProduct")["product"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let archived = app.archive(&id).await;
    let token = accepted(&archived, "archiveProduct")["consistencyToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(archived["data"]["archiveProduct"]["product"]["status"], "ARCHIVED");

    let listed = app.products(json!({ "token": token })).await;
    assert_eq!(listed["data"]["products"]["totalCount"], 0);
    let with_archived = app.products(json!({ "filter": { "includeArchived": true } })).await;
    assert_eq!(with_archived["data"]["products"]["totalCount"], 1);
    let change = app.change_stock(&id, 3, None).await;
    assert_eq!(
        refusal(&change, "changeProductStock"),
        ("FAILED_PRECONDITION".into(), "id".into())
    );
}

#[tokio::test]
async fn every_event_records_request_id_actor_and_command() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_token)
        .header("x-request-id", "trace-42")
        .json(
            &json!({ "query": "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }",
                       "variables": { "i": product_input("META-1") } }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-42");
    let metadata: Value = sqlx::query_scalar("SELECT metadata FROM events WHERE aggregate_type = 'Product'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(metadata["correlation_id"], "trace-42");
    assert_eq!(metadata["actor"], "user:admin");
    assert_eq!(metadata["command"], "CreateProduct");

    let generated = app.client.get(app.url("/healthz")).send().await.unwrap();
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert!(
        uuid::Uuid::parse_str(id).is_ok(),
        "a request without an id gets a UUID: {id}"
    );
}

#[tokio::test]
async fn details_update_replaces_details_and_is_searchable() {
    let app = TestApp::spawn().await;
    let created = app.create_product(product_input("DET-1")).await;
    let id = accepted(&created, "createProduct")["product"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let updated = app
        .graphql(
            "mutation($id: ID!, $input: ProductDetailsInput!) { updateProductDetails(id: $id, input: $input, expectedVersion: 1) {
                product { title brand category barcodes version } errors { field code message } consistencyToken } }",
            json!({ "id": id, "input": { "title": "Пылесос беспроводной", "brand": "Dyson", "barcodes": ["96385074"] } }),
        )
        .await;
    let payload = accepted(&updated, "updateProductDetails");
    assert_eq!(payload["product"]["version"], 2);
    assert_eq!(
        payload["product"]["category"],
        Value::Null,
        "details are replaced as a whole"
    );
    let token = payload["consistencyToken"].as_str().unwrap();
    let found = app
        .products(json!({ "filter": { "search": "пылесосы" }, "token": token }))
        .await;
    assert_eq!(
        found["data"]["products"]["edges"][0]["node"]["brand"], "Dyson",
        "{found}"
    );
    assert_eq!(
        app.products(json!({ "filter": { "search": "чайник" } })).await["data"]["products"]["totalCount"],
        0
    );

    let unchanged = app
        .graphql(
            "mutation($id: ID!, $input: ProductDetailsInput!) { updateProductDetails(id: $id, input: $input) { product { version } errors { code } } }",
            json!({ "id": id, "input": { "title": "Пылесос беспроводной", "brand": "Dyson", "barcodes": ["96385074"] } }),
        )
        .await;
    assert_eq!(
        accepted(&unchanged, "updateProductDetails")["product"]["version"],
        2,
        "no event for no change"
    );
    assert_eq!(app.event_count(Some(&id)).await, 2);
}
