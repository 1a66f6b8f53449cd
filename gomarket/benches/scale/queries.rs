//! Catalog reads at scale: each query from `clients` concurrent clients for a fixed time,
//! through the whole stack (HTTP, GraphQL, the query's SQL) and as the same SQL called
//! directly (the floor the server can at best reach).

use crate::stats::Latencies;
use gomarket_infra::supplier::generate_words::word;
use gomarket_projections::catalog::{
    EXACT_COUNT_UP_TO, ProductFilter, ProductQuery, ProductSort, get_product, search_products,
};
use serde_json::{Value, json};
use sqlx::PgPool;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// One measured read.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub filter: ProductFilter,
    /// `None`: the API's default (relevance when searching).
    pub sort: Option<ProductSort>,
    pub after: Option<String>,
    /// Point lookup by id instead of a list.
    pub id: Option<Uuid>,
    /// A hit the first page must hold (the exact SKU or barcode).
    pub must_find: Option<Uuid>,
    /// The same read asked of PostGraphile (see `peer.sql`), if it can be.
    pub peer: Option<Value>,
}

/// A page of 20 as PostGraphile serves it: `field(args)` with the total, like our request.
fn peer_page(field: &str, arguments: &str, variables: Value) -> Value {
    // GraphQL refuses a declared variable that is not used.
    let mut declared = vec!["$after: Cursor"];
    if arguments.contains("$q") {
        declared.push("$q: String!");
    }
    if arguments.contains("$price") {
        declared.push("$price: BigInt");
    }
    let declared = declared.join(", ");
    json!({
        "query": format!(
            "query({declared}) {{ {field}({arguments} first: 20, after: $after) {{
                totalCount nodes {{ id sku title brand priceKopecks stock }} pageInfo {{ hasNextPage endCursor }} }} }}"
        ),
        "variables": variables,
    })
}

/// The PostGraphile request for a search.
fn peer_search(q: &str) -> Value {
    peer_page("searchProducts", "q: $q,", json!({ "q": q }))
}

/// The PostGraphile request for a listing of active products with a filter and an order.
fn peer_list(filter: &str, order: &str, variables: Value) -> Value {
    let filter = if filter.is_empty() {
        String::new()
    } else {
        format!("filter: {{{filter}}}, ")
    };
    peer_page(
        "allProducts",
        &format!("condition: {{status: \"ACTIVE\"}}, {filter}orderBy: [{order}, ID_ASC],"),
        variables,
    )
}

impl Case {
    fn list(name: &str, filter: ProductFilter, sort: Option<ProductSort>) -> Self {
        Self {
            name: name.to_owned(),
            filter,
            sort,
            after: None,
            id: None,
            must_find: None,
            peer: None,
        }
    }

    fn with_peer(mut self, peer: Value) -> Self {
        self.peer = Some(peer);
        self
    }

    fn effective_sort(&self) -> ProductSort {
        self.sort.unwrap_or(if self.filter.search.is_some() {
            ProductSort::Relevance
        } else {
            ProductSort::CreatedAtDesc
        })
    }

    /// The GraphQL request a console would send: a page of 20 with the total.
    pub fn request(&self) -> Value {
        if let Some(id) = self.id {
            return json!({
                "query": "query($id: ID!) { product(id: $id) { id sku title priceKopecks stock } }",
                "variables": { "id": id },
            });
        }
        let f = &self.filter;
        let filter = json!({
            "search": f.search, "brand": f.brand, "category": f.category, "inStock": f.in_stock,
            "priceMinKopecks": f.price_min_kopecks, "priceMaxKopecks": f.price_max_kopecks,
        });
        json!({
            "query": "query($filter: ProductFilterInput, $sort: ProductSort, $after: String) {
                products(first: 20, filter: $filter, sort: $sort, after: $after) {
                  totalCount totalCountIsExact
                  edges { cursor node { id sku title brand priceKopecks stock } }
                  pageInfo { hasNextPage endCursor } } }",
            "variables": { "filter": filter, "sort": self.sort.map(ProductSort::name), "after": self.after },
        })
    }
}

/// The cases, with values taken from the loaded catalog of `products` products.
pub async fn cases(pool: &PgPool, products: i64, peer_url: Option<&str>) -> Vec<Case> {
    let (id, sku, barcode): (Uuid, String, String) =
        sqlx::query_as("SELECT id, sku, barcodes[1] FROM products ORDER BY id OFFSET $1 LIMIT 1")
            .bind(products / 3)
            .fetch_one(pool)
            .await
            .unwrap();
    let search = |s: &str| ProductFilter {
        search: Some(s.to_owned()),
        ..ProductFilter::default()
    };
    // Frequency rank 9 000 comes up about once in 30 000 products (Zipf), rank 400 once in
    // 1 500: rare and middling words, in each script.
    let mut cases = vec![
        Case {
            id: Some(id),
            ..Case::list("product(id)", ProductFilter::default(), None)
        }
        .with_peer(json!({
            "query": "query($id: UUID!) { productById(id: $id) { id sku title priceKopecks stock } }",
            "variables": { "id": id },
        })),
        Case {
            must_find: Some(id),
            ..Case::list("search: exact SKU", search(&sku), None)
        }
        .with_peer(peer_search(&sku)),
        Case {
            must_find: Some(id),
            ..Case::list("search: barcode", search(&barcode), None)
        }
        .with_peer(peer_search(&barcode)),
        Case::list("search: common word (чайник)", search("чайник"), None).with_peer(peer_search("чайник")),
        Case::list("search: common Latin word (bosch)", search("bosch"), None).with_peer(peer_search("bosch")),
        Case::list("search: two common words (чайник vitek)", search("чайник vitek"), None)
            .with_peer(peer_search("чайник vitek")),
        Case::list("search: prefix (пылес)", search("пылес"), None).with_peer(peer_search("пылес")),
        Case::list(
            &format!("search: middling word ({})", word(400)),
            search(&word(400)),
            None,
        )
        .with_peer(peer_search(&word(400))),
        Case::list(
            &format!("search: rare word ({})", word(9000)),
            search(&word(9000)),
            None,
        )
        .with_peer(peer_search(&word(9000))),
        Case::list(
            &format!("search: rare Latin word ({})", word(9001)),
            search(&word(9001)),
            None,
        )
        .with_peer(peer_search(&word(9001))),
        Case::list("search: no match (холодильник)", search("холодильник"), None).with_peer(peer_search("холодильник")),
        Case::list(
            "search + sort PRICE_ASC (чайник)",
            search("чайник"),
            Some(ProductSort::PriceAsc),
        )
        .with_peer(peer_page(
            "searchProducts",
            "q: $q, orderBy: [PRICE_KOPECKS_ASC, ID_ASC],",
            json!({ "q": "чайник" }),
        )),
        Case::list(
            "filter priceMax 5 000 ₽, sort PRICE_ASC",
            ProductFilter {
                price_max_kopecks: Some(500_000),
                ..ProductFilter::default()
            },
            Some(ProductSort::PriceAsc),
        )
        .with_peer(peer_list(
            "priceKopecks: {lessThanOrEqualTo: $price}",
            "PRICE_KOPECKS_ASC",
            json!({ "price": "500000" }),
        )),
        Case::list(
            "filter brand + in stock, sort PRICE_DESC",
            ProductFilter {
                brand: Some("Polaris".into()),
                in_stock: Some(true),
                ..ProductFilter::default()
            },
            Some(ProductSort::PriceDesc),
        )
        .with_peer(peer_list(
            "brand: {equalToInsensitive: \"Polaris\"}, stock: {greaterThan: \"0\"}",
            "PRICE_KOPECKS_DESC",
            json!({}),
        )),
        Case::list(
            "filter category, sort TITLE_ASC",
            ProductFilter {
                category: Some("Бытовая техника/Кухня".into()),
                ..ProductFilter::default()
            },
            Some(ProductSort::TitleAsc),
        )
        .with_peer(peer_list(
            "category: {startsWith: \"Бытовая техника/Кухня\"}",
            "TITLE_ASC",
            json!({}),
        )),
        Case::list("first page, default order", ProductFilter::default(), None).with_peer(peer_list(
            "",
            "CREATED_AT_DESC",
            json!({}),
        )),
    ];
    for (name, filter, sort, peer) in [
        (
            "50 pages deep, default order",
            ProductFilter::default(),
            None,
            peer_list("", "CREATED_AT_DESC", json!({})),
        ),
        (
            "50 pages deep, priceMax 5 000 ₽ by PRICE_ASC",
            ProductFilter {
                price_max_kopecks: Some(500_000),
                ..ProductFilter::default()
            },
            Some(ProductSort::PriceAsc),
            peer_list(
                "priceKopecks: {lessThanOrEqualTo: $price}",
                "PRICE_KOPECKS_ASC",
                json!({ "price": "500000" }),
            ),
        ),
        (
            "50 pages deep, search (чайник)",
            search("чайник"),
            None,
            peer_search("чайник"),
        ),
    ] {
        let mut case = Case::list(name, filter, sort);
        case.after = cursor_after_pages(pool, &case, 49).await;
        if let Some(peer_url) = peer_url {
            case.peer = Some(peer_after_pages(peer_url, peer, 49).await);
        }
        cases.push(case);
    }
    cases
}

/// `request` continued after `pages` pages, as PostGraphile pages it.
async fn peer_after_pages(url: &str, mut request: Value, pages: usize) -> Value {
    let client = reqwest::Client::new();
    for _ in 0..pages {
        let body = crate::http::post(&client, url, None, &request).await;
        let connection = body["data"]
            .as_object()
            .and_then(|d| d.values().next())
            .cloned()
            .unwrap();
        request["variables"]["after"] = connection["pageInfo"]["endCursor"].clone();
    }
    request
}

/// The cursor after `pages` pages of 20.
async fn cursor_after_pages(pool: &PgPool, case: &Case, pages: usize) -> Option<String> {
    let mut after = None;
    for _ in 0..pages {
        let page = search_products(pool, &case.filter, case.effective_sort(), 20, after.as_deref())
            .await
            .unwrap();
        after = page.edges.last().map(|(cursor, _)| cursor.clone());
    }
    after
}

/// Runs `case` over HTTP from `clients` clients for `duration`.
pub async fn through_api(url: &str, token: &str, case: &Case, clients: usize, duration: Duration) -> Latencies {
    over_http(url, Some(token), case.request(), case.must_find, clients, duration).await
}

/// Runs the case's PostGraphile request (if it has one) against the peer at `url`.
pub async fn through_peer(url: &str, case: &Case, clients: usize, duration: Duration) -> Option<Latencies> {
    let request = case.peer.clone()?;
    Some(over_http(url, None, request, None, clients, duration).await)
}

async fn over_http(
    url: &str,
    token: Option<&str>,
    request: Value,
    must_find: Option<Uuid>,
    clients: usize,
    duration: Duration,
) -> Latencies {
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (url, token, request) = (url.to_owned(), token.map(str::to_owned), request.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut samples = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                let body = crate::http::post(&client, &url, token.as_deref(), &request).await;
                samples.push(started.elapsed());
                if let Some(id) = must_find {
                    let first = &body["data"]["products"]["edges"][0]["node"]["id"];
                    assert_eq!(first.as_str(), Some(id.to_string().as_str()), "{body}");
                }
            }
            Latencies(samples)
        }));
    }
    Latencies::merge(futures::future::join_all(tasks).await.into_iter().map(Result::unwrap))
}

/// Runs the SQL of `case` (the page and, as the API request selects it, the count) from
/// `clients` tasks for `duration`.
pub async fn sql_alone(pool: &PgPool, case: &Case, clients: usize, duration: Duration) -> Latencies {
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (pool, case) = (pool.clone(), case.clone());
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                match case.id {
                    Some(id) => {
                        get_product(&pool, id).await.unwrap().expect("the product exists");
                    }
                    None => {
                        let query = ProductQuery::new(case.filter.clone());
                        query
                            .page(&pool, case.effective_sort(), 20, case.after.as_deref())
                            .await
                            .unwrap();
                        query.count(&pool, EXACT_COUNT_UP_TO).await.unwrap();
                    }
                }
                samples.push(started.elapsed());
            }
            Latencies(samples)
        }));
    }
    Latencies::merge(futures::future::join_all(tasks).await.into_iter().map(Result::unwrap))
}
