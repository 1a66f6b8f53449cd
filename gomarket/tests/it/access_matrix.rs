//! The role × operation matrix. Every query field, mutation and subscription of the schema is
//! listed here with what it requires; the test fails when the schema has an operation this
//! table does not list (so a new operation cannot ship without a declared permission) and
//! when any guard disagrees with the table:
//!
//! - anonymous callers get `UNAUTHENTICATED` for everything but the public operations;
//! - each role gets `FORBIDDEN` exactly for the operations whose permission it lacks;
//! - an API key holding only the required permission passes, one holding another does not.
//!
//! Operations are called with placeholder arguments built from the schema; what matters is
//! whether the guard lets the call through, not what the call then answers.

use crate::support::{TestApp, ws};
use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use gomarket_domain::identity::{Permission, Role};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    Public,
    Authenticated,
    Permission(Permission),
}

use Needs::{Authenticated, Public};
use Permission as P;

/// What each operation requires. Add every new operation here.
const OPERATIONS: &[(&str, Needs)] = &[
    ("Query.product", Needs::Permission(P::CatalogRead)),
    ("Query.products", Needs::Permission(P::CatalogRead)),
    ("Query.history", Needs::Permission(P::AuditRead)),
    ("Query.productAt", Needs::Permission(P::AuditRead)),
    ("Query.projectionFailures", Needs::Permission(P::OperationsRead)),
    ("Query.me", Authenticated),
    ("Query.users", Needs::Permission(P::UsersRead)),
    ("Query.user", Needs::Permission(P::UsersRead)),
    ("Query.apiKeys", Authenticated),
    ("Query.secrets", Needs::Permission(P::SecretsRead)),
    ("Query.suppliers", Needs::Permission(P::SuppliersRead)),
    ("Query.supplier", Needs::Permission(P::SuppliersRead)),
    ("Query.imports", Needs::Permission(P::SuppliersRead)),
    ("Query.import", Needs::Permission(P::SuppliersRead)),
    ("Query.marketplaceAccounts", Needs::Permission(P::MarketplaceRead)),
    ("Query.marketplaceAccount", Needs::Permission(P::MarketplaceRead)),
    ("Query.categoryMappings", Needs::Permission(P::MarketplaceRead)),
    ("Query.listings", Needs::Permission(P::MarketplaceRead)),
    ("Query.syncPolicies", Needs::Permission(P::SyncRead)),
    ("Query.syncPolicy", Needs::Permission(P::SyncRead)),
    ("Query.explainPricing", Needs::Permission(P::SyncRead)),
    ("Query.syncRuns", Needs::Permission(P::SyncRead)),
    ("Query.syncRun", Needs::Permission(P::SyncRead)),
    ("Query.salesSummary", Needs::Permission(P::AnalyticsRead)),
    ("Query.unmatchedMarketplaceRows", Needs::Permission(P::AnalyticsRead)),
    ("Query.productPerformance", Needs::Permission(P::AnalyticsRead)),
    ("Query.alerts", Needs::Permission(P::AnalyticsRead)),
    ("Query.alert", Needs::Permission(P::AnalyticsRead)),
    ("Query.alertRules", Needs::Permission(P::AnalyticsRead)),
    ("Mutation.acknowledgeAlert", Needs::Permission(P::OperationsWrite)),
    ("Mutation.setAlertRules", Needs::Permission(P::SyncWrite)),
    ("Query.listing", Needs::Permission(P::MarketplaceRead)),
    ("Subscription.productChanges", Needs::Permission(P::CatalogRead)),
    ("Subscription.analyticsEvents", Needs::Permission(P::AnalyticsRead)),
    ("Subscription.metrics", Needs::Permission(P::AnalyticsRead)),
    ("Mutation.createProduct", Needs::Permission(P::CatalogWrite)),
    ("Mutation.updateProductDetails", Needs::Permission(P::CatalogWrite)),
    ("Mutation.changeProductPrice", Needs::Permission(P::CatalogWrite)),
    ("Mutation.changeProductStock", Needs::Permission(P::CatalogWrite)),
    ("Mutation.archiveProduct", Needs::Permission(P::CatalogWrite)),
    ("Mutation.login", Public),
    ("Mutation.refreshToken", Public),
    ("Mutation.logout", Authenticated),
    ("Mutation.createUser", Needs::Permission(P::UsersManage)),
    ("Mutation.grantRole", Needs::Permission(P::UsersManage)),
    ("Mutation.revokeRole", Needs::Permission(P::UsersManage)),
    ("Mutation.disableUser", Needs::Permission(P::UsersManage)),
    ("Mutation.enableUser", Needs::Permission(P::UsersManage)),
    ("Mutation.setUserPassword", Needs::Permission(P::UsersManage)),
    ("Mutation.changePassword", Authenticated),
    ("Mutation.createApiKey", Authenticated),
    ("Mutation.revokeApiKey", Authenticated),
    ("Mutation.storeSecret", Needs::Permission(P::SecretsWrite)),
    ("Mutation.registerSupplier", Needs::Permission(P::SuppliersWrite)),
    ("Mutation.updateSupplier", Needs::Permission(P::SuppliersWrite)),
    ("Mutation.disableSupplier", Needs::Permission(P::SuppliersWrite)),
    ("Mutation.enableSupplier", Needs::Permission(P::SuppliersWrite)),
    ("Mutation.startImport", Needs::Permission(P::ImportsRun)),
    (
        "Mutation.connectMarketplaceAccount",
        Needs::Permission(P::MarketplaceWrite),
    ),
    (
        "Mutation.disableMarketplaceAccount",
        Needs::Permission(P::MarketplaceWrite),
    ),
    (
        "Mutation.enableMarketplaceAccount",
        Needs::Permission(P::MarketplaceWrite),
    ),
    (
        "Mutation.replaceMarketplaceToken",
        Needs::Permission(P::MarketplaceWrite),
    ),
    ("Mutation.setCategoryMapping", Needs::Permission(P::MarketplaceWrite)),
    ("Mutation.publishProducts", Needs::Permission(P::PublishingWrite)),
    ("Mutation.setListingTarget", Needs::Permission(P::PublishingWrite)),
    ("Mutation.upsertSyncPolicy", Needs::Permission(P::SyncWrite)),
    ("Mutation.triggerSync", Needs::Permission(P::SyncRun)),
    ("Mutation.approveHeldPrices", Needs::Permission(P::SyncWrite)),
    ("Mutation.retryFailed", Needs::Permission(P::SyncRun)),
    ("Subscription.syncRunProgress", Needs::Permission(P::SyncRead)),
];

/// The schema's shape, as far as building placeholder calls needs it.
struct Shape {
    /// "Query.products" → (arguments (name, type), returns an object?)
    operations: BTreeMap<String, (Vec<(String, Type)>, bool)>,
    inputs: BTreeMap<String, Vec<(String, Type)>>,
    enums: BTreeMap<String, String>,
    objects: BTreeSet<String>,
}

fn shape() -> Shape {
    let document = parse_schema(gomarket::schema::sdl()).expect("the SDL parses");
    let mut shape = Shape {
        operations: BTreeMap::new(),
        inputs: BTreeMap::new(),
        enums: BTreeMap::new(),
        objects: BTreeSet::new(),
    };
    let mut roots = Vec::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(t) = definition else {
            continue;
        };
        let t = t.node;
        let name = t.name.node.to_string();
        match t.kind {
            TypeKind::Object(object) => {
                shape.objects.insert(name.clone());
                if ["Query", "Mutation", "Subscription"].contains(&name.as_str()) {
                    for field in object.fields {
                        let field = field.node;
                        let args = field
                            .arguments
                            .iter()
                            .map(|a| (a.node.name.node.to_string(), a.node.ty.node.clone()))
                            .collect();
                        roots.push((format!("{name}.{}", field.name.node), args, field.ty.node.clone()));
                    }
                }
            }
            TypeKind::InputObject(input) => {
                let fields = input
                    .fields
                    .iter()
                    .map(|f| (f.node.name.node.to_string(), f.node.ty.node.clone()))
                    .collect();
                shape.inputs.insert(name, fields);
            }
            TypeKind::Enum(e) => {
                shape.enums.insert(name, e.values[0].node.value.node.to_string());
            }
            _ => {}
        }
    }
    for (name, args, returns) in roots {
        let is_object = shape.objects.contains(&named(&returns));
        shape.operations.insert(name, (args, is_object));
    }
    shape
}

fn named(ty: &Type) -> String {
    match &ty.base {
        BaseType::Named(name) => name.to_string(),
        BaseType::List(inner) => named(inner),
    }
}

/// A placeholder GraphQL literal of the type (required input fields only).
fn placeholder(shape: &Shape, ty: &Type) -> String {
    match &ty.base {
        BaseType::List(_) => "[]".to_owned(),
        BaseType::Named(name) => match name.as_str() {
            "ID" => "\"00000000-0000-4000-8000-000000000000\"".to_owned(),
            "String" => "\"placeholder\"".to_owned(),
            "Int" => "1".to_owned(),
            "Float" => "1.0".to_owned(),
            "Boolean" => "false".to_owned(),
            "DateTime" => "\"2030-01-01T00:00:00Z\"".to_owned(),
            "Date" => "\"2030-01-01\"".to_owned(),
            other if shape.enums.contains_key(other) => shape.enums[other].clone(),
            other => {
                let fields = shape
                    .inputs
                    .get(other)
                    .unwrap_or_else(|| panic!("unknown input type {other}"));
                let required: Vec<String> = fields
                    .iter()
                    .filter(|(_, t)| !t.nullable)
                    .map(|(n, t)| format!("{n}: {}", placeholder(shape, t)))
                    .collect();
                format!("{{ {} }}", required.join(", "))
            }
        },
    }
}

fn document(shape: &Shape, operation: &str) -> String {
    let (root, field) = operation.split_once('.').unwrap();
    let (args, is_object) = &shape.operations[operation];
    let required: Vec<String> = args
        .iter()
        .filter(|(_, t)| !t.nullable)
        .map(|(n, t)| format!("{n}: {}", placeholder(shape, t)))
        .collect();
    let args = if required.is_empty() {
        String::new()
    } else {
        format!("({})", required.join(", "))
    };
    let selection = if *is_object { " { __typename }" } else { "" };
    let keyword = match root {
        "Query" => "query",
        "Mutation" => "mutation",
        _ => "subscription",
    };
    format!("{keyword} {{ {field}{args}{selection} }}")
}

fn codes(response: &Value) -> Vec<String> {
    crate::support::codes_of(&response["errors"])
}

fn guarded(codes: &[String]) -> Option<&str> {
    codes
        .iter()
        .map(String::as_str)
        .find(|c| *c == "UNAUTHENTICATED" || *c == "FORBIDDEN")
}

/// Calls the operation (subscriptions over the websocket, credentials in `connection_init`)
/// and answers in the shape of an HTTP response: `{"errors": [{"extensions": {"code"}}]}`.
async fn call(app: &TestApp, headers: &[(&str, &str)], query: &str) -> Value {
    if query.starts_with("subscription") {
        let payload: serde_json::Map<String, Value> = headers
            .iter()
            .map(|(name, value)| {
                let key = if *name == "authorization" {
                    "Authorization"
                } else {
                    "X-Api-Key"
                };
                (key.to_owned(), json!(value))
            })
            .collect();
        let anonymous = payload.is_empty();
        let (mut socket, ack) = ws::connect(app.address, Value::Object(payload)).await;
        if anonymous {
            // Refused at connection_init: nothing to subscribe on.
            assert!(ack.get("closed").is_some(), "{ack}");
            return json!({ "errors": [{ "extensions": { "code": "UNAUTHENTICATED" } }] });
        }
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        ws::subscribe(&mut socket, "1", query, json!({})).await;
        // A refusal comes at once; a live-only subscription that was admitted (like
        // `analyticsEvents` from now on) may have nothing to send yet.
        let message = match tokio::time::timeout(Duration::from_secs(2), ws::next_message(&mut socket)).await {
            Ok(message) => message,
            Err(_) => json!({ "type": "next", "payload": {} }),
        };
        let errors: Vec<Value> = ws::error_codes(&message)
            .into_iter()
            .map(|code| json!({ "extensions": { "code": code } }))
            .collect();
        return json!({ "errors": errors });
    }
    let mut request = app.client.post(app.url("/graphql")).json(&json!({ "query": query }));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().json().await.unwrap()
}

#[test]
fn every_operation_of_the_schema_declares_what_it_requires() {
    let in_schema: BTreeSet<String> = shape().operations.into_keys().collect();
    let listed: BTreeSet<String> = OPERATIONS.iter().map(|(name, _)| (*name).to_owned()).collect();
    let undeclared: Vec<&String> = in_schema.difference(&listed).collect();
    assert!(
        undeclared.is_empty(),
        "operations without a declared permission (add them to OPERATIONS and guard them): {undeclared:?}"
    );
    let gone: Vec<&String> = listed.difference(&in_schema).collect();
    assert!(gone.is_empty(), "listed operations not in the schema: {gone:?}");
}

#[tokio::test]
async fn guards_match_the_matrix_for_every_role_key_and_anonymous_caller() {
    let app = TestApp::spawn().await;
    let shape = shape();
    let mut roles = Vec::new();
    for role in Role::ALL {
        let email = format!("{}@matrix.test", role.as_str().to_lowercase());
        let (_, token) = app.user_with_roles(&email, &[role.as_str()]).await;
        roles.push((role, format!("Bearer {token}")));
    }
    let mut failures = Vec::new();
    for &(operation, needs) in OPERATIONS {
        let query = document(&shape, operation);
        // Anonymous.
        let anonymous = codes(&call(&app, &[], &query).await);
        match needs {
            Public => {
                if guarded(&anonymous) == Some("FORBIDDEN") {
                    failures.push(format!("{operation}: anonymous got FORBIDDEN"));
                }
            }
            _ => {
                if !anonymous.iter().any(|c| c == "UNAUTHENTICATED") {
                    failures.push(format!("{operation}: anonymous got {anonymous:?}, not UNAUTHENTICATED"));
                }
            }
        }
        // Each role.
        for (role, authorization) in &roles {
            let got = codes(&call(&app, &[("authorization", authorization)], &query).await);
            let allowed = match needs {
                Public | Authenticated => true,
                Needs::Permission(p) => role.grants(p),
            };
            // A public operation may answer UNAUTHENTICATED on its own (wrong password).
            let got = if needs == Public {
                got.into_iter().filter(|c| c != "UNAUTHENTICATED").collect()
            } else {
                got
            };
            match (allowed, guarded(&got)) {
                (true, Some(code)) => failures.push(format!("{operation}: {role} refused with {code}")),
                (false, Some("FORBIDDEN")) => {}
                (false, other) => failures.push(format!("{operation}: {role} got {other:?}, not FORBIDDEN")),
                (true, None) => {}
            }
        }
        if operation == "Mutation.logout" {
            // `logout` ended the session of each role's token: each logs in again.
            for (role, authorization) in &mut roles {
                let email = format!("{}@matrix.test", role.as_str().to_lowercase());
                *authorization = format!("Bearer {}", app.login(&email, &format!("{email}-password")).await);
            }
        }
        // API keys: exactly the permission, and everything but it.
        if let Needs::Permission(p) = needs {
            let others: Vec<String> = Permission::ALL
                .iter()
                .filter(|&&o| o != p)
                .map(|o| o.to_string())
                .collect();
            for (scopes, allowed) in [(vec![p.to_string()], true), (others, false)] {
                let created = app
                    .graphql(
                        "mutation($s: [String!]!) { createApiKey(input: { name: \"matrix\", scopes: $s }) { key errors { message } } }",
                        json!({ "s": scopes }),
                    )
                    .await;
                let key = created["data"]["createApiKey"]["key"]
                    .as_str()
                    .expect("key created")
                    .to_owned();
                let got = codes(&call(&app, &[("x-api-key", &key)], &query).await);
                match (allowed, guarded(&got)) {
                    (true, Some(code)) => failures.push(format!("{operation}: key with {p} refused with {code}")),
                    (false, Some("FORBIDDEN")) => {}
                    (false, other) => failures.push(format!("{operation}: key without {p} got {other:?}")),
                    (true, None) => {}
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
