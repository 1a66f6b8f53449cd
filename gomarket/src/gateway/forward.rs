//! Forwarding a request to one side of the API and its answer back, unchanged but for the
//! hop-by-hop headers and the client's address.

use super::operation::Side;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Headers that describe one connection, not the request: never passed on (RFC 9110 §7.6.1),
/// nor `host` and `content-length`, which the forwarded request sets for itself.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// The two sides' base URLs and the client that reaches them.
#[derive(Debug, Clone)]
pub struct Upstreams {
    pub client: reqwest::Client,
    pub command: String,
    pub query: String,
}

impl Upstreams {
    pub fn base(&self, side: Side) -> &str {
        match side {
            Side::Command => &self.command,
            Side::Query => &self.query,
        }
    }
}

/// The request as it goes to a side.
pub struct Outgoing<'a> {
    pub method: Method,
    pub path_and_query: &'a str,
    pub headers: &'a HeaderMap,
    /// The client's address as the sides should see it (`X-Forwarded-For`).
    pub client_address: Option<String>,
    pub body: Bytes,
}

/// The headers to pass on in either direction.
pub fn end_to_end(headers: &HeaderMap) -> HeaderMap {
    let mut passed = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if !HOP_BY_HOP.contains(&name.as_str()) && name.as_str() != FORWARDED_FOR {
            passed.append(name.clone(), value.clone());
        }
    }
    passed
}

/// Sends `outgoing` to `side` and relays the answer. A side that cannot be reached gets one
/// more try: any failure of a read may be retried, a mutation only when it never left (the
/// connection was refused), so nothing is ever applied twice.
pub async fn forward(upstreams: &Upstreams, side: Side, outgoing: Outgoing<'_>) -> Response {
    let url = format!("{}{}", upstreams.base(side), outgoing.path_and_query);
    let mut headers = end_to_end(outgoing.headers);
    if let Some(value) = outgoing
        .client_address
        .as_deref()
        .and_then(|a| HeaderValue::from_str(a).ok())
    {
        headers.insert(HeaderName::from_static(FORWARDED_FOR), value);
    }
    let send = || {
        upstreams
            .client
            .request(outgoing.method.clone(), &url)
            .headers(headers.clone())
            .body(outgoing.body.clone())
            .send()
    };
    let answer = match send().await {
        Err(error) if error.is_connect() || (side == Side::Query && !error.is_timeout()) => {
            tracing::warn!(side = side.as_str(), %error, "side unreachable; trying once more");
            send().await
        }
        other => other,
    };
    match answer {
        Ok(answer) => relay(answer).await,
        Err(error) => unavailable(side, &error),
    }
}

async fn relay(answer: reqwest::Response) -> Response {
    let status = answer.status();
    let headers = end_to_end(answer.headers());
    match answer.bytes().await {
        Ok(body) => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = status;
            *response.headers_mut() = headers;
            response
        }
        Err(error) => graphql_error(
            StatusCode::BAD_GATEWAY,
            "UPSTREAM_UNAVAILABLE",
            &format!("the answer was cut off: {error}"),
        ),
    }
}

fn unavailable(side: Side, error: &reqwest::Error) -> Response {
    tracing::warn!(side = side.as_str(), %error, "forwarding failed");
    if error.is_timeout() {
        graphql_error(
            StatusCode::GATEWAY_TIMEOUT,
            "UPSTREAM_TIMEOUT",
            &format!("the {} side did not answer in time", side.as_str()),
        )
    } else {
        graphql_error(
            StatusCode::BAD_GATEWAY,
            "UPSTREAM_UNAVAILABLE",
            &format!("the {} side is unavailable; try again", side.as_str()),
        )
    }
}

/// A GraphQL-shaped error, so clients handle it like any other.
pub fn graphql_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_and_forwarded_for_are_dropped() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("Bearer t"));
        headers.insert("x-request-id", HeaderValue::from_static("r1"));
        headers.insert("connection", HeaderValue::from_static("keep-alive"));
        headers.insert("host", HeaderValue::from_static("edge"));
        headers.insert(FORWARDED_FOR, HeaderValue::from_static("6.6.6.6"));
        let passed = end_to_end(&headers);
        assert_eq!(passed.len(), 2);
        assert_eq!(passed["authorization"], "Bearer t");
        assert_eq!(passed["x-request-id"], "r1");
    }
}
