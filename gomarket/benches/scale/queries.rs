//! Catalog reads at scale: each query from `clients` concurrent clients for a fixed time,
//! through the whole stack (HTTP, GraphQL, the query's SQL) and as the same SQL called
//! directly (the floor the server can at best reach).

use crate::stats::Latencies;
use gomarket_infra::suppliers::generate_words::word;
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
        }
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
pub async fn cases(pool: &PgPool, products: i64) -> Vec<Case> {
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
        },
        Case {
            must_find: Some(id),
            ..Case::list("search: exact SKU", search(&sku), None)
        },
        Case {
            must_find: Some(id),
            ..Case::list("search: barcode", search(&barcode), None)
        },
        Case::list("search: common word (чайник)", search("чайник"), None),
        Case::list("search: common Latin word (bosch)", search("bosch"), None),
        Case::list("search: two common words (чайник vitek)", search("чайник vitek"), None),
        Case::list("search: prefix (пылес)", search("пылес"), None),
        Case::list(
            &format!("search: middling word ({})", word(400)),
            search(&word(400)),
            None,
        ),
        Case::list(
            &format!("search: rare word ({})", word(9000)),
            search(&word(9000)),
            None,
        ),
        Case::list(
            &format!("search: rare Latin word ({})", word(9001)),
            search(&word(9001)),
            None,
        ),
        Case::list("search: no match (холодильник)", search("холодильник"), None),
        Case::list(
            "search + sort PRICE_ASC (чайник)",
            search("чайник"),
            Some(ProductSort::PriceAsc),
        ),
        Case::list(
            "filter priceMax 5 000 ₽, sort PRICE_ASC",
            ProductFilter {
                price_max_kopecks: Some(500_000),
                ..ProductFilter::default()
            },
            Some(ProductSort::PriceAsc),
        ),
        Case::list(
            "filter brand + in stock, sort PRICE_DESC",
            ProductFilter {
                brand: Some("Polaris".into()),
                in_stock: Some(true),
                ..ProductFilter::default()
            },
            Some(ProductSort::PriceDesc),
        ),
        Case::list(
            "filter category, sort TITLE_ASC",
            ProductFilter {
                category: Some("Бытовая техника/Кухня".into()),
                ..ProductFilter::default()
            },
            Some(ProductSort::TitleAsc),
        ),
        Case::list("first page, default order", ProductFilter::default(), None),
    ];
    for (name, filter, sort) in [
        ("50 pages deep, default order", ProductFilter::default(), None),
        (
            "50 pages deep, priceMax 5 000 ₽ by PRICE_ASC",
            ProductFilter {
                price_max_kopecks: Some(500_000),
                ..ProductFilter::default()
            },
            Some(ProductSort::PriceAsc),
        ),
        ("50 pages deep, search (чайник)", search("чайник"), None),
    ] {
        let mut case = Case::list(name, filter, sort);
        case.after = cursor_after_pages(pool, &case, 49).await;
        cases.push(case);
    }
    cases
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
    let request = case.request();
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (url, token, request, must_find) = (url.to_owned(), token.to_owned(), request.clone(), case.must_find);
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut samples = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                let body: Value = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&request)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                samples.push(started.elapsed());
                assert!(body["errors"].is_null(), "{body}");
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
