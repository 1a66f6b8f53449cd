//! The Wildberries client against Prism validating mocks of Wildberries' own OpenAPI specs
//! (`--errors`): cards for 250 products, then their prices, then their stocks, plus the
//! follow-up reads (card list, failed drafts, price task state and items) and the token check.
//! Prism logs every request that breaks the spec; the test fails on any.

use gomarket_domain::catalog::*;
use gomarket_domain::marketplace::card::{CardDraft, CardRules, build_card};
use gomarket_domain::marketplace::category_mapping::{CategoryMappingState, MappedCharacteristic};
use gomarket_domain::marketplace::values::{DiscountPercent, ListedStock, Marketplace, SubjectId, WholeRoubles};
use gomarket_infra::marketplace::wildberries::content::upload_batches;
use gomarket_infra::marketplace::wildberries::prices::PriceItem;
use gomarket_infra::marketplace::wildberries::stocks::StockItem;
use gomarket_infra::marketplace::wildberries::{RateLimits, RetryPolicy, WbAccount, WbClient, WbEndpoints};
use gomarket_infra::supplier::generate::ean13;
use gomarket_testkit::prism::{PrismMock, WbSpec};

const PRODUCTS: usize = 250;

fn product(i: usize) -> ProductState {
    let at = chrono::Utc::now();
    let mut attributes = std::collections::BTreeMap::new();
    attributes.insert("Цвет".to_owned(), ["красный", "белый", "чёрный"][i % 3].to_owned());
    attributes.insert("Объём".to_owned(), format!("{} мл", 500 + i));
    ProductState {
        sku: Sku::parse(&format!("KT-{i:05}")).unwrap(),
        title: Title::parse(&format!(
            "Электрический чайник Polaris PWK {i} стеклянный с подсветкой и фильтром, 1,7 л"
        ))
        .unwrap(),
        brand: Some(Brand::parse("Polaris").unwrap()),
        description: Some(Description::parse(&"Чайник с закалённым стеклом и подсветкой. ".repeat(80)).unwrap()),
        category: Some(CategoryPath::parse("Бытовая техника/Чайники").unwrap()),
        barcodes: vec![Barcode::parse(&ean13(i as u64)).unwrap()],
        price: Kopecks::new(150_050 + i as i64 * 100).unwrap(),
        stock: Quantity::new(i as i64 % 40).unwrap(),
        status: ProductStatus::Active,
        supplier: None,
        stock_by_warehouse: Default::default(),
        available: true,
        content: ProductContent {
            images: vec![],
            attributes,
            dimensions: Dimensions {
                length_mm: Some(250),
                width_mm: Some(180),
                depth_mm: Some(240),
                weight_g: Some(1_150 + i as u32),
                ..Dimensions::default()
            },
            retail_price: None,
        },
        created_at: at,
        updated_at: at,
    }
}

fn mapping() -> CategoryMappingState {
    CategoryMappingState {
        marketplace: Marketplace::Wildberries,
        category: "Бытовая техника/Чайники".into(),
        subject_id: SubjectId::new(7771).unwrap(),
        type_id: None,
        characteristics: vec![
            MappedCharacteristic {
                id: 14177449,
                name: "Цвет".into(),
                attribute: "Цвет".into(),
                required: true,
                numeric: false,
            },
            MappedCharacteristic {
                id: 90673,
                name: "Объем (мл)".into(),
                attribute: "Объём".into(),
                required: false,
                numeric: true,
            },
        ],
        updated_at: chrono::Utc::now(),
    }
}

#[tokio::test]
async fn publishing_250_products_sends_only_requests_the_official_spec_accepts() {
    let products = PrismMock::start(WbSpec::Products).await;
    let general = PrismMock::start(WbSpec::General).await;
    let client = WbClient::new(
        WbEndpoints {
            content: products.url.clone(),
            prices: products.url.clone(),
            marketplace: products.url.clone(),
            common: general.url.clone(),
            ..WbEndpoints::default()
        },
        RateLimits::default(),
        RetryPolicy::default(),
    );
    let account = WbAccount::new(uuid::Uuid::now_v7(), "test-token.eyJhY2Nlc3MiOiJ3YiJ9").unwrap();
    client.ping(&account).await.expect("ping");

    let rules = CardRules {
        vendor_code_prefix: "GM-".into(),
        ..CardRules::default()
    };
    let cards: Vec<CardDraft> = (0..PRODUCTS)
        .map(|i| build_card(&product(i), Some(&mapping()), &rules).unwrap())
        .collect();
    assert!(cards.iter().all(|c| c.title.chars().count() <= 60));
    let batches = upload_batches(&cards);
    assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), [100, 100, 50]);
    for batch in &batches {
        client.upload_cards(&account, batch).await.expect("upload");
    }
    client.list_cards(&account).await.expect("cards/list");
    client.card_errors(&account).await.expect("cards/error/list");

    let prices: Vec<PriceItem> = (0..PRODUCTS)
        .map(|i| PriceItem {
            nm_id: 100_000 + i as u64,
            price: WholeRoubles::from_kopecks_rounding_up(product(i).price).get(),
            discount: DiscountPercent::new(15).unwrap().get(),
        })
        .collect();
    let task = client.upload_prices(&account, &prices).await.expect("price task");
    client.price_task_state(&account, task.id).await.expect("task state");
    client.price_task_items(&account, task.id).await.expect("task items");

    let stocks: Vec<StockItem> = (0..PRODUCTS)
        .map(|i| StockItem {
            chrt_id: 300_000 + i as u64,
            amount: ListedStock::capped(product(i).stock.get()).get(),
        })
        .collect();
    client.put_stocks(&account, 507, &stocks).await.expect("stocks");

    assert_eq!(products.violations(), Vec::<String>::new());
    assert_eq!(general.violations(), Vec::<String>::new());
    // 3 uploads, 1 list, 1 task, 1 state, 1 items page, 1 stocks, and the error list (whose
    // example answer says there is a next page: 2 requests).
    assert_eq!(products.requests(), 10);
    assert_eq!(general.requests(), 1);
}

#[tokio::test]
async fn the_mock_catches_a_request_that_breaks_the_spec() {
    // The check above can fail: a stock amount over the documented maximum is a violation.
    let products = PrismMock::start(WbSpec::Products).await;
    let client = WbClient::new(
        WbEndpoints {
            marketplace: products.url.clone(),
            ..WbEndpoints::default()
        },
        RateLimits::default(),
        RetryPolicy::default(),
    );
    let account = WbAccount::new(uuid::Uuid::now_v7(), "t").unwrap();
    let refused = client
        .put_stocks(
            &account,
            507,
            &[StockItem {
                chrt_id: 1,
                amount: 100_001,
            }],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            gomarket_infra::marketplace::wildberries::WbError::Refused { status: 400 | 422, .. }
        ),
        "{refused:?}"
    );
    assert_eq!(products.violations().len(), 1, "{:?}", products.violations());
}
