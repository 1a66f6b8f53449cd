//! Given/when/then tests of every product command path, refusals included.

use super::*;
use crate::catalog::values::{Barcode, Brand, CategoryPath, Description, Kopecks, Quantity, Sku, Title};
use crate::clock::FixedClock;
use chrono::{DateTime, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use std::sync::Arc;

type ProductTest = TestFramework<Product>;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

fn earlier() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 9, 30, 0).unwrap()
}

fn test() -> ProductTest {
    TestFramework::with(ProductServices {
        clock: Arc::new(FixedClock(now())),
    })
}

fn details() -> ProductDetails {
    ProductDetails {
        title: Title::parse("Чайник электрический Vitek").unwrap(),
        brand: Some(Brand::parse("Vitek").unwrap()),
        description: Some(Description::parse("1,7 л, 2200 Вт").unwrap()),
        category: Some(CategoryPath::parse("Бытовая техника/Чайники").unwrap()),
        barcodes: vec![Barcode::parse("4006381333931").unwrap()],
    }
}

fn new_product() -> NewProduct {
    NewProduct {
        sku: Sku::parse("VT-7001").unwrap(),
        details: details(),
        price: Kopecks::new(249_900).unwrap(),
        stock: Quantity::new(12).unwrap(),
    }
}

fn created_event(at: DateTime<Utc>) -> ProductEvent {
    let d = details();
    ProductEvent::ProductCreated {
        sku: Sku::parse("VT-7001").unwrap(),
        title: d.title,
        brand: d.brand,
        description: d.description,
        category: d.category,
        barcodes: d.barcodes,
        price_kopecks: Kopecks::new(249_900).unwrap(),
        stock: Quantity::new(12).unwrap(),
        at,
    }
}

fn price(kopecks: i64) -> Kopecks {
    Kopecks::new(kopecks).unwrap()
}

fn qty(units: i64) -> Quantity {
    Quantity::new(units).unwrap()
}

#[test]
fn create_records_product_created() {
    test()
        .given_no_previous_events()
        .when(ProductCommand::Create(new_product()))
        .then_expect_events(vec![created_event(now())]);
}

#[test]
fn create_twice_is_refused_as_already_exists() {
    test()
        .given(vec![created_event(earlier())])
        .when(ProductCommand::Create(new_product()))
        .then_expect_error(ProductRefusal::AlreadyExists { sku: "VT-7001".into() });
}

#[test]
fn change_price_records_old_and_new_price() {
    test()
        .given(vec![created_event(earlier())])
        .when(ProductCommand::ChangePrice {
            price: price(199_900),
            expected_version: Some(1),
        })
        .then_expect_events(vec![ProductEvent::ProductPriceChanged {
            price_kopecks: price(199_900),
            previous_kopecks: price(249_900),
            at: now(),
        }]);
}

#[test]
fn change_price_to_the_same_price_records_nothing() {
    test()
        .given(vec![created_event(earlier())])
        .when(ProductCommand::ChangePrice {
            price: price(249_900),
            expected_version: None,
        })
        .then_expect_events(vec![]);
}

#[test]
fn change_price_with_stale_version_is_a_conflict() {
    test()
        .given(vec![created_event(earlier())])
        .and(vec![ProductEvent::ProductStockChanged {
            stock: qty(3),
            previous: qty(12),
            at: earlier(),
        }])
        .when(ProductCommand::ChangePrice {
            price: price(1),
            expected_version: Some(1),
        })
        .then_expect_error(ProductRefusal::VersionMismatch { expected: 1, actual: 2 });
}

#[test]
fn change_price_of_unknown_product_is_not_found() {
    test()
        .given_no_previous_events()
        .when(ProductCommand::ChangePrice {
            price: price(100),
            expected_version: None,
        })
        .then_expect_error(ProductRefusal::NotFound);
}

#[test]
fn change_stock_records_old_and_new_stock() {
    test()
        .given(vec![created_event(earlier())])
        .when(ProductCommand::ChangeStock {
            stock: qty(0),
            expected_version: Some(1),
        })
        .then_expect_events(vec![ProductEvent::ProductStockChanged {
            stock: qty(0),
            previous: qty(12),
            at: now(),
        }]);
}

#[test]
fn change_stock_unchanged_records_nothing() {
    test()
        .given(vec![created_event(earlier())])
        .when(ProductCommand::ChangeStock {
            stock: qty(12),
            expected_version: None,
        })
        .then_expect_events(vec![]);
}

#[test]
fn change_stock_with_stale_version_is_a_conflict() {
    test()
        .given(vec![created_event(earlier())])
        .when(ProductCommand::ChangeStock {
            stock: qty(1),
            expected_version: Some(0),
        })
        .then_expect_error(ProductRefusal::VersionMismatch { expected: 0, actual: 1 });
}

#[test]
fn change_stock_of_unknown_product_is_not_found() {
    test()
        .given_no_previous_events()
        .when(ProductCommand::ChangeStock {
            stock: qty(1),
            expected_version: None,
        })
        .then_expect_error(ProductRefusal::NotFound);
}

#[test]
fn update_details_records_the_new_details() {
    let mut changed = details();
    changed.title = Title::parse("Чайник Vitek VT-7001, 1,7 л").unwrap();
    changed.brand = None;
    test()
        .given(vec![created_event(earlier())])
        .when(ProductCommand::UpdateDetails {
            details: changed.clone(),
            expected_version: None,
        })
        .then_expect_events(vec![ProductEvent::ProductDetailsUpdated {
            title: changed.title,
            brand: None,
            description: changed.description,
            category: changed.category,
            barcodes: changed.barcodes,
            at: now(),
        }]);
}

#[test]
fn update_details_unchanged_records_nothing() {
    test()
        .given(vec![created_event(earlier())])
        .when(ProductCommand::UpdateDetails {
            details: details(),
            expected_version: Some(1),
        })
        .then_expect_events(vec![]);
}

#[test]
fn update_details_of_unknown_product_is_not_found() {
    test()
        .given_no_previous_events()
        .when(ProductCommand::UpdateDetails {
            details: details(),
            expected_version: None,
        })
        .then_expect_error(ProductRefusal::NotFound);
}

#[test]
fn update_details_with_stale_version_is_a_conflict() {
    test()
        .given(vec![created_event(earlier())])
        .when(ProductCommand::UpdateDetails {
            details: details(),
            expected_version: Some(5),
        })
        .then_expect_error(ProductRefusal::VersionMismatch { expected: 5, actual: 1 });
}

#[test]
fn archive_records_product_archived() {
    test()
        .given(vec![created_event(earlier())])
        .when(ProductCommand::Archive { expected_version: None })
        .then_expect_events(vec![ProductEvent::ProductArchived { at: now() }]);
}

#[test]
fn archive_twice_records_nothing() {
    test()
        .given(vec![
            created_event(earlier()),
            ProductEvent::ProductArchived { at: earlier() },
        ])
        .when(ProductCommand::Archive { expected_version: None })
        .then_expect_events(vec![]);
}

#[test]
fn archive_unknown_product_is_not_found() {
    test()
        .given_no_previous_events()
        .when(ProductCommand::Archive { expected_version: None })
        .then_expect_error(ProductRefusal::NotFound);
}

#[test]
fn archive_with_stale_version_is_a_conflict() {
    test()
        .given(vec![created_event(earlier())])
        .when(ProductCommand::Archive {
            expected_version: Some(2),
        })
        .then_expect_error(ProductRefusal::VersionMismatch { expected: 2, actual: 1 });
}

#[test]
fn archived_product_refuses_changes() {
    let archived = vec![
        created_event(earlier()),
        ProductEvent::ProductArchived { at: earlier() },
    ];
    test()
        .given(archived.clone())
        .when(ProductCommand::ChangePrice {
            price: price(1),
            expected_version: None,
        })
        .then_expect_error(ProductRefusal::Archived);
    test()
        .given(archived.clone())
        .when(ProductCommand::ChangeStock {
            stock: qty(1),
            expected_version: None,
        })
        .then_expect_error(ProductRefusal::Archived);
    test()
        .given(archived)
        .when(ProductCommand::UpdateDetails {
            details: details(),
            expected_version: None,
        })
        .then_expect_error(ProductRefusal::Archived);
}

#[test]
fn fold_tracks_version_status_and_timestamps() {
    let mut product = Product::default();
    product.apply_event(created_event(earlier()));
    product.apply_event(ProductEvent::ProductPriceChanged {
        price_kopecks: price(100),
        previous_kopecks: price(249_900),
        at: now(),
    });
    product.apply_event(ProductEvent::ProductArchived { at: now() });
    let state = product.state.expect("created");
    assert_eq!(product.version, 3);
    assert_eq!(state.price, price(100));
    assert_eq!(state.status, ProductStatus::Archived);
    assert_eq!(state.created_at, earlier());
    assert_eq!(state.updated_at, now());
}

#[test]
fn events_round_trip_through_json() {
    let event = created_event(now());
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["ProductCreated"]["price_kopecks"], 249_900);
    assert_eq!(serde_json::from_value::<ProductEvent>(json).unwrap(), event);
}

mod import {
    use super::*;
    use crate::catalog::{Dimensions, ProductContent, SupplierLink, SupplierOffer};
    use std::collections::BTreeMap;
    use uuid::Uuid;

    fn link() -> SupplierLink {
        SupplierLink {
            supplier_id: Uuid::from_u128(42),
            supplier_sku: "100500".into(),
        }
    }

    fn warehouses(pairs: &[(&str, i64)]) -> BTreeMap<String, Quantity> {
        pairs.iter().map(|(w, q)| ((*w).to_owned(), qty(*q))).collect()
    }

    fn offer(price_kopecks: i64, stock: &[(&str, i64)]) -> SupplierOffer {
        SupplierOffer {
            link: link(),
            sku: Sku::parse("100500").unwrap(),
            details: details(),
            purchase_price: price(price_kopecks),
            stock_by_warehouse: warehouses(stock),
            available: true,
            content: ProductContent {
                images: vec!["https://img.example/1.jpg".into()],
                attributes: BTreeMap::from([("Цвет".to_owned(), "белый".to_owned())]),
                dimensions: Dimensions {
                    weight_g: Some(900),
                    ..Dimensions::default()
                },
                retail_price: Some(price(299_000)),
            },
        }
    }

    fn imported(at: DateTime<Utc>) -> ProductEvent {
        let o = offer(150_000, &[("msk", 3), ("spb", 2)]);
        ProductEvent::ProductImported {
            supplier: link(),
            sku: o.sku,
            title: o.details.title,
            brand: o.details.brand,
            description: o.details.description,
            category: o.details.category,
            barcodes: o.details.barcodes,
            price_kopecks: o.purchase_price,
            stock: qty(5),
            stock_by_warehouse: o.stock_by_warehouse,
            available: true,
            content: o.content,
            at,
        }
    }

    fn import(o: SupplierOffer) -> ProductCommand {
        ProductCommand::ImportOffer(Box::new(o))
    }

    #[test]
    fn a_new_offer_creates_the_product_with_the_total_stock() {
        test()
            .given_no_previous_events()
            .when(import(offer(150_000, &[("msk", 3), ("spb", 2)])))
            .then_expect_events(vec![imported(now())]);
    }

    #[test]
    fn an_unchanged_offer_records_nothing() {
        test()
            .given(vec![imported(earlier())])
            .when(import(offer(150_000, &[("msk", 3), ("spb", 2)])))
            .then_expect_events(vec![]);
    }

    #[test]
    fn only_what_changed_is_recorded() {
        test()
            .given(vec![imported(earlier())])
            .when(import(offer(140_000, &[("msk", 3), ("spb", 2)])))
            .then_expect_events(vec![ProductEvent::ProductPriceChanged {
                price_kopecks: price(140_000),
                previous_kopecks: price(150_000),
                at: now(),
            }]);
        test()
            .given(vec![imported(earlier())])
            .when(import(offer(150_000, &[("msk", 0), ("spb", 2)])))
            .then_expect_events(vec![ProductEvent::ProductSupplyChanged {
                stock_by_warehouse: warehouses(&[("msk", 0), ("spb", 2)]),
                stock: qty(2),
                previous: qty(5),
                available: true,
                at: now(),
            }]);
    }

    #[test]
    fn a_vanished_offer_becomes_unavailable_once() {
        let unavailable = ProductEvent::ProductSupplyChanged {
            stock_by_warehouse: warehouses(&[("msk", 0), ("spb", 0)]),
            stock: qty(0),
            previous: qty(5),
            available: false,
            at: now(),
        };
        test()
            .given(vec![imported(earlier())])
            .when(ProductCommand::MarkUnavailable)
            .then_expect_events(vec![unavailable.clone()]);
        test()
            .given(vec![imported(earlier()), unavailable])
            .when(ProductCommand::MarkUnavailable)
            .then_expect_events(vec![]);
    }

    #[test]
    fn archived_products_ignore_the_feed() {
        test()
            .given(vec![
                imported(earlier()),
                ProductEvent::ProductArchived { at: earlier() },
            ])
            .when(import(offer(1, &[("msk", 99)])))
            .then_expect_events(vec![]);
    }
}

#[test]
fn only_the_callers_version_is_an_expected_version() {
    assert_eq!(
        ProductCommand::Archive { expected_version: None }.expected_version(),
        None
    );
    assert_eq!(
        ProductCommand::ChangeStock {
            stock: Quantity::new(1).unwrap(),
            expected_version: Some(2)
        }
        .expected_version(),
        Some(2)
    );
    assert_eq!(ProductCommand::MarkUnavailable.expected_version(), None);
}
