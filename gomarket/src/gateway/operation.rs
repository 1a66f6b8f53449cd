//! Which side of the API a GraphQL request belongs to, read from the request itself.

use async_graphql::parser::types::{DocumentOperations, OperationType};
use serde::Deserialize;

/// The deployment that answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `gomarket command-api`: mutations.
    Command,
    /// `gomarket query-api`: queries and subscriptions.
    Query,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Command => "command",
            Self::Query => "query",
        }
    }
}

#[derive(Deserialize)]
struct Operation {
    #[serde(default)]
    query: Option<String>,
    #[serde(default, rename = "operationName")]
    operation_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Body {
    Single(Operation),
    Batch(Vec<Operation>),
}

/// The side of a POST body: the command side when any operation it would run is a mutation,
/// the query side otherwise. A body that is not a readable GraphQL request goes to the query
/// side too, which answers it with the same typed error `serve` would give.
pub fn side_of_body(body: &[u8]) -> Side {
    let Ok(body) = serde_json::from_slice::<Body>(body) else {
        return Side::Query;
    };
    let mutates = match body {
        Body::Single(operation) => is_mutation(&operation),
        Body::Batch(operations) => operations.iter().any(is_mutation),
    };
    if mutates { Side::Command } else { Side::Query }
}

/// Whether running `query` (the operation `operation_name`, or its only one) would mutate.
pub fn is_mutation_query(query: &str, operation_name: Option<&str>) -> bool {
    is_mutation(&Operation {
        query: Some(query.to_owned()),
        operation_name: operation_name.map(str::to_owned),
    })
}

/// Whether the operation that would run is a mutation: the one named by `operationName`, or
/// the document's only operation.
fn is_mutation(operation: &Operation) -> bool {
    let Some(document) = operation
        .query
        .as_deref()
        .and_then(|query| async_graphql::parser::parse_query(query).ok())
    else {
        return false;
    };
    let selected = match (&document.operations, operation.operation_name.as_deref()) {
        (DocumentOperations::Single(only), _) => Some(only.node.ty),
        (DocumentOperations::Multiple(named), Some(name)) => named.get(name).map(|op| op.node.ty),
        // A single named operation is kept as "multiple" too; it runs without a name.
        (DocumentOperations::Multiple(named), None) if named.len() == 1 => named.values().next().map(|op| op.node.ty),
        (DocumentOperations::Multiple(_), None) => None,
    };
    selected == Some(OperationType::Mutation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn side(body: serde_json::Value) -> Side {
        side_of_body(body.to_string().as_bytes())
    }

    #[test]
    fn mutations_go_to_the_command_side() {
        assert_eq!(side(json!({ "query": "mutation { logout }" })), Side::Command);
        assert_eq!(
            side(json!({ "query": "mutation M($x: Int) { a(x: $x) }", "variables": { "x": 1 } })),
            Side::Command
        );
    }

    #[test]
    fn queries_and_subscriptions_go_to_the_query_side() {
        assert_eq!(side(json!({ "query": "{ me { id } }" })), Side::Query);
        assert_eq!(side(json!({ "query": "query Q { me { id } }" })), Side::Query);
        assert_eq!(side(json!({ "query": "subscription { ticks }" })), Side::Query);
    }

    #[test]
    fn the_named_operation_decides() {
        let document = "query Read { me { id } } mutation Write { logout }";
        assert_eq!(
            side(json!({ "query": document, "operationName": "Write" })),
            Side::Command
        );
        assert_eq!(side(json!({ "query": document, "operationName": "Read" })), Side::Query);
        // Ambiguous or unknown: the query side returns the proper GraphQL error.
        assert_eq!(side(json!({ "query": document })), Side::Query);
        assert_eq!(side(json!({ "query": document, "operationName": "Nope" })), Side::Query);
    }

    #[test]
    fn a_batch_with_any_mutation_goes_to_the_command_side() {
        let batch = json!([{ "query": "{ me { id } }" }, { "query": "mutation { logout }" }]);
        assert_eq!(side(batch), Side::Command);
        assert_eq!(side(json!([{ "query": "{ a }" }, { "query": "{ b }" }])), Side::Query);
    }

    #[test]
    fn unreadable_bodies_go_to_the_query_side() {
        assert_eq!(side_of_body(b"not json"), Side::Query);
        assert_eq!(side(json!({ "query": "mutation {" })), Side::Query);
        assert_eq!(side(json!({ "variables": {} })), Side::Query);
    }
}
