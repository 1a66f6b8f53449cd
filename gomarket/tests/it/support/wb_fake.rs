//! A scripted Wildberries for tests: the project's own server, stateful enough to drive the
//! whole publishing flow (cards appear after a number of polls, price tasks settle with
//! per-item errors, stocks are kept by chrtId), with faults on demand (429 with
//! `X-Ratelimit-Retry`, 5xx, 401) and a log of every request with its time and limit group.
//! Every request can also be forwarded to a Prism mock of the official spec, which records
//! each request that breaks the spec.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The limit groups of Wildberries, as the fake counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    CardsWrite,
    CardErrors,
    Content,
    Prices,
    Marketplace,
    Ping,
}

impl Group {
    fn of(path: &str) -> Self {
        match path {
            "/content/v2/cards/upload" | "/content/v2/cards/update" => Self::CardsWrite,
            "/content/v2/cards/error/list" => Self::CardErrors,
            "/ping" => Self::Ping,
            p if p.starts_with("/content/") => Self::Content,
            p if p.starts_with("/api/v2/") => Self::Prices,
            _ => Self::Marketplace,
        }
    }

    /// (interval, burst) as documented in NOTES.md.
    pub fn documented(self) -> (Duration, u32) {
        match self {
            Self::CardsWrite | Self::CardErrors => (Duration::from_secs(6), 5),
            Self::Content => (Duration::from_millis(600), 5),
            Self::Prices => (Duration::from_millis(600), 5),
            Self::Marketplace => (Duration::from_millis(200), 20),
            Self::Ping => (Duration::from_secs(10), 3),
        }
    }
}

/// One request the fake answered.
#[derive(Debug, Clone)]
pub struct Logged {
    /// When the request arrived.
    pub at: Instant,
    /// The `Authorization` header: which seller account sent it.
    pub token: String,
    pub path: String,
    pub group: Group,
    pub status: u16,
    pub body: Value,
}

/// A scripted answer, served instead of the normal one.
#[derive(Debug, Clone)]
pub struct Fault {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Fault {
    pub fn rate_limited(retry_seconds: u64) -> Self {
        Self {
            status: 429,
            headers: vec![
                ("X-Ratelimit-Retry".into(), retry_seconds.to_string()),
                ("X-Ratelimit-Reset".into(), retry_seconds.to_string()),
                ("X-Ratelimit-Limit".into(), "10".into()),
            ],
            body: json!({"title": "too many requests", "detail": "limited by global limiter", "status": 429}),
        }
    }

    pub fn unavailable() -> Self {
        Self {
            status: 503,
            headers: vec![],
            body: json!({"title": "service unavailable", "status": 503}),
        }
    }
}

#[derive(Debug, Clone)]
struct Card {
    nm_id: u64,
    chrt_id: u64,
    /// `cards/list` calls before the card shows.
    polls_left: u32,
    updated_at: String,
}

#[derive(Debug, Clone)]
struct Task {
    items: Vec<(u64, u64, u64)>,
}

#[derive(Default)]
struct FakeState {
    log: Vec<Logged>,
    faults: HashMap<String, VecDeque<Fault>>,
    /// Tokens answered 401.
    expired_tokens: Vec<String>,
    cards: BTreeMap<String, Card>,
    uploads_by_vendor_code: HashMap<String, u32>,
    /// Polls before a new card shows in `cards/list`.
    card_delay_polls: u32,
    /// How long a card upload takes to answer.
    upload_delay: Duration,
    /// Vendor codes whose drafts fail, with Wildberries' text.
    failing_drafts: HashMap<String, String>,
    failed_drafts: BTreeMap<String, String>,
    tasks: Vec<Task>,
    /// Vendor codes whose price fails, with Wildberries' text.
    failing_prices: HashMap<String, String>,
    prices: HashMap<u64, (u64, u64)>,
    stocks: HashMap<(u64, u64), u64>,
    next_nm: u64,
    /// Prism mocks of the official specs (products, general), for contract checks of every
    /// request.
    prism: Option<(String, String)>,
    violations: Vec<String>,
}

#[derive(Clone)]
pub struct WbFake {
    pub address: SocketAddr,
    state: Arc<Mutex<FakeState>>,
    forward: reqwest::Client,
}

fn respond(status: u16, headers: &[(String, String)], body: &Value) -> Response {
    let mut response = if body.is_null() {
        StatusCode::from_u16(status).unwrap().into_response()
    } else {
        (StatusCode::from_u16(status).unwrap(), axum::Json(body.clone())).into_response()
    };
    for (name, value) in headers {
        response.headers_mut().insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    response
}

async fn handle(State(fake): State<WbFake>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    // Rates are judged by when requests arrive, before the Prism forward or a scripted delay.
    let arrived = Instant::now();
    let path = uri.path().to_owned();
    let query: HashMap<String, String> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect();
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let prism = fake.state.lock().unwrap().prism.clone();
    if let Some((products, general)) = prism {
        let prism = if path == "/ping" { general } else { products };
        let mut forwarded = fake
            .forward
            .request(method.clone(), format!("{prism}{}", uri))
            .header("authorization", if token.is_empty() { "none" } else { token.as_str() });
        if !body.is_empty() {
            forwarded = forwarded.header("content-type", "application/json").body(body.to_vec());
        }
        if let Ok(answer) = forwarded.send().await
            && let Some(violations) = answer.headers().get("sl-violations")
        {
            let text = format!("{method} {path}: {}", violations.to_str().unwrap_or("?"));
            fake.state.lock().unwrap().violations.push(text);
        }
    }
    let delay = fake.state.lock().unwrap().upload_delay;
    if path == "/content/v2/cards/upload" && !delay.is_zero() {
        // A fixed wait: the simulated latency of a slow upload.
        tokio::time::sleep(delay).await;
    }
    let mut state = fake.state.lock().unwrap();
    let (status, headers, answer) = state.answer(&method, &path, &query, &token, &request);
    state.log.push(Logged {
        at: arrived,
        token: token.clone(),
        path: path.clone(),
        group: Group::of(&path),
        status,
        body: request,
    });
    respond(status, &headers, &answer)
}

impl FakeState {
    fn price_failure(&self, nm_id: u64) -> Option<String> {
        if self.failing_prices.is_empty() {
            return None;
        }
        let (code, _) = self.cards.iter().find(|(_, c)| c.nm_id == nm_id)?;
        self.failing_prices.get(code).cloned()
    }

    fn answer(
        &mut self,
        method: &Method,
        path: &str,
        query: &HashMap<String, String>,
        token: &str,
        request: &Value,
    ) -> (u16, Vec<(String, String)>, Value) {
        if let Some(fault) = self.faults.get_mut(path).and_then(VecDeque::pop_front) {
            return (fault.status, fault.headers, fault.body);
        }
        if token.is_empty() || self.expired_tokens.iter().any(|t| t == token) {
            return (
                401,
                vec![],
                json!({"title": "unauthorized", "detail": "token is expired", "code": "401", "status": 401}),
            );
        }
        let ok = json!({"data": null, "error": false, "errorText": "", "additionalErrors": null});
        match (method.as_str(), path) {
            ("GET", "/ping") => (200, vec![], json!({"TS": "2026-11-24T12:00:00+03:00", "Status": "OK"})),
            ("POST", "/content/v2/cards/upload") => {
                for card in request.as_array().into_iter().flatten() {
                    for variant in card["variants"].as_array().into_iter().flatten() {
                        let code = variant["vendorCode"].as_str().unwrap_or_default().to_owned();
                        *self.uploads_by_vendor_code.entry(code.clone()).or_default() += 1;
                        if let Some(text) = self.failing_drafts.get(&code) {
                            self.failed_drafts.insert(code, text.clone());
                            continue;
                        }
                        self.next_nm += 1;
                        let nm_id = 100_000_000 + self.next_nm;
                        self.cards.entry(code).or_insert(Card {
                            nm_id,
                            chrt_id: 500_000_000 + self.next_nm,
                            polls_left: self.card_delay_polls,
                            updated_at: format!("2026-11-24T12:00:{:02}.{:06}Z", self.next_nm % 60, self.next_nm),
                        });
                    }
                }
                (200, vec![], ok)
            }
            ("POST", "/content/v2/get/cards/list") => {
                let cursor = &request["settings"]["cursor"];
                let limit = cursor["limit"].as_u64().unwrap_or(100) as usize;
                let after = cursor["nmID"].as_u64().unwrap_or(0);
                for card in self.cards.values_mut() {
                    card.polls_left = card.polls_left.saturating_sub(1);
                }
                let mut visible: Vec<(&String, &Card)> = self
                    .cards
                    .iter()
                    .filter(|(_, c)| c.polls_left == 0 && c.nm_id > after)
                    .collect();
                visible.sort_by_key(|(_, c)| c.nm_id);
                let page: Vec<Value> = visible
                    .iter()
                    .take(limit)
                    .map(|(code, c)| {
                        json!({"nmID": c.nm_id, "imtID": c.nm_id, "vendorCode": code, "subjectID": 7771,
                               "sizes": [{"chrtID": c.chrt_id, "techSize": "0", "skus": []}],
                               "createdAt": c.updated_at, "updatedAt": c.updated_at})
                    })
                    .collect();
                let last = visible.get(visible.len().min(limit).wrapping_sub(1));
                let cursor = json!({
                    "updatedAt": last.map(|(_, c)| c.updated_at.clone()),
                    "nmID": last.map(|(_, c)| c.nm_id),
                    "total": page.len(),
                });
                (200, vec![], json!({"cards": page, "cursor": cursor}))
            }
            ("POST", "/content/v2/cards/error/list") => {
                let items: Vec<Value> = self
                    .failed_drafts
                    .iter()
                    .map(|(code, text)| {
                        json!({"batchUUID": "bca3744c-1c8b-4588-b345-62af3b2899ae", "subjects": {}, "brands": {},
                               "vendorCodes": [code], "errors": {code.clone(): [text]}})
                    })
                    .collect();
                (
                    200,
                    vec![],
                    json!({"data": {"items": items, "cursor": {"next": false, "updatedAt": "2026-11-24T12:00:00Z",
                           "batchUUID": "bca3744c-1c8b-4588-b345-62af3b2899ae"}},
                           "error": false, "errorText": "", "additionalErrors": null}),
                )
            }
            ("POST", "/api/v2/upload/task") => {
                let items: Vec<(u64, u64, u64)> = request["data"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|g| {
                        (
                            g["nmID"].as_u64().unwrap_or(0),
                            g["price"].as_u64().unwrap_or(0),
                            g["discount"].as_u64().unwrap_or(0),
                        )
                    })
                    .collect();
                if let Some(id) = self.tasks.iter().position(|t| t.items == items) {
                    return (
                        208,
                        vec![],
                        json!({"data": {"id": id + 1, "alreadyExists": true}, "error": false, "errorText": "This task already exists"}),
                    );
                }
                for (nm, price, discount) in &items {
                    if self.price_failure(*nm).is_none() {
                        self.prices.insert(*nm, (*price, *discount));
                    }
                }
                self.tasks.push(Task { items });
                let id = self.tasks.len();
                (
                    200,
                    vec![],
                    json!({"data": {"id": id, "alreadyExists": false}, "error": false, "errorText": ""}),
                )
            }
            ("GET", "/api/v2/history/tasks") => {
                let id: usize = query.get("uploadID").and_then(|v| v.parse().ok()).unwrap_or(0);
                let Some(task) = id.checked_sub(1).and_then(|i| self.tasks.get(i)) else {
                    return (200, vec![], json!({"data": null, "error": false, "errorText": ""}));
                };
                let failed = task
                    .items
                    .iter()
                    .filter(|(nm, ..)| self.price_failure(*nm).is_some())
                    .count();
                let status = match failed {
                    0 => 3,
                    n if n == task.items.len() => 6,
                    _ => 5,
                };
                (
                    200,
                    vec![],
                    json!({"data": {"uploadID": id, "status": status, "uploadDate": "2026-11-24T12:00:00+03:00",
                           "activationDate": "2026-11-24T12:00:00+03:00", "overAllGoodsNumber": task.items.len(),
                           "successGoodsNumber": task.items.len() - failed}, "error": false, "errorText": ""}),
                )
            }
            ("GET", "/api/v2/history/goods/task") => {
                let id: usize = query.get("uploadID").and_then(|v| v.parse().ok()).unwrap_or(0);
                let offset: usize = query.get("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
                let limit: usize = query.get("limit").and_then(|v| v.parse().ok()).unwrap_or(1000);
                let goods: Vec<Value> = id
                    .checked_sub(1)
                    .and_then(|i| self.tasks.get(i))
                    .map(|t| t.items.clone())
                    .unwrap_or_default()
                    .into_iter()
                    .skip(offset)
                    .take(limit)
                    .map(|(nm, price, discount)| {
                        let error = self.price_failure(nm).unwrap_or_default();
                        json!({"nmID": nm, "vendorCode": "", "sizeID": 0, "techSizeName": "0", "price": price,
                               "currencyIsoCode4217": "RUB", "discount": discount, "clubDiscount": 0,
                               "status": if error.is_empty() { 2 } else { 3 }, "errorText": error})
                    })
                    .collect();
                (
                    200,
                    vec![],
                    json!({"data": {"uploadID": id, "historyGoods": goods}, "error": false, "errorText": ""}),
                )
            }
            ("PUT", p) if p.starts_with("/api/v3/stocks/") => {
                let warehouse: u64 = p.trim_start_matches("/api/v3/stocks/").parse().unwrap_or(0);
                for s in request["stocks"].as_array().into_iter().flatten() {
                    let chrt = s["chrtId"].as_u64().unwrap_or(0);
                    self.stocks.insert((warehouse, chrt), s["amount"].as_u64().unwrap_or(0));
                }
                (204, vec![], Value::Null)
            }
            _ => (404, vec![], json!({"title": "not found", "status": 404})),
        }
    }
}

impl WbFake {
    pub async fn start() -> Self {
        let fake = Self {
            address: "127.0.0.1:0".parse().unwrap(),
            state: Arc::new(Mutex::new(FakeState::default())),
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

    /// Also send every request to Prism mocks of the official specs (`/ping` to the general
    /// one), recording their violations.
    pub fn validate_with(&self, products: &str, general: &str) {
        self.state.lock().unwrap().prism = Some((products.to_owned(), general.to_owned()));
    }

    pub fn violations(&self) -> Vec<String> {
        self.state.lock().unwrap().violations.clone()
    }

    pub fn fail_next(&self, path: &str, faults: impl IntoIterator<Item = Fault>) {
        self.state
            .lock()
            .unwrap()
            .faults
            .entry(path.to_owned())
            .or_default()
            .extend(faults);
    }

    /// Drops the faults still scripted for `path`.
    pub fn clear_faults(&self, path: &str) {
        self.state.lock().unwrap().faults.remove(path);
    }

    pub fn expire_token(&self, token: &str) {
        self.state.lock().unwrap().expired_tokens.push(token.to_owned());
    }

    pub fn set_upload_delay(&self, delay: Duration) {
        self.state.lock().unwrap().upload_delay = delay;
    }

    pub fn set_card_delay_polls(&self, polls: u32) {
        self.state.lock().unwrap().card_delay_polls = polls;
    }

    pub fn fail_draft(&self, vendor_code: &str, text: &str) {
        self.state
            .lock()
            .unwrap()
            .failing_drafts
            .insert(vendor_code.to_owned(), text.to_owned());
    }

    pub fn fail_price(&self, vendor_code: &str, text: &str) {
        self.state
            .lock()
            .unwrap()
            .failing_prices
            .insert(vendor_code.to_owned(), text.to_owned());
    }

    pub fn log(&self) -> Vec<Logged> {
        self.state.lock().unwrap().log.clone()
    }

    pub fn requests_to(&self, path: &str) -> Vec<Logged> {
        self.log().into_iter().filter(|l| l.path == path).collect()
    }

    /// How many times each vendor code was uploaded.
    pub fn uploads_by_vendor_code(&self) -> HashMap<String, u32> {
        self.state.lock().unwrap().uploads_by_vendor_code.clone()
    }

    pub fn nm_id_of(&self, vendor_code: &str) -> Option<u64> {
        self.state.lock().unwrap().cards.get(vendor_code).map(|c| c.nm_id)
    }

    pub fn price_of(&self, nm_id: u64) -> Option<(u64, u64)> {
        self.state.lock().unwrap().prices.get(&nm_id).copied()
    }

    pub fn stock_count(&self) -> usize {
        self.state.lock().unwrap().stocks.len()
    }

    pub fn stocks(&self) -> HashMap<(u64, u64), u64> {
        self.state.lock().unwrap().stocks.clone()
    }

    /// How many requests each account (token) sent to each limit group.
    pub fn request_counts(&self) -> BTreeMap<(String, Group), usize> {
        let mut counts = BTreeMap::new();
        for l in self.state.lock().unwrap().log.iter() {
            *counts.entry((l.token.clone(), l.group)).or_default() += 1;
        }
        counts
    }

    /// Requests that broke a group's documented rate or burst, per account (token): each
    /// account's requests of a group are run through the documented GCRA, and a request that
    /// came more than `slack` before it would have been allowed is a breach.
    pub fn rate_breaches(&self, slack: Duration) -> Vec<String> {
        let log = self.log();
        let mut breaches = Vec::new();
        let mut groups: BTreeMap<(&str, Group), Vec<Instant>> = BTreeMap::new();
        for l in &log {
            groups.entry((l.token.as_str(), l.group)).or_default().push(l.at);
        }
        let tokens: Vec<&str> = groups.keys().map(|(token, _)| *token).collect();
        for times in groups.values_mut() {
            times.sort(); // the log is in order of answers; rates go by arrival
        }
        for ((token, group), times) in &groups {
            let account = tokens.iter().position(|t| t == token).unwrap_or(0);
            let (interval, burst) = group.documented();
            let tolerance = interval * (burst - 1);
            let mut tat: Option<Instant> = None;
            for &at in times {
                let current = tat.map_or(at, |t| t.max(at));
                if current > at + tolerance + slack {
                    let early = current - (at + tolerance);
                    breaches.push(format!("{group:?} of account #{account}: a request {early:?} early"));
                }
                tat = Some(current + interval);
            }
        }
        breaches
    }
}
