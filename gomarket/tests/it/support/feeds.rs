//! A local HTTP server for supplier feeds: a feed that can be replaced between imports, the
//! same feed with `ETag`/`Last-Modified` and 304 answers, one that fails with 500 a given
//! number of times first, and one whose body never ends.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Shared {
    feed: Arc<Mutex<Vec<u8>>>,
    failures_left: Arc<AtomicUsize>,
    hits: Arc<AtomicUsize>,
    not_modified: Arc<AtomicUsize>,
}

pub struct FeedServer {
    pub address: SocketAddr,
    shared: Shared,
}

async fn feed(State(shared): State<Shared>) -> Response {
    shared.hits.fetch_add(1, Ordering::SeqCst);
    shared.feed.lock().unwrap().clone().into_response()
}

/// The feed with validators: its ETag is a digest of the bytes, its Last-Modified a fixed
/// date; a request carrying the current ETag (or, without one, that date) gets 304.
async fn tagged(State(shared): State<Shared>, headers: axum::http::HeaderMap) -> Response {
    const LAST_MODIFIED: &str = "Tue, 24 Nov 2026 10:00:00 GMT";
    shared.hits.fetch_add(1, Ordering::SeqCst);
    let body = shared.feed.lock().unwrap().clone();
    let etag = format!("\"{:016x}\"", fnv1a(&body));
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
    };
    let unchanged = match header("if-none-match") {
        Some(sent) => sent == etag,
        None => header("if-modified-since") == Some(LAST_MODIFIED),
    };
    if unchanged {
        shared.not_modified.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::NOT_MODIFIED, [("etag", etag)]).into_response();
    }
    ([("etag", etag.as_str()), ("last-modified", LAST_MODIFIED)], body).into_response()
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

async fn flaky(State(shared): State<Shared>) -> Response {
    shared.hits.fetch_add(1, Ordering::SeqCst);
    let left = shared.failures_left.load(Ordering::SeqCst);
    if left > 0 {
        shared.failures_left.store(left - 1, Ordering::SeqCst);
        return (StatusCode::INTERNAL_SERVER_ERROR, "try later").into_response();
    }
    shared.feed.lock().unwrap().clone().into_response()
}

async fn endless() -> Response {
    let chunk = bytes_of_junk();
    let stream = futures::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
    Body::from_stream(stream).into_response()
}

fn bytes_of_junk() -> axum::body::Bytes {
    axum::body::Bytes::from(vec![b' '; 64 * 1024])
}

async fn html() -> Response {
    (
        [("content-type", "text/html")],
        "<!DOCTYPE html><html><body><h1>Каталог временно недоступен</h1></body></html>",
    )
        .into_response()
}

impl FeedServer {
    pub async fn start() -> Self {
        let shared = Shared::default();
        let router = Router::new()
            .route("/feed.yml", get(feed))
            .route("/tagged.yml", get(tagged))
            .route("/flaky.yml", get(flaky))
            .route("/endless.yml", get(endless))
            .route("/page.html", get(html))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self { address, shared }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn set_feed(&self, bytes: Vec<u8>) {
        *self.shared.feed.lock().unwrap() = bytes;
    }

    pub fn fail_next(&self, times: usize) {
        self.shared.failures_left.store(times, Ordering::SeqCst);
    }

    pub fn hits(&self) -> usize {
        self.shared.hits.load(Ordering::SeqCst)
    }

    /// How many requests got 304 Not Modified.
    pub fn not_modified(&self) -> usize {
        self.shared.not_modified.load(Ordering::SeqCst)
    }
}
