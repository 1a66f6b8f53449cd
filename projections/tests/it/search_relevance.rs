//! Search quality, not only speed: twenty queries over a small catalog with the results a
//! seller expects on top. Relevance (the default order when searching) puts an exact SKU or
//! barcode first, then products with every word in the title, brand or SKU (whole words before
//! beginnings of words), then products with the words anywhere; Russian words match in any
//! form, Latin words too, and a word's beginning finds it.

use gomarket_domain::catalog::{
    Barcode, Brand, CategoryPath, Description, Kopecks, NewProduct, Product, ProductCommand, ProductDetails, ProductId,
    ProductServices, Quantity, Sku, Title,
};
use gomarket_domain::clock::SystemClock;
use gomarket_infra::event_store::{CommandBus, EventFeed, EventMetadata};
use gomarket_infra::migrations::EVENT_STORE_MIGRATIONS;
use gomarket_infra::telemetry::Metrics;
use gomarket_projections::catalog::{
    EXACT_COUNT_UP_TO, ProductFilter, ProductQuery, ProductSort, ProductsProjection, count_products, search_products,
    search_products_tier_by_tier,
};
use gomarket_projections::{ProjectionRunner, READ_MODEL_MIGRATIONS};
use gomarket_testkit::{TestDatabase, eventually};
use sqlx::PgPool;
use std::sync::Arc;
use uuid::Uuid;

/// (SKU, title, brand, description, category, barcode)
type Planted = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
    Option<&'static str>,
);

/// The products the queries are about, created oldest first (within a tier, newer first).
const PLANTED: &[Planted] = &[
    (
        "MG-1",
        "Кружка керамическая 350 мл",
        Some("Luminarc"),
        Some("Подходит к чайнику и заварнику"),
        "Посуда/Кружки",
        None,
    ),
    (
        "KT-100",
        "Чайник электрический Vitek VT-7001",
        Some("Vitek"),
        Some("Стеклянная колба, подсветка, мощность 2200 Вт"),
        "Бытовая техника/Кухня/Чайники",
        Some("4006381333931"),
    ),
    (
        "KT-200",
        "Чайник со свистком",
        Some("Tefal"),
        Some("Для газовой и индукционной плиты, Vitek не делает такой"),
        "Посуда/Чайники",
        None,
    ),
    (
        "FT-1",
        "Фильтр накипи для KT-100",
        Some("Vitek"),
        None,
        "Бытовая техника/Аксессуары",
        None,
    ),
    (
        "PH-2",
        "Фенхель семена",
        None,
        Some("Пряность для чая"),
        "Продукты/Специи",
        None,
    ),
    (
        "PH-1",
        "Фен для волос Philips 2200 Вт",
        Some("Philips"),
        Some("Ионизация"),
        "Красота и здоровье/Фены",
        Some("8710103891239"),
    ),
    (
        "EK-1",
        "Electric kettle Xiaomi Mi 1.7 L",
        Some("Xiaomi"),
        Some("Smart temperature control"),
        "Бытовая техника/Кухня/Чайники",
        None,
    ),
    (
        "CUP-9",
        "Cup holder",
        None,
        Some("Fits any kettle and most travel mugs"),
        "Аксессуары",
        None,
    ),
    (
        "VC-1",
        "Пылесос беспроводной Dyson V15",
        Some("Dyson"),
        Some("Лазерная подсветка пыли"),
        "Бытовая техника/Уборка/Пылесосы",
        None,
    ),
    (
        "BL-5",
        "Блендер погружной Bosch",
        Some("Bosch"),
        Some("Чаша 600 мл, стеклянная"),
        "Бытовая техника/Кухня/Блендеры",
        None,
    ),
];

/// Filler: products that match none of the queries below except where a query says so.
const FILLER_KINDS: &[&str] = &[
    "Лампа настольная",
    "Стол письменный",
    "Полка настенная",
    "Зеркало круглое",
];

fn meta() -> EventMetadata {
    EventMetadata::new(Uuid::new_v4().to_string(), "system", "test")
}

async fn create(bus: &CommandBus<Product>, planted: Planted) {
    let (sku, title, brand, description, category, barcode) = planted;
    let sku = Sku::parse(sku).unwrap();
    let id = ProductId::for_own_sku(&sku);
    let command = ProductCommand::Create(NewProduct {
        sku,
        details: ProductDetails {
            title: Title::parse(title).unwrap(),
            brand: brand.map(|b| Brand::parse(b).unwrap()),
            description: description.map(|d| Description::parse(d).unwrap()),
            category: Some(CategoryPath::parse(category).unwrap()),
            barcodes: barcode.map(|b| Barcode::parse(b).unwrap()).into_iter().collect(),
        },
        price: Kopecks::new(100_000).unwrap(),
        stock: Quantity::new(1).unwrap(),
    });
    bus.execute(&id.to_string(), command, &meta()).await.unwrap();
}

async fn catalog() -> TestDatabase {
    let db = TestDatabase::new(&[EVENT_STORE_MIGRATIONS, READ_MODEL_MIGRATIONS]).await;
    let bus = CommandBus::<Product>::new(
        db.pool.clone(),
        ProductServices {
            clock: Arc::new(SystemClock),
        },
        Metrics::new(),
    );
    for n in 0..120 {
        let kind = FILLER_KINDS[n % FILLER_KINDS.len()];
        let sku: &'static str = Box::leak(format!("FILL-{n}").into_boxed_str());
        let title: &'static str = Box::leak(format!("{kind} модель {n}").into_boxed_str());
        create(
            &bus,
            (sku, title, Some("Икеа"), Some("Простая вещь для дома"), "Дом", None),
        )
        .await;
    }
    for planted in PLANTED {
        create(&bus, *planted).await;
    }
    let runner = ProjectionRunner::new(
        ProductsProjection::default(),
        EventFeed::new(db.pool.clone()),
        Metrics::new(),
    );
    let expected = 120 + PLANTED.len();
    let so_far = std::cell::Cell::new(0_usize);
    let what = format!("{expected} events applied");
    let applied = eventually(std::time::Duration::from_secs(10), &what, || async {
        let more = runner.catch_up().await.unwrap();
        so_far.set(so_far.get() + more);
        if so_far.get() >= expected {
            Ok(so_far.get())
        } else {
            Err(so_far.get())
        }
    })
    .await;
    assert_eq!(applied, expected);
    db
}

/// The SKUs of the first page of a search, in relevance order; both ways of ranking (all
/// matches at once, tier by tier along the index) must give it.
async fn top(pool: &PgPool, search: &str) -> Vec<String> {
    let filter = ProductFilter {
        search: Some(search.to_owned()),
        ..ProductFilter::default()
    };
    let skus = |page: gomarket_projections::catalog::ProductPage| -> Vec<String> {
        page.edges.into_iter().map(|(_, record)| record.sku).collect()
    };
    let at_once = skus(
        search_products(pool, &filter, ProductSort::Relevance, 20, None)
            .await
            .unwrap(),
    );
    let by_tier = skus(search_products_tier_by_tier(pool, &filter, 20, None).await.unwrap());
    assert_eq!(at_once, by_tier, "the two rankings of {search:?} differ");
    at_once
}

#[tokio::test]
async fn twenty_queries_rank_what_a_seller_expects_first() {
    let db = catalog().await;
    let pool = &db.pool;
    // (query, the whole first page's SKUs, in order)
    let expectations: &[(&str, &[&str])] = &[
        // 1–3: an exact code is first, whatever else matches it.
        ("KT-100", &["KT-100", "FT-1"]),
        ("kt-100", &["KT-100", "FT-1"]),
        ("4006381333931", &["KT-100"]),
        // 4: a barcode of another product.
        ("8710103891239", &["PH-1"]),
        // 5–6: title before category and description, newest first within each; Russian
        // forms (чайник, чайники, чайнику) match.
        ("чайник", &["KT-200", "KT-100", "EK-1", "MG-1"]),
        ("чайники", &["KT-200", "KT-100", "EK-1", "MG-1"]),
        // 7: every word in the title beats one word in the title and one in the description.
        ("чайник vitek", &["KT-100", "KT-200"]),
        // 8: a brand is as good as a title word.
        ("vitek", &["FT-1", "KT-100", "KT-200"]),
        // 9: a whole word before a word that merely starts with it.
        ("фен", &["PH-1", "PH-2"]),
        // 10: Latin words are stemmed too (kettle, kettles), title before description.
        ("kettles", &["EK-1", "CUP-9"]),
        ("kettle", &["EK-1", "CUP-9"]),
        // 12: typo-free prefixes of any word.
        ("пылес", &["VC-1"]),
        ("пылесосы", &["VC-1"]),
        // 14: a number in the title before the same number in a description.
        ("2200", &["PH-1", "KT-100"]),
        // 15: a category word is found, after title matches (none here).
        ("посуда", &["KT-200", "MG-1"]),
        // 16: case does not matter.
        ("DYSON", &["VC-1"]),
        // 17: several words, all required, any order.
        ("bosch блендер", &["BL-5"]),
        // 18: "стеклянная" is in two descriptions: both, newest first.
        ("стеклянная", &["BL-5", "KT-100"]),
        // 19: nothing matches.
        ("холодильник", &[]),
        // 20: stop words are not required ("для" is one).
        ("фен для волос", &["PH-1"]),
    ];
    assert_eq!(expectations.len(), 20);
    let mut failures = Vec::new();
    for (query, expected) in expectations {
        let found = top(pool, query).await;
        if found != *expected {
            failures.push(format!("{query:?}: expected {expected:?}, found {found:?}"));
        }
    }
    assert!(failures.is_empty(), "relevance regressions:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn relevance_pages_continue_across_tiers_without_gaps_or_repeats() {
    let db = catalog().await;
    let filter = ProductFilter {
        search: Some("чайник".to_owned()),
        ..ProductFilter::default()
    };
    let whole = top(&db.pool, "чайник").await;
    for by_tier in [false, true] {
        let mut paged = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = if by_tier {
                search_products_tier_by_tier(&db.pool, &filter, 1, after.as_deref()).await
            } else {
                search_products(&db.pool, &filter, ProductSort::Relevance, 1, after.as_deref()).await
            }
            .unwrap();
            paged.extend(page.edges.iter().map(|(_, r)| r.sku.clone()));
            after = page.edges.last().map(|(cursor, _)| cursor.clone());
            if !page.has_next_page {
                break;
            }
        }
        assert_eq!(paged, whole, "paging one at a time (tier by tier: {by_tier})");
    }
}

#[tokio::test]
async fn a_ranked_page_counts_every_match_as_a_count_would() {
    let db = catalog().await;
    let pool = &db.pool;
    for search in ["чайник", "vitek", "KT-100", "пылес", "фен для волос", "холодильник"]
    {
        let filter = ProductFilter {
            search: Some(search.to_owned()),
            ..ProductFilter::default()
        };
        let counted = count_products(pool, &filter, EXACT_COUNT_UP_TO).await.unwrap();
        let whole = search_products(pool, &filter, ProductSort::Relevance, 100, None)
            .await
            .unwrap();
        assert_eq!(counted.value, whole.edges.len() as i64, "{search:?}: the count");
        assert!(counted.exact, "{search:?}");
        // A first page, a page after a cursor, and a page past the last: the count a page
        // leaves behind is of every match, not of the rows after the cursor.
        let mut after = None;
        for _ in 0..=whole.edges.len() {
            let query = ProductQuery::new(filter.clone());
            let page = query
                .page(pool, ProductSort::Relevance, 1, after.as_deref())
                .await
                .unwrap();
            assert_eq!(
                query.count(pool, EXACT_COUNT_UP_TO).await.unwrap(),
                counted,
                "{search:?} after {after:?}"
            );
            after = page.edges.last().map(|(cursor, _)| cursor.clone());
            if after.is_none() {
                break;
            }
        }
    }
}
