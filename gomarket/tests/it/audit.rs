//! The audit trail: `history` tells a product's whole story with actors and requests, and
//! `productAt` rebuilds each past state exactly as the read model showed it at the time.

use crate::support::{TestApp, accepted, product_input};
use serde_json::{Value, json};

const PRODUCT_FIELDS: &str =
    "id sku title brand category barcodes priceKopecks stock status version createdAt updatedAt";

async fn mutate(app: &TestApp, request_id: &str, mutation: &str, field: &str, variables: Value) -> String {
    let response = app.graphql_with_request_id(Some(request_id), mutation, variables).await;
    accepted(&response, field)["consistencyToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn read_model_state(app: &TestApp, id: &str, token: &str) -> Value {
    let query =
        format!("query($id: ID!, $t: String) {{ product(id: $id, consistentWith: $t) {{ {PRODUCT_FIELDS} }} }}");
    let response = app.graphql(&query, json!({ "id": id, "t": token })).await;
    response["data"]["product"].clone()
}

#[tokio::test]
async fn history_and_product_at_tell_the_whole_story() {
    let app = TestApp::spawn().await;
    let create = "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } errors { code } consistencyToken } }";
    let response = app
        .graphql_with_request_id(Some("req-create"), create, json!({ "i": product_input("AUD-1") }))
        .await;
    let payload = accepted(&response, "createProduct");
    let id = payload["product"]["id"].as_str().unwrap().to_owned();
    let mut states = vec![read_model_state(&app, &id, payload["consistencyToken"].as_str().unwrap()).await];

    let price = "mutation($id: ID!, $p: Int!) { changeProductPrice(id: $id, priceKopecks: $p) { errors { code } consistencyToken } }";
    let stock =
        "mutation($id: ID!, $s: Int!) { changeProductStock(id: $id, stock: $s) { errors { code } consistencyToken } }";
    let token = mutate(
        &app,
        "req-price-1",
        price,
        "changeProductPrice",
        json!({ "id": id, "p": 199_900 }),
    )
    .await;
    states.push(read_model_state(&app, &id, &token).await);
    let token = mutate(
        &app,
        "req-stock",
        stock,
        "changeProductStock",
        json!({ "id": id, "s": 0 }),
    )
    .await;
    states.push(read_model_state(&app, &id, &token).await);
    let token = mutate(
        &app,
        "req-price-2",
        price,
        "changeProductPrice",
        json!({ "id": id, "p": 189_900 }),
    )
    .await;
    states.push(read_model_state(&app, &id, &token).await);

    let history = app
        .graphql(
            "query($id: ID!) { history(aggregateType: \"Product\", aggregateId: $id, first: 10) {
                totalCount nodes { type version sequence globalPosition recordedAt actor correlationId command payload } } }",
            json!({ "id": id }),
        )
        .await;
    let connection = &history["data"]["history"];
    assert_eq!(connection["totalCount"], 4, "{history}");
    let nodes = connection["nodes"].as_array().unwrap();
    let story: Vec<(&str, i64, &str)> = nodes
        .iter()
        .map(|n| {
            (
                n["type"].as_str().unwrap(),
                n["sequence"].as_i64().unwrap(),
                n["correlationId"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        story,
        [
            ("ProductCreated", 1, "req-create"),
            ("ProductPriceChanged", 2, "req-price-1"),
            ("ProductStockChanged", 3, "req-stock"),
            ("ProductPriceChanged", 4, "req-price-2"),
        ]
    );
    assert!(nodes.iter().all(|n| n["actor"] == "user:admin"), "{history}");
    assert_eq!(nodes[1]["command"], "ChangeProductPrice");
    // "From what": the price change records the previous price.
    assert_eq!(nodes[3]["payload"]["ProductPriceChanged"]["previous_kopecks"], 199_900);
    assert_eq!(nodes[3]["payload"]["ProductPriceChanged"]["price_kopecks"], 189_900);
    let positions: Vec<i64> = nodes.iter().map(|n| n["globalPosition"].as_i64().unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));

    // Paging through history.
    let first_page = app
        .graphql(
            "query($id: ID!) { history(aggregateType: \"product\", aggregateId: $id, first: 3) { edges { cursor } pageInfo { hasNextPage endCursor } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        first_page["data"]["history"]["pageInfo"]["hasNextPage"], true,
        "{first_page}"
    );
    let after = first_page["data"]["history"]["pageInfo"]["endCursor"].clone();
    let second_page = app
        .graphql(
            "query($id: ID!, $after: String) { history(aggregateType: \"Product\", aggregateId: $id, first: 3, after: $after) { nodes { sequence } pageInfo { hasNextPage } } }",
            json!({ "id": id, "after": after }),
        )
        .await;
    assert_eq!(second_page["data"]["history"]["nodes"], json!([{ "sequence": 4 }]));

    // Every past version equals what the read model showed right after that write.
    let at_version = format!("query($id: ID!, $v: Int) {{ productAt(id: $id, version: $v) {{ {PRODUCT_FIELDS} }} }}");
    for (index, state) in states.iter().enumerate() {
        let past = app.graphql(&at_version, json!({ "id": id, "v": index + 1 })).await;
        assert_eq!(&past["data"]["productAt"], state, "version {}", index + 1);
    }
    // By time: right at the second event's recording, the product is at version 2.
    let at_time = format!("query($id: ID!, $at: DateTime) {{ productAt(id: $id, at: $at) {{ {PRODUCT_FIELDS} }} }}");
    let past = app
        .graphql(&at_time, json!({ "id": id, "at": nodes[1]["recordedAt"] }))
        .await;
    assert_eq!(past["data"]["productAt"], states[1], "{past}");

    let too_far = app.graphql(&at_version, json!({ "id": id, "v": 9 })).await;
    assert_eq!(too_far["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let before_creation = app
        .graphql(&at_time, json!({ "id": id, "at": "2001-01-01T00:00:00Z" }))
        .await;
    assert_eq!(before_creation["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let neither = app
        .graphql("query($id: ID!) { productAt(id: $id) { id } }", json!({ "id": id }))
        .await;
    assert_eq!(neither["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let unknown_type = app
        .graphql(
            "{ history(aggregateType: \"Nope\", aggregateId: \"x\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(unknown_type["errors"][0]["extensions"]["field"], "aggregateType");
}
