//! GraphQL over HTTP and websockets, behind authentication, rate limits and a timeout.

use super::auth::{Authentication, Credentials, client_address};
use super::limits::RequestBudget;
use super::{AppState, RequestId, persisted};
use crate::gateway::operation::is_mutation_query;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{BatchRequest, BatchResponse, Data, Request, Response};
use async_graphql_axum::{GraphQLProtocol, GraphQLResponse, GraphQLWebSocket};
use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::IntoResponse;
use gomarket_api_core::{ErrorCode, RequestContext};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Bytes read from a websocket at a time (clients send little: `subscribe`, `ping`).
const WS_READ_BUFFER: usize = 4 * 1024;
/// Bytes gathered before a websocket write; a `next` message is written whole either way.
const WS_WRITE_BUFFER: usize = 8 * 1024;

/// The client's address, after its rate limit for `operations` operations (or how long it
/// must wait).
async fn admit_address(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    operations: usize,
) -> Result<Option<String>, Duration> {
    let address = client_address(Some(peer), headers, state.edge.trust_forwarded_for);
    if let Some(address) = &address {
        state.address_limiter.check_many(address, operations).await?;
    }
    Ok(address)
}

/// Authenticates the request and applies the rate limits, one token per operation; the
/// request's context, or the response refusing it.
async fn admit(
    state: &AppState,
    request_id: String,
    peer: SocketAddr,
    headers: &HeaderMap,
    operations: usize,
) -> Result<RequestContext, axum::response::Response> {
    let address = admit_address(state, peer, headers, operations)
        .await
        .map_err(rate_limited)?;
    state.database.admit().await.map_err(|_| upstream_unavailable())?;
    let Authentication {
        principal,
        session,
        error,
        store_failed,
    } = Credentials::from_headers(headers).authenticate(&state.identity).await;
    // Credentials that could not be checked are not bad credentials: during an outage the
    // client must retry, not log its user out.
    if store_failed && state.database.is_down().await {
        return Err(upstream_unavailable());
    }
    if let Some(principal) = &principal {
        tracing::Span::current().record("actor", principal.actor());
        if let Err(retry_after) = state.principal_limiter.check_many(&principal.actor(), operations).await {
            return Err(rate_limited(retry_after));
        }
    }
    Ok(RequestContext {
        correlation_id: request_id,
        principal,
        auth_error: error,
        client_address: address,
        session,
    })
}

/// Runs one operation (its text found first when it was sent by hash) with the request's
/// context and its share of the request's budget.
async fn execute(
    state: &AppState,
    request: Request,
    context: &RequestContext,
    budget: &Arc<RequestBudget>,
) -> Response {
    let request = match persisted::resolve(state, request).await {
        Ok(request) => request,
        Err(refusal) => return refusal,
    };
    run(state, request, context, budget).await
}

/// Runs one operation whose text is in place.
async fn run(state: &AppState, request: Request, context: &RequestContext, budget: &Arc<RequestBudget>) -> Response {
    with_codes(
        state
            .schema
            .execute(request.data(context.clone()).data(budget.clone()))
            .await,
    )
}

/// GraphQL over HTTP takes JSON (GraphQL-over-HTTP spec); anything else, form and text bodies
/// above all, could be sent cross-origin by any web page without a preflight.
fn is_json_request(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    ["application/json", "application/graphql-response+json"]
        .iter()
        .any(|accepted| media_type.eq_ignore_ascii_case(accepted))
}

/// A JSON body (one operation or a batch). The body is read through axum's `Bytes` extractor so
/// the configured body limit applies (async-graphql-axum's own extractor streams without one).
///
/// A batch runs its operations one after another, counted against the rate limits and the
/// complexity limit as a whole: sent together, 30 logins are still 30 attempts in a row.
pub async fn post_graphql(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> axum::response::Response {
    if !is_json_request(&headers) {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "GraphQL requests are POSTed as Content-Type: application/json",
        );
    }
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
    let operations = match &batch {
        BatchRequest::Single(_) => 1,
        BatchRequest::Batch(requests) => requests.len(),
    };
    if operations == 0 || operations > state.edge.max_batch_size {
        return request_error(
            StatusCode::BAD_REQUEST,
            &format!(
                "a batch holds 1 to {} operations; this one holds {operations}",
                state.edge.max_batch_size
            ),
        );
    }
    let context = match admit(&state, id, peer, &headers, operations).await {
        Ok(context) => context,
        Err(refusal) => return refusal,
    };
    let budget = RequestBudget::new(state.edge.max_complexity);
    let run = async {
        match batch {
            BatchRequest::Single(request) => BatchResponse::Single(execute(&state, request, &context, &budget).await),
            BatchRequest::Batch(requests) => {
                let mut responses = Vec::with_capacity(requests.len());
                for request in requests {
                    responses.push(execute(&state, request, &context, &budget).await);
                }
                BatchResponse::Batch(responses)
            }
        }
    };
    match tokio::time::timeout(state.edge.request_timeout, run).await {
        Ok(responses) => respond(&state, responses).await,
        Err(_) => timed_out(state.edge.request_timeout),
    }
}

/// Browsers get GraphiQL; other clients may send a query (not a mutation) in the URL.
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
            Ok(request) if is_mutation_query(&request.query, request.operation_name.as_deref()) => mutation_by_get(),
            Ok(request) => {
                let context = match admit(&state, id, peer, &headers, 1).await {
                    Ok(context) => context,
                    Err(refusal) => return refusal,
                };
                // A query sent by hash is known to be one only once its text is found.
                let request = match persisted::resolve(&state, request).await {
                    Ok(request) if is_mutation_query(&request.query, request.operation_name.as_deref()) => {
                        return mutation_by_get();
                    }
                    Ok(request) => request,
                    Err(refusal) => return respond(&state, BatchResponse::Single(refusal)).await,
                };
                let budget = RequestBudget::new(state.edge.max_complexity);
                let run = run(&state, request, &context, &budget);
                match tokio::time::timeout(state.edge.request_timeout, run).await {
                    Ok(response) => respond(&state, BatchResponse::Single(response)).await,
                    Err(_) => timed_out(state.edge.request_timeout),
                }
            }
            Err(error) => request_error(StatusCode::BAD_REQUEST, &format!("bad GraphQL query string: {error}")),
        },
        None if state.graphiql => super::console::graphiql(&headers),
        None => (
            StatusCode::NOT_FOUND,
            "GraphiQL is disabled; POST GraphQL requests to /graphql",
        )
            .into_response(),
    }
}

/// The HTTP answer to executed operations. Errors are classified here, where the whole
/// request is seen: `INTERNAL` while the database is unreachable is really
/// `UPSTREAM_UNAVAILABLE` (503, retry); a refusal that set `Retry-After` (the login lockout)
/// is a 429 like the token buckets'.
async fn respond(state: &AppState, responses: BatchResponse) -> axum::response::Response {
    let mut responses = match responses {
        BatchResponse::Single(response) => vec![response],
        BatchResponse::Batch(responses) => responses,
    };
    let has_code = |responses: &[Response], code: ErrorCode| {
        responses.iter().flat_map(|r| &r.errors).any(|error| {
            error
                .extensions
                .as_ref()
                .and_then(|e| e.get("code"))
                .is_some_and(|c| *c == async_graphql::Value::from(code.as_str()))
        })
    };
    if has_code(&responses, ErrorCode::Internal) && state.database.is_down().await {
        for error in responses.iter_mut().flat_map(|r| &mut r.errors) {
            let extensions = error.extensions.get_or_insert_with(Default::default);
            if extensions.get("code") == Some(&async_graphql::Value::from(ErrorCode::Internal.as_str())) {
                extensions.set("code", ErrorCode::UpstreamUnavailable.as_str());
                error.message = "the database is not answering; retry shortly".to_owned();
            }
        }
    }
    let status = if has_code(&responses, ErrorCode::UpstreamUnavailable) {
        Some(StatusCode::SERVICE_UNAVAILABLE)
    } else if responses
        .iter()
        .any(|r| r.http_headers.contains_key(header::RETRY_AFTER))
    {
        Some(StatusCode::TOO_MANY_REQUESTS)
    } else {
        None
    };
    let batch = match <[Response; 1]>::try_from(responses) {
        Ok([single]) => BatchResponse::Single(single),
        Err(responses) => BatchResponse::Batch(responses),
    };
    let mut response = GraphQLResponse::from(batch).into_response();
    if let Some(status) = status {
        *response.status_mut() = status;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
    }
    response
}

/// Subscriptions (graphql-transport-ws and graphql-ws). Credentials come in the
/// `connection_init` payload; a connection without credentials, or with refused ones, is closed.
pub async fn graphql_ws(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> axum::response::Response {
    let address = match admit_address(&state, peer, &headers, 1).await {
        Ok(address) => address,
        Err(retry_after) => return rate_limited(retry_after),
    };
    let schema = state.schema.clone();
    let identity = state.identity.clone();
    // Small socket buffers: a subscriber costs its buffers (128 KiB each by default) more than
    // anything else the server keeps for it; messages larger than them still go through.
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .read_buffer_size(WS_READ_BUFFER)
        .write_buffer_size(WS_WRITE_BUFFER)
        .on_upgrade(move |stream| {
            GraphQLWebSocket::new(stream, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let credentials = Credentials::from_connection_init(&payload);
                    let Authentication {
                        principal,
                        session,
                        error,
                        ..
                    } = credentials.authenticate(&identity).await;
                    if let Some(error) = error {
                        return Err(async_graphql::Error::new(format!("authentication failed: {error}")));
                    }
                    // Every subscription needs a permission: an anonymous connection could
                    // only ever be refused, so it is refused here, before it holds anything.
                    if principal.is_none() {
                        return Err(async_graphql::Error::new(
                            "authentication required: send a token or an API key in connection_init",
                        ));
                    }
                    let mut data = Data::default();
                    data.insert(RequestContext {
                        correlation_id: id,
                        principal,
                        auth_error: None,
                        client_address: address,
                        session,
                    });
                    Ok(data)
                })
                .serve()
        })
        .into_response()
}

/// `405`: GET runs queries only (a mutation by GET could be triggered by a link or an image).
fn mutation_by_get() -> axum::response::Response {
    let mut refusal = request_error(StatusCode::METHOD_NOT_ALLOWED, "mutations are POSTed, not sent by GET");
    refusal
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    refusal
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

/// `503 Service Unavailable`: the database is down; nothing was attempted.
fn upstream_unavailable() -> axum::response::Response {
    let body = json!({ "errors": [{
        "message": "the database is not answering; retry shortly",
        "extensions": { "code": ErrorCode::UpstreamUnavailable.as_str() }
    }] });
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
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
