//! GraphQL over HTTP.

use super::{AppState, RequestId};
use async_graphql::{BatchRequest, BatchResponse, Response};
use async_graphql_axum::GraphQLResponse;
use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse};
use gomarket_query_api::{ErrorCode, RequestContext};
use serde_json::json;

const GRAPHIQL_HTML: &str = include_str!("graphiql.html");

/// A JSON body (one operation or a batch). The body is read through axum's `Bytes` extractor so
/// the configured body limit applies (async-graphql-axum's own extractor streams without one).
pub async fn post_graphql(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    body: Result<Bytes, BytesRejection>,
) -> axum::response::Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return request_error(rejection.status(), &rejection.body_text()),
    };
    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(error) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                &format!("the body is not a GraphQL request: {error}"),
            );
        }
    };
    let batch = batch.data(RequestContext::anonymous(id));
    let response = match state.schema.execute_batch(batch).await {
        BatchResponse::Single(response) => BatchResponse::Single(with_codes(response)),
        BatchResponse::Batch(responses) => BatchResponse::Batch(responses.into_iter().map(with_codes).collect()),
    };
    GraphQLResponse::from(response).into_response()
}

/// Browsers get GraphiQL; other clients may send a query in the URL.
pub async fn get_graphql(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    headers: HeaderMap,
    uri: Uri,
) -> axum::response::Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    match uri.query().filter(|_| !wants_html) {
        Some(query) => match async_graphql::http::parse_query_string(query) {
            Ok(request) => {
                let request = request.data(RequestContext::anonymous(id));
                GraphQLResponse::from(with_codes(state.schema.execute(request).await)).into_response()
            }
            Err(error) => request_error(StatusCode::BAD_REQUEST, &format!("bad GraphQL query string: {error}")),
        },
        None if state.graphiql => Html(GRAPHIQL_HTML).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            "GraphiQL is disabled; POST GraphQL requests to /graphql",
        )
            .into_response(),
    }
}

/// A request that never reached GraphQL execution, answered in GraphQL's error shape.
fn request_error(status: StatusCode, message: &str) -> axum::response::Response {
    let body =
        json!({ "errors": [{ "message": message, "extensions": { "code": ErrorCode::BadUserInput.as_str() } }] });
    (status, Json(body)).into_response()
}

/// Errors that async-graphql raised itself (syntax, unknown field, wrong argument type, depth or
/// complexity limit) carry no code; they are all the client's input, so they get
/// `BAD_USER_INPUT`. Resolver errors already carry their own code.
fn with_codes(mut response: Response) -> Response {
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", ErrorCode::BadUserInput.as_str());
        }
    }
    response
}
