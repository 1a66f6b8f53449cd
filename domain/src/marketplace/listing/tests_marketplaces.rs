//! What a listing does differently by marketplace, as the domain sees it: the price step
//! (Ozon takes kopecks), the card's import task (Ozon), the hourly cap on price changes.

use super::*;
use crate::catalog::{Kopecks, ProductId};
use crate::marketplace::account::AccountId;
use crate::marketplace::values::{DiscountPercent, ListedStock, Marketplace, VendorCode};
use chrono::{DateTime, Duration, TimeZone, Utc};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap()
}

fn target(kopecks: i64) -> ListingTarget {
    ListingTarget {
        price: Kopecks::new(kopecks).unwrap(),
        discount: DiscountPercent::new(0).unwrap(),
        stock: ListedStock::new(3).unwrap(),
    }
}

fn listed_on(marketplace: Marketplace) -> Listing {
    let mut listing = Listing::default();
    let events = decide(
        &listing,
        ListingCommand::Publish {
            account_id: AccountId::from(Uuid::from_u128(1)),
            marketplace,
            product_id: ProductId::from(Uuid::from_u128(2)),
            vendor_code: VendorCode::parse("GM-1").unwrap(),
            target: target(99_950),
            refusal: None,
        },
        now(),
    )
    .unwrap();
    for event in events {
        listing.apply_event(event);
    }
    run(
        &mut listing,
        ListingCommand::ConfirmCard {
            nm_id: 500,
            chrt_ids: vec![500],
        },
    );
    listing
}

fn run(listing: &mut Listing, command: ListingCommand) -> Vec<ListingEvent> {
    run_at(listing, command, now())
}

fn run_at(listing: &mut Listing, command: ListingCommand, at: DateTime<Utc>) -> Vec<ListingEvent> {
    let events = decide(listing, command, at).unwrap();
    for event in events.clone() {
        listing.apply_event(event);
    }
    events
}

fn request_price(listing: &mut Listing, at: DateTime<Utc>) {
    let state = listing.state.as_ref().unwrap();
    let command = ListingCommand::RequestPrice {
        intent: state.intent,
        price: state.target.price_as_sent(state.marketplace),
        discount: state.target.discount,
        task_id: 0,
    };
    run_at(listing, command, at);
    run_at(
        listing,
        ListingCommand::SettlePrice {
            task_id: 0,
            outcome: PriceOutcome::Applied,
        },
        at,
    );
}

#[test]
fn a_few_kopecks_more_are_due_on_ozon_but_not_on_wildberries() {
    for (marketplace, due_again) in [(Marketplace::Wildberries, false), (Marketplace::Ozon, true)] {
        let mut listing = listed_on(marketplace);
        request_price(&mut listing, now());
        let state = listing.state.as_ref().unwrap();
        assert!(!state.price_due(), "{marketplace:?}: just applied");
        let sent = state.price.as_ref().unwrap();
        assert_eq!(
            sent.value.get(),
            1_000,
            "whole roubles are recorded for every marketplace"
        );
        let exact = (marketplace == Marketplace::Ozon).then(|| Kopecks::new(99_950).unwrap());
        assert_eq!(sent.kopecks, exact, "{marketplace:?}");
        // 999,50 ₽ → 999,70 ₽: the same whole roubles, other kopecks.
        run(&mut listing, ListingCommand::SetTarget(target(99_970)));
        assert_eq!(
            listing.state.as_ref().unwrap().price_due(),
            due_again,
            "{marketplace:?}"
        );
    }
}

#[test]
fn an_upload_taken_as_an_import_task_remembers_the_task_once() {
    let mut listing = Listing::default();
    listing.apply_event(ListingEvent::ListingPublished {
        account_id: AccountId::from(Uuid::from_u128(1)),
        marketplace: Marketplace::Ozon,
        product_id: ProductId::from(Uuid::from_u128(2)),
        vendor_code: VendorCode::parse("GM-1").unwrap(),
        target: target(10_000),
        at: now(),
    });
    assert!(decide(&listing, ListingCommand::RecordCardTask { task_id: 77 }, now()).is_err());
    let draft = crate::marketplace::card::CardDraft {
        subject_id: crate::marketplace::values::SubjectId::new(17_028_922).unwrap(),
        type_id: Some(94_765),
        vendor_code: VendorCode::parse("GM-1").unwrap(),
        brand: None,
        title: "Чайник".into(),
        description: String::new(),
        dimensions: crate::marketplace::card::CardRules::default().default_dimensions,
        barcodes: vec![],
        characteristics: vec![],
        images: vec![],
    };
    run(&mut listing, ListingCommand::RequestCard(Box::new(draft)));
    assert_eq!(
        run(&mut listing, ListingCommand::RecordCardTask { task_id: 77 }).len(),
        1
    );
    assert_eq!(
        listing.state.as_ref().unwrap().card,
        CardState::Requested {
            at: now(),
            task: Some(77)
        }
    );
    assert!(run(&mut listing, ListingCommand::RecordCardTask { task_id: 77 }).is_empty());
}

#[test]
fn the_hourly_price_cap_frees_an_hour_after_the_oldest_price_within_it() {
    let mut listing = listed_on(Marketplace::Ozon);
    let start = now();
    for minute in 0..10 {
        run(&mut listing, ListingCommand::SetTarget(target(100_000 + minute)));
        request_price(&mut listing, start + Duration::minutes(minute));
    }
    let state = listing.state.as_ref().unwrap();
    let hour = Duration::hours(1);
    let later = start + Duration::minutes(30);
    assert_eq!(state.price_requests_since(later - Duration::hours(1)), 10);
    assert_eq!(state.price_cap_frees_at(11, hour, later), None, "under a cap of 11");
    assert_eq!(
        state.price_cap_frees_at(10, hour, later),
        Some(start + Duration::hours(1))
    );
    // An hour and a minute on, the prices of minutes 0 and 1 are out of the window.
    let after = start + Duration::minutes(61);
    assert_eq!(state.price_requests_since(after - Duration::hours(1)), 8);
    assert_eq!(state.price_cap_frees_at(10, hour, after), None);
    assert_eq!(
        state.price_cap_frees_at(8, hour, after),
        Some(start + Duration::minutes(62))
    );
}

#[test]
fn a_wait_of_one_area_does_not_hold_back_another() {
    let mut listing = listed_on(Marketplace::Ozon);
    let later = now() + Duration::minutes(10);
    run(
        &mut listing,
        ListingCommand::RecordPushFailure {
            area: PushArea::Stock,
            reason: "product_is_not_created: в модерации".into(),
            retry_at: later,
        },
    );
    let state = listing.state.as_ref().unwrap();
    assert!(state.waits(PushArea::Stock, now()));
    assert!(!state.waits(PushArea::Price, now()), "the price still goes");
    assert!(!state.waits(PushArea::Stock, later));
}
