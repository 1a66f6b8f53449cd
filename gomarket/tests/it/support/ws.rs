//! A graphql-transport-ws client for tests: connect, `connection_init` with a payload,
//! subscribe, read messages.

use futures::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{Message, http::HeaderValue};

pub type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next JSON message, or `{"closed": <reason>}` when the server closed the connection.
pub async fn next_message(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(15), socket.next())
            .await
            .expect("a websocket message within 15 s");
        match message {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).expect("JSON message"),
            Some(Ok(Message::Close(frame))) => {
                return json!({ "closed": frame.map(|f| f.reason.to_string()).unwrap_or_default() });
            }
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return json!({ "closed": "" }),
        }
    }
}

/// Connects and sends `connection_init` with `payload`; the socket and the server's answer
/// (`connection_ack`, or `{"closed": ...}`).
pub async fn connect(address: std::net::SocketAddr, payload: Value) -> (Socket, Value) {
    let mut request = format!("ws://{address}/graphql/ws").into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket connects");
    let init = json!({ "type": "connection_init", "payload": payload });
    socket.send(Message::text(init.to_string())).await.unwrap();
    let answer = next_message(&mut socket).await;
    (socket, answer)
}

/// Starts subscription `id` with `query`.
pub async fn subscribe(socket: &mut Socket, id: &str, query: &str, variables: Value) {
    let message = json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } });
    socket.send(Message::text(message.to_string())).await.unwrap();
}

/// The error codes of a `next` (payload errors) or `error` (payload is the errors) message.
pub fn error_codes(message: &Value) -> Vec<String> {
    let errors = match message["type"].as_str() {
        Some("next") => &message["payload"]["errors"],
        Some("error") => &message["payload"],
        _ => return vec![],
    };
    super::codes_of(errors)
}
