//! A scripted Wildberries statistics API for the sales ingest: orders, sales and stocks rows,
//! each with a `lastChangeDate` (Moscow time, no zone, as the real reports write it), served
//! like the real reports — the rows changed at or after `dateFrom`, oldest change first, at
//! most `page_size` a page, `[]` at the end — with a log of every request and a 429 on demand.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDateTime;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One request the fake answered.
#[derive(Debug, Clone)]
pub struct Asked {
    pub path: String,
    pub date_from: String,
    pub at: Instant,
    pub status: u16,
    pub rows: usize,
}

#[derive(Default)]
struct Reports {
    rows: HashMap<String, Vec<Value>>,
    page_size: usize,
    log: Vec<Asked>,
    /// Paths whose next request is answered 429 with this `X-Ratelimit-Retry`.
    rate_limited: HashMap<String, u64>,
}

#[derive(Clone)]
pub struct SalesFake {
    pub address: SocketAddr,
    state: Arc<Mutex<Reports>>,
}

pub const ORDERS: &str = "/api/v1/supplier/orders";
pub const SALES: &str = "/api/v1/supplier/sales";
pub const STOCKS: &str = "/api/v1/supplier/stocks";
/// The tariffs API's commission table: its rows are answered whole, as `{"report": rows}`.
pub const COMMISSION: &str = "/api/v1/tariffs/commission";
/// The analytics API's stock history report (POST): its rows are answered by the body's
/// `offset` and `limit`, as `{"data": {"items": rows}}`.
pub const STOCK_HISTORY: &str = "/api/v2/stocks-report/products/products";

/// A report time as the reports write it, or a `dateFrom` with a zone (the time it names in
/// Moscow).
fn moscow(text: &str) -> Option<NaiveDateTime> {
    if let Ok(zoned) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some((zoned.with_timezone(&chrono::Utc) + chrono::Duration::hours(3)).naive_utc());
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()?
                .and_hms_opt(0, 0, 0)
        })
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn handle(State(fake): State<SalesFake>, uri: Uri, body: axum::body::Bytes) -> Response {
    let at = Instant::now();
    let path = uri.path().to_owned();
    let date_from = uri
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("dateFrom="))
        .map(percent_decoded)
        .unwrap_or_default();
    let mut state = fake.state.lock().unwrap();
    if let Some(seconds) = state.rate_limited.remove(&path) {
        state.log.push(Asked {
            path,
            date_from,
            at,
            status: 429,
            rows: 0,
        });
        let mut response = (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(json!({"title": "too many requests", "status": 429})),
        )
            .into_response();
        response
            .headers_mut()
            .insert("X-Ratelimit-Retry", seconds.to_string().parse().unwrap());
        return response;
    }
    if path == STOCK_HISTORY {
        let asked: Value = serde_json::from_slice(&body).unwrap_or_default();
        let offset = asked["offset"].as_u64().unwrap_or(0) as usize;
        let limit = asked["limit"].as_u64().unwrap_or(100) as usize;
        let items: Vec<Value> = state
            .rows
            .get(STOCK_HISTORY)
            .map(|rows| rows.iter().skip(offset).take(limit).cloned().collect())
            .unwrap_or_default();
        state.log.push(Asked {
            path,
            date_from: asked["currentPeriod"]["start"].as_str().unwrap_or_default().to_owned(),
            at,
            status: 200,
            rows: items.len(),
        });
        return axum::Json(json!({ "data": { "items": items } })).into_response();
    }
    if path == COMMISSION {
        let report = state.rows.get(COMMISSION).cloned().unwrap_or_default();
        state.log.push(Asked {
            path,
            date_from,
            at,
            status: 200,
            rows: report.len(),
        });
        return axum::Json(json!({ "report": report })).into_response();
    }
    let Some(from) = moscow(&date_from) else {
        state.log.push(Asked {
            path,
            date_from,
            at,
            status: 400,
            rows: 0,
        });
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"errors": ["dateFrom: invalid"]})),
        )
            .into_response();
    };
    let page_size = state.page_size;
    let rows = state.rows.get(&path).cloned().unwrap_or_default();
    let mut changed: Vec<Value> = rows
        .into_iter()
        .filter(|row| {
            row["lastChangeDate"]
                .as_str()
                .and_then(moscow)
                .is_some_and(|changed| changed >= from)
        })
        .collect();
    changed.sort_by_key(|row| row["lastChangeDate"].as_str().and_then(moscow));
    changed.truncate(page_size);
    state.log.push(Asked {
        path,
        date_from,
        at,
        status: 200,
        rows: changed.len(),
    });
    axum::Json(Value::Array(changed)).into_response()
}

impl SalesFake {
    pub async fn start(page_size: usize) -> Self {
        let fake = Self {
            address: "127.0.0.1:0".parse().unwrap(),
            state: Arc::new(Mutex::new(Reports {
                page_size,
                ..Reports::default()
            })),
        };
        let router = Router::new().fallback(handle).with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self { address, ..fake }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Replaces the rows of a report (`ORDERS`, `SALES`, `STOCKS`).
    pub fn set_rows(&self, path: &str, rows: Vec<Value>) {
        self.state.lock().unwrap().rows.insert(path.to_owned(), rows);
    }

    /// Changes the rows of a report in place.
    pub fn edit_rows(&self, path: &str, edit: impl FnOnce(&mut Vec<Value>)) {
        edit(self.state.lock().unwrap().rows.entry(path.to_owned()).or_default());
    }

    /// Answers the next request of `path` 429 with `X-Ratelimit-Retry: seconds`.
    pub fn rate_limit_next(&self, path: &str, seconds: u64) {
        self.state.lock().unwrap().rate_limited.insert(path.to_owned(), seconds);
    }

    /// Every request of `path` so far.
    pub fn asked(&self, path: &str) -> Vec<Asked> {
        self.state
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|a| a.path == path)
            .cloned()
            .collect()
    }
}
