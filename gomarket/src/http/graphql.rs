//! GraphQL over HTTP and websockets, behind authentication, rate limits and a timeout.

use super::auth::{Authentication, Credentials, client_address};
use super::{AppState, RequestId};
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{BatchRequest, BatchResponse, Data, Response};
use async_graphql_axum::{GraphQLProtocol, GraphQLResponse, GraphQLWebSocket};
use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse};
use gomarket_query_api::{ErrorCode, RequestContext};
use serde_json::json;
use std::net::SocketAddr;
use std::time::Duration;

const GRAPHIQL_HTML: &str = include_str!("graphiql.html");

/// The client's address, after its rate limit (or how long it must wait).
fn admit_address(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> Result<Option<String>, Duration> {
    let address = client_address(Some(peer), headers, state.edge.trust_forwarded_for);
    if let Some(address) = &address {
        state.address_limiter.check(address)?;
    }
    Ok(address)
}

/// Authenticates the request and applies the rate limits; the request's context, or the
/// response refusing it.
async fn admit(
    state: &AppState,
    request_id: String,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<RequestContext, axum::response::Response> {
    let address = admit_address(state, peer, headers).map_err(rate_limited)?;
    let Authentication { principal, error } = Credentials::from_headers(headers).authenticate(&state.identity).await;
    if let Some(principal) = &principal {
        tracing::Span::current().record("actor", principal.actor());
        if let Err(retry_after) = state.principal_limiter.check(&principal.actor()) {
            return Err(rate_limited(retry_after));
        }
    }
    Ok(RequestContext {
        correlation_id: request_id,
        principal,
        auth_error: error,
        client_address: address,
    })
}

/// A JSON body (one operation or a batch). The body is read through axum's `Bytes` extractor so
/// the configured body limit applies (async-graphql-axum's own extractor streams without one).
pub async fn post_graphql(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
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
    let context = match admit(&state, id, peer, &headers).await {
        Ok(context) => context,
        Err(refusal) => return refusal,
    };
    let batch = batch.data(context);
    match tokio::time::timeout(state.edge.request_timeout, state.schema.execute_batch(batch)).await {
        Ok(BatchResponse::Single(response)) => {
            GraphQLResponse::from(BatchResponse::Single(with_codes(response))).into_response()
        }
        Ok(BatchResponse::Batch(responses)) => {
            GraphQLResponse::from(BatchResponse::Batch(responses.into_iter().map(with_codes).collect())).into_response()
        }
        Err(_) => timed_out(state.edge.request_timeout),
    }
}

/// Browsers get GraphiQL; other clients may send a query in the URL.
pub async fn get_graphql(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
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
                let context = match admit(&state, id, peer, &headers).await {
                    Ok(context) => context,
                    Err(refusal) => return refusal,
                };
                let request = request.data(context);
                match tokio::time::timeout(state.edge.request_timeout, state.schema.execute(request)).await {
                    Ok(response) => GraphQLResponse::from(with_codes(response)).into_response(),
                    Err(_) => timed_out(state.edge.request_timeout),
                }
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

/// Subscriptions (graphql-transport-ws and graphql-ws). Credentials come in the
/// `connection_init` payload; credentials that are presented and refused close the connection.
pub async fn graphql_ws(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> axum::response::Response {
    let address = match admit_address(&state, peer, &headers) {
        Ok(address) => address,
        Err(retry_after) => return rate_limited(retry_after),
    };
    let schema = state.schema.clone();
    let identity = state.identity.clone();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| {
            GraphQLWebSocket::new(stream, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let credentials = Credentials::from_connection_init(&payload);
                    let Authentication { principal, error } = credentials.authenticate(&identity).await;
                    if let Some(error) = error {
                        return Err(async_graphql::Error::new(format!("authentication failed: {error}")));
                    }
                    let mut data = Data::default();
                    data.insert(RequestContext {
                        correlation_id: id,
                        principal,
                        auth_error: None,
                        client_address: address,
                    });
                    Ok(data)
                })
                .serve()
        })
        .into_response()
}

/// `429 Too Many Requests` with `Retry-After`, in GraphQL's error shape.
fn rate_limited(retry_after: Duration) -> axum::response::Response {
    let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
    let body = json!({ "errors": [{
        "message": format!("rate limit exceeded; retry in {seconds} s"),
        "extensions": { "code": ErrorCode::RateLimited.as_str(), "retryAfterSeconds": seconds }
    }] });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

fn timed_out(limit: Duration) -> axum::response::Response {
    let body = json!({ "errors": [{
        "message": format!("the request took longer than {} ms and was abandoned", limit.as_millis()),
        "extensions": { "code": ErrorCode::UpstreamUnavailable.as_str() }
    }] });
    (StatusCode::GATEWAY_TIMEOUT, Json(body)).into_response()
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
