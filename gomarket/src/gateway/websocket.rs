//! Subscriptions through the gateway: the client's websocket is bridged, message for message,
//! to one on the query side, speaking the protocol the client asked for.

use super::forward::{FORWARDED_FOR, end_to_end, graphql_error};
use axum::extract::ws::{self, WebSocket};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use futures::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest as _};

/// The GraphQL websocket protocols the query side speaks, in order of preference.
const PROTOCOLS: [&str; 2] = ["graphql-transport-ws", "graphql-ws"];

/// The first protocol the client offers that the query side speaks.
fn chosen_protocol(headers: &HeaderMap) -> Option<&'static str> {
    let offered = headers.get(header::SEC_WEBSOCKET_PROTOCOL)?.to_str().ok()?;
    offered
        .split(',')
        .map(str::trim)
        .find_map(|offer| PROTOCOLS.into_iter().find(|known| *known == offer))
}

type Upstream = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the query side's websocket first, so a client is only upgraded when its
/// subscriptions can be served.
pub async fn bridge(
    upgrade: ws::WebSocketUpgrade,
    query_base: &str,
    headers: &HeaderMap,
    client_address: Option<String>,
) -> Response {
    let protocol = chosen_protocol(headers).unwrap_or(PROTOCOLS[0]);
    let url = format!("ws{}/graphql/ws", query_base.trim_start_matches("http"));
    let mut request = match url.as_str().into_client_request() {
        Ok(request) => request,
        Err(error) => {
            return graphql_error(StatusCode::BAD_GATEWAY, "UPSTREAM_UNAVAILABLE", &error.to_string());
        }
    };
    for (name, value) in &end_to_end(headers) {
        // The handshake's own headers are the client library's to set.
        if !name.as_str().starts_with("sec-websocket-") {
            request.headers_mut().insert(name.clone(), value.clone());
        }
    }
    request
        .headers_mut()
        .insert(header::SEC_WEBSOCKET_PROTOCOL, HeaderValue::from_static(protocol));
    if let Some(value) = client_address.and_then(|a| HeaderValue::from_str(&a).ok()) {
        request.headers_mut().insert(FORWARDED_FOR, value);
    }
    let upstream = match tokio_tungstenite::connect_async(request).await {
        Ok((upstream, _)) => upstream,
        Err(error) => {
            tracing::warn!(%error, "query side websocket unreachable");
            return graphql_error(
                StatusCode::BAD_GATEWAY,
                "UPSTREAM_UNAVAILABLE",
                "the query side is unavailable; try again",
            );
        }
    };
    upgrade
        .protocols([protocol])
        .on_upgrade(move |client| pump(client, upstream))
}

/// Passes data and close frames both ways until either end closes; pings are answered by
/// each connection itself.
async fn pump(client: WebSocket, upstream: Upstream) {
    let (mut to_client, mut from_client) = client.split();
    let (mut to_upstream, mut from_upstream) = upstream.split();
    let client_to_upstream = async {
        while let Some(Ok(message)) = from_client.next().await {
            let message = match message {
                ws::Message::Text(text) => tungstenite::Message::text(text.as_str()),
                ws::Message::Binary(data) => tungstenite::Message::binary(data),
                ws::Message::Close(_) => break,
                ws::Message::Ping(_) | ws::Message::Pong(_) => continue,
            };
            if to_upstream.send(message).await.is_err() {
                break;
            }
        }
        let _ = to_upstream.close().await;
    };
    let upstream_to_client = async {
        while let Some(Ok(message)) = from_upstream.next().await {
            let message = match message {
                tungstenite::Message::Text(text) => ws::Message::Text(text.as_str().into()),
                tungstenite::Message::Binary(data) => ws::Message::Binary(data),
                tungstenite::Message::Close(frame) => {
                    let frame = frame.map(|f| ws::CloseFrame {
                        code: f.code.into(),
                        reason: f.reason.as_str().into(),
                    });
                    let _ = to_client.send(ws::Message::Close(frame)).await;
                    break;
                }
                _ => continue,
            };
            if to_client.send(message).await.is_err() {
                break;
            }
        }
        let _ = to_client.close().await;
    };
    // When either direction ends, the other is dropped with it.
    tokio::select! {
        () = client_to_upstream => {}
        () = upstream_to_client => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clients_first_known_protocol_is_chosen() {
        let mut headers = HeaderMap::new();
        assert_eq!(chosen_protocol(&headers), None);
        headers.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static("x, graphql-ws"),
        );
        assert_eq!(chosen_protocol(&headers), Some("graphql-ws"));
        headers.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static("graphql-ws, graphql-transport-ws"),
        );
        assert_eq!(chosen_protocol(&headers), Some("graphql-ws"));
    }
}
