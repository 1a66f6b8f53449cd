//! A scripted Ozon Seller API for tests: the project's own server, stateful enough to drive
//! publishing (an import task resolves after a number of polls, items fail with Ozon's text on
//! demand), prices and stocks item by item, the daily creation quota, and FBS and FBO postings. It checks
//! Ozon's documented limits itself (≤ 100 products an import, ≤ 1 000 prices and ≤ 100 stock
//! pairs a request, ≤ 80 stock requests a minute per account, a pair's stock at most once per
//! 30 s, a product's price at most 10 times an hour) and logs every request. Every request can
//! also be forwarded to a Prism mock of the official spec, which records each request that
//! breaks it (only the request's violations: some of the spec's own response examples break
//! its schema, which is Ozon's problem, not ours).

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the fake answered.
#[derive(Debug, Clone)]
pub struct Logged {
    pub at: Instant,
    /// The `Api-Key` header: which seller account sent it.
    pub api_key: String,
    pub client_id: String,
    pub path: String,
    pub status: u16,
    pub body: Value,
}

#[derive(Debug, Clone)]
struct Product {
    product_id: u64,
    /// Import tasks that named it.
    imports: u32,
}

#[derive(Debug, Clone)]
struct Task {
    /// (offer id, failure text when it fails).
    items: Vec<(String, Option<String>)>,
    polls: u32,
}

#[derive(Default)]
struct FakeState {
    log: Vec<Logged>,
    faults: HashMap<String, VecDeque<(u16, Value)>>,
    /// Keys answered 401.
    expired_keys: Vec<String>,
    products: BTreeMap<String, Product>,
    next_product: u64,
    tasks: HashMap<u64, Task>,
    next_task: u64,
    /// Polls of `/v1/product/import/info` a task answers `pending` before its outcome.
    pending_polls: u32,
    /// Offer ids whose import fails, with Ozon's text.
    failing_imports: HashMap<String, String>,
    /// New products that may still be created today.
    create_left: Option<i64>,
    /// Required attributes of every category: (id, name).
    required_attributes: Vec<(u64, String)>,
    /// The latest price per offer id: (price, old_price).
    prices: HashMap<String, (String, String)>,
    /// When each offer id's price was set, for the hourly cap.
    price_times: HashMap<String, Vec<Instant>>,
    /// The window of the cap of 10 prices (an hour; shorter where a test runs paces faster).
    price_window: Option<Duration>,
    stocks: HashMap<(u64, u64), i64>,
    stock_times: HashMap<(u64, u64), Instant>,
    /// FBS and FBO postings, served whatever the filter (a page by offset).
    fbs_postings: Vec<Value>,
    fbo_postings: Vec<Value>,
    /// Breaches of Ozon's documented limits.
    breaches: Vec<String>,
    prism: Option<String>,
    violations: Vec<String>,
}

#[derive(Clone)]
pub struct OzonFake {
    pub address: SocketAddr,
    state: Arc<Mutex<FakeState>>,
    forward: reqwest::Client,
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

async fn handle(State(fake): State<OzonFake>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let arrived = Instant::now();
    let path = uri.path().to_owned();
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let api_key = header(&headers, "api-key");
    let client_id = header(&headers, "client-id");
    let prism = fake.state.lock().unwrap().prism.clone();
    if let Some(prism) = prism {
        let mut forwarded = fake.forward.post(format!("{prism}{uri}"));
        for name in ["client-id", "api-key", "content-type"] {
            if let Some(value) = headers.get(name) {
                forwarded = forwarded.header(name, value.clone());
            }
        }
        if !body.is_empty() {
            forwarded = forwarded.body(body.to_vec());
        }
        if let Ok(answer) = forwarded.send().await
            && let Some(violations) = answer.headers().get("sl-violations")
        {
            let all: Vec<Value> = serde_json::from_slice(violations.as_bytes()).unwrap_or_default();
            let of_request: Vec<&Value> = all.iter().filter(|v| v["location"][0] == "request").collect();
            if !of_request.is_empty() {
                let text = format!("POST {path}: {}", json!(of_request));
                fake.state.lock().unwrap().violations.push(text);
            }
        }
    }
    let mut state = fake.state.lock().unwrap();
    let (status, answer) = state.answer(&path, &api_key, &request, arrived);
    state.log.push(Logged {
        at: arrived,
        api_key,
        client_id,
        path,
        status,
        body: request,
    });
    (StatusCode::from_u16(status).unwrap(), axum::Json(answer)).into_response()
}

/// The page a request's `offset` and `limit` ask for, and whether more follow.
fn page_of(postings: &[Value], request: &Value) -> (Vec<Value>, bool) {
    let offset = request["offset"].as_u64().unwrap_or(0) as usize;
    let limit = request["limit"].as_u64().unwrap_or(1000) as usize;
    let page: Vec<Value> = postings.iter().skip(offset).take(limit).cloned().collect();
    let more = offset + page.len() < postings.len();
    (page, more)
}

fn rpc_error(code: i64, message: &str) -> Value {
    json!({ "code": code, "message": message, "details": [] })
}

impl FakeState {
    fn answer(&mut self, path: &str, api_key: &str, request: &Value, now: Instant) -> (u16, Value) {
        if let Some((status, body)) = self.faults.get_mut(path).and_then(VecDeque::pop_front) {
            return (status, body);
        }
        if api_key.is_empty() || self.expired_keys.iter().any(|k| k == api_key) {
            return (
                401,
                rpc_error(16, "Invalid Api-Key, please check the key and try again"),
            );
        }
        match path {
            "/v1/warehouse/list" => (
                200,
                json!({ "result": [{ "warehouse_id": 22_142_605_386_000u64, "name": "Склад FBS", "status": "created" }] }),
            ),
            "/v4/product/info/limit" => {
                let left = self.create_left.unwrap_or(10_000);
                let quota = |limit: i64, usage: i64| json!({ "limit": limit, "usage": usage, "reset_at": "2026-12-05T00:00:00Z" });
                (
                    200,
                    json!({ "daily_create": quota(left.max(0) + 5, 5), "daily_update": quota(10_000, 0),
                            "total": { "limit": 100_000, "usage": self.products.len() } }),
                )
            }
            "/v1/description-category/attribute" => {
                let mut attributes: Vec<Value> = self
                    .required_attributes
                    .iter()
                    .map(|(id, name)| json!({ "id": id, "name": name, "is_required": true, "type": "String" }))
                    .collect();
                attributes.push(json!({ "id": 4191, "name": "Аннотация", "is_required": false, "type": "String" }));
                (200, json!({ "result": attributes }))
            }
            "/v3/product/import" => self.import(request),
            "/v1/product/import/info" => {
                let Some(task) = request["task_id"].as_u64().and_then(|t| self.tasks.get_mut(&t)) else {
                    return (404, rpc_error(5, "task not found"));
                };
                task.polls += 1;
                let pending = task.polls <= self.pending_polls;
                let items: Vec<Value> = task
                    .items
                    .iter()
                    .map(|(offer, failure)| {
                        let product_id = self.products.get(offer).map_or(0, |p| p.product_id);
                        match (pending, failure) {
                            (true, _) => json!({ "offer_id": offer, "product_id": 0, "status": "pending", "errors": [] }),
                            (false, None) => json!({ "offer_id": offer, "product_id": product_id, "status": "imported", "errors": [] }),
                            (false, Some(text)) => json!({ "offer_id": offer, "product_id": 0, "status": "failed",
                                "errors": [{ "code": "attribute_values_out_of_range", "level": "error", "state": "",
                                             "field": "", "attribute_id": 0, "attribute_name": "", "message": "", "description": text }] }),
                        }
                    })
                    .collect();
                let total = items.len();
                (200, json!({ "result": { "items": items, "total": total } }))
            }
            "/v3/product/info/list" => {
                let items: Vec<Value> = request["offer_id"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|o| {
                        let offer = o.as_str()?;
                        let product = self.products.get(offer)?;
                        Some(json!({ "id": product.product_id, "offer_id": offer }))
                    })
                    .collect();
                (200, json!({ "items": items }))
            }
            "/v1/product/import/prices" => self.prices(request, now),
            "/v3/posting/fbs/list" => {
                let (page, more) = page_of(&self.fbs_postings, request);
                (200, json!({ "result": { "postings": page, "has_next": more } }))
            }
            "/v2/posting/fbo/list" => (200, json!({ "result": page_of(&self.fbo_postings, request).0 })),
            "/v2/products/stocks" => self.stocks(api_key, request, now),
            _ => (404, rpc_error(5, "not found")),
        }
    }

    fn import(&mut self, request: &Value) -> (u16, Value) {
        let items = request["items"].as_array().cloned().unwrap_or_default();
        if items.len() > 100 {
            self.breaches.push(format!("an import of {} products", items.len()));
        }
        let mut task = Task {
            items: vec![],
            polls: 0,
        };
        for item in &items {
            let offer = item["offer_id"].as_str().unwrap_or_default().to_owned();
            if let Some(text) = self.failing_imports.get(&offer) {
                task.items.push((offer, Some(text.clone())));
                continue;
            }
            let is_new = !self.products.contains_key(&offer);
            if is_new {
                if let Some(left) = self.create_left.as_mut() {
                    if *left <= 0 {
                        task.items.push((offer, Some("item_limit_exceeded".into())));
                        self.breaches.push("an import past the daily quota".into());
                        continue;
                    }
                    *left -= 1;
                }
                self.next_product += 1;
            }
            let product_id = 300_000_000 + self.next_product;
            self.products
                .entry(offer.clone())
                .or_insert(Product { product_id, imports: 0 })
                .imports += 1;
            task.items.push((offer, None));
        }
        self.next_task += 1;
        let task_id = 172_549_000 + self.next_task;
        self.tasks.insert(task_id, task);
        (200, json!({ "result": { "task_id": task_id } }))
    }

    fn prices(&mut self, request: &Value, now: Instant) -> (u16, Value) {
        let prices = request["prices"].as_array().cloned().unwrap_or_default();
        if prices.len() > 1000 {
            self.breaches.push(format!("{} prices in one request", prices.len()));
        }
        let result: Vec<Value> = prices
            .iter()
            .map(|p| {
                let offer = p["offer_id"].as_str().unwrap_or_default().to_owned();
                let Some(product) = self.products.get(&offer) else {
                    return json!({ "offer_id": offer, "product_id": 0, "updated": false,
                                   "errors": [{ "code": "NOT_FOUND_ERROR", "message": "product not found" }] });
                };
                let window = self.price_window.unwrap_or(Duration::from_secs(3600));
                let times = self.price_times.entry(offer.clone()).or_default();
                times.retain(|at| now.duration_since(*at) < window);
                if times.len() >= 10 {
                    self.breaches
                        .push(format!("an 11th price of {offer} within {window:?}"));
                }
                times.push(now);
                let price = p["price"].as_str().unwrap_or_default().to_owned();
                let old_price = p["old_price"].as_str().unwrap_or_default().to_owned();
                self.prices.insert(offer.clone(), (price, old_price));
                json!({ "offer_id": offer, "product_id": product.product_id, "updated": true, "errors": [] })
            })
            .collect();
        (200, json!({ "result": result }))
    }

    fn stocks(&mut self, api_key: &str, request: &Value, now: Instant) -> (u16, Value) {
        let stocks = request["stocks"].as_array().cloned().unwrap_or_default();
        if stocks.len() > 100 {
            self.breaches
                .push(format!("{} stock pairs in one request", stocks.len()));
        }
        let minute_ago = now.checked_sub(Duration::from_secs(60));
        let recent = self
            .log
            .iter()
            .filter(|l| l.path == "/v2/products/stocks" && l.api_key == api_key)
            .filter(|l| minute_ago.is_none_or(|m| l.at > m))
            .count();
        if recent >= 80 {
            self.breaches.push("an 81st stock request within a minute".into());
        }
        let result: Vec<Value> = stocks
            .iter()
            .map(|s| {
                let product = s["product_id"].as_u64().unwrap_or(0);
                let warehouse = s["warehouse_id"].as_u64().unwrap_or(0);
                let offer = s["offer_id"].as_str().unwrap_or_default();
                if let Some(at) = self.stock_times.get(&(product, warehouse))
                    && now.duration_since(*at) < Duration::from_secs(30)
                {
                    self.breaches.push(format!("the stock of {offer} on {warehouse} twice within 30 s"));
                    return json!({ "offer_id": offer, "product_id": product, "warehouse_id": warehouse, "updated": false,
                                   "errors": [{ "code": "TOO_MANY_REQUESTS", "message": "too many requests" }] });
                }
                self.stock_times.insert((product, warehouse), now);
                self.stocks.insert((product, warehouse), s["stock"].as_i64().unwrap_or(0));
                json!({ "offer_id": offer, "product_id": product, "warehouse_id": warehouse, "updated": true, "errors": [] })
            })
            .collect();
        (200, json!({ "result": result }))
    }
}

impl OzonFake {
    pub async fn start() -> Self {
        let fake = Self {
            address: "127.0.0.1:0".parse().unwrap(),
            state: Arc::new(Mutex::new(FakeState {
                required_attributes: vec![(85, "Бренд".into()), (8229, "Тип".into())],
                ..FakeState::default()
            })),
            forward: reqwest::Client::new(),
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

    /// Also send every request to a Prism mock of Ozon's spec, recording its violations.
    pub fn validate_with(&self, prism: &str) {
        self.state.lock().unwrap().prism = Some(prism.to_owned());
    }

    pub fn violations(&self) -> Vec<String> {
        self.state.lock().unwrap().violations.clone()
    }

    /// Breaches of Ozon's documented limits the fake saw.
    pub fn breaches(&self) -> Vec<String> {
        self.state.lock().unwrap().breaches.clone()
    }

    pub fn fail_next(&self, path: &str, status: u16, body: Value) {
        let mut state = self.state.lock().unwrap();
        state
            .faults
            .entry(path.to_owned())
            .or_default()
            .push_back((status, body));
    }

    pub fn expire_key(&self, key: &str) {
        self.state.lock().unwrap().expired_keys.push(key.to_owned());
    }

    pub fn set_pending_polls(&self, polls: u32) {
        self.state.lock().unwrap().pending_polls = polls;
    }

    pub fn fail_import(&self, offer_id: &str, text: &str) {
        let mut state = self.state.lock().unwrap();
        state.failing_imports.insert(offer_id.to_owned(), text.to_owned());
    }

    pub fn set_create_quota(&self, left: i64) {
        self.state.lock().unwrap().create_left = Some(left);
    }

    pub fn set_required_attributes(&self, attributes: &[(u64, &str)]) {
        self.state.lock().unwrap().required_attributes =
            attributes.iter().map(|(id, n)| (*id, (*n).to_owned())).collect();
    }

    pub fn set_price_window(&self, window: Duration) {
        self.state.lock().unwrap().price_window = Some(window);
    }

    /// How many prices each offer id was sent.
    pub fn prices_sent(&self, offer_id: &str) -> usize {
        self.requests_to("/v1/product/import/prices")
            .iter()
            .flat_map(|l| l.body["prices"].as_array().cloned().unwrap_or_default())
            .filter(|p| p["offer_id"] == offer_id)
            .count()
    }

    /// Products that exist on Ozon already (imported before the test), by offer id.
    pub fn know_products(&self, products: impl IntoIterator<Item = (String, u64)>) {
        let mut state = self.state.lock().unwrap();
        for (offer_id, product_id) in products {
            state.products.insert(offer_id, Product { product_id, imports: 0 });
        }
    }

    /// A posting on the seller's own warehouse (FBS) or Ozon's (FBO).
    pub fn add_posting(&self, fbo: bool, posting: Value) {
        let mut state = self.state.lock().unwrap();
        if fbo {
            state.fbo_postings.push(posting);
        } else {
            state.fbs_postings.push(posting);
        }
    }

    pub fn log(&self) -> Vec<Logged> {
        self.state.lock().unwrap().log.clone()
    }

    pub fn requests_to(&self, path: &str) -> Vec<Logged> {
        self.log().into_iter().filter(|l| l.path == path).collect()
    }

    pub fn product_id_of(&self, offer_id: &str) -> Option<u64> {
        self.state.lock().unwrap().products.get(offer_id).map(|p| p.product_id)
    }

    /// How many imports named each offer id.
    pub fn imports_by_offer_id(&self) -> HashMap<String, u32> {
        let state = self.state.lock().unwrap();
        state.products.iter().map(|(o, p)| (o.clone(), p.imports)).collect()
    }

    /// The live (price, old_price) of an offer id.
    pub fn price_of(&self, offer_id: &str) -> Option<(String, String)> {
        self.state.lock().unwrap().prices.get(offer_id).cloned()
    }

    pub fn stocks(&self) -> HashMap<(u64, u64), i64> {
        self.state.lock().unwrap().stocks.clone()
    }
}
