//! Redirects cannot lead a feed download inside the network (issue 16, point 11): the first
//! hop is a name pinned to a local server (as a public supplier would be), which redirects to a
//! loopback address literal or to a name that resolves to one.

use gomarket_infra::supplier::import::feed_policy::{FeedPolicy, PolicyRefusal};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// Answers `/ok` with 200, `/to-literal` and `/to-name` with redirects inside.
async fn server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut request = vec![0u8; 4096];
                let read = stream.read(&mut request).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&request[..read]).into_owned();
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let port = address.port();
                let response = match path.as_str() {
                    "/to-literal" => format!(
                        "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{port}/ok\r\nContent-Length: 0\r\n\r\n"
                    ),
                    "/to-name" => format!(
                        "HTTP/1.1 302 Found\r\nLocation: http://localhost:{port}/ok\r\nContent-Length: 0\r\n\r\n"
                    ),
                    _ => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_owned(),
                };
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    address
}

#[tokio::test]
async fn redirects_into_the_network_are_refused() {
    let address = server().await;
    let policy = FeedPolicy::default();
    let client = policy
        .client(reqwest::Client::builder().resolve("supplier.test", address))
        .unwrap();
    let base = format!("http://supplier.test:{}", address.port());
    let ok = client.get(format!("{base}/ok")).send().await.unwrap();
    assert_eq!(ok.status(), 200, "the pinned first hop is reachable");
    for path in ["/to-literal", "/to-name"] {
        let error = client.get(format!("{base}{path}")).send().await.unwrap_err();
        let refusal = PolicyRefusal::found_in(&error).unwrap_or_else(|| panic!("{path}: not the policy: {error:?}"));
        assert!(matches!(refusal, PolicyRefusal::PrivateAddress(_)), "{path}: {refusal}");
    }
    // Allowed explicitly, the same redirects are followed.
    let open = FeedPolicy::unrestricted()
        .client(reqwest::Client::builder().resolve("supplier.test", address))
        .unwrap();
    let followed = open.get(format!("{base}/to-name")).send().await.unwrap();
    assert_eq!(followed.status(), 200);
}
