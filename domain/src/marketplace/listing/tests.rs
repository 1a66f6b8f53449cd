use super::*;
use crate::catalog::{Kopecks, ProductId};
use crate::clock::FixedClock;
use crate::marketplace::account::AccountId;
use crate::marketplace::card::{CardDimensions, CardDraft};
use crate::marketplace::values::{
    DiscountPercent, ListedStock, Marketplace, SubjectId, VendorCode, WarehouseId, WholeRoubles,
};
use crate::pure_aggregate::ClockServices;
use chrono::{DateTime, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use std::sync::Arc;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn test() -> TestFramework<Listing> {
    TestFramework::with(ClockServices {
        clock: Arc::new(FixedClock(now())),
    })
}

fn account() -> AccountId {
    AccountId::from(Uuid::from_u128(1))
}

fn product() -> ProductId {
    ProductId::from(Uuid::from_u128(2))
}

fn code() -> VendorCode {
    VendorCode::parse("GM-1").unwrap()
}

fn target(kopecks: i64, stock: i64) -> ListingTarget {
    ListingTarget {
        price: Kopecks::new(kopecks).unwrap(),
        discount: DiscountPercent::new(10).unwrap(),
        stock: ListedStock::new(stock).unwrap(),
    }
}

fn publish(refusal: Option<&str>) -> ListingCommand {
    ListingCommand::Publish {
        account_id: account(),
        marketplace: Marketplace::Wildberries,
        product_id: product(),
        vendor_code: code(),
        target: target(99_950, 5),
        refusal: refusal.map(str::to_owned),
    }
}

fn published() -> ListingEvent {
    ListingEvent::ListingPublished {
        account_id: account(),
        marketplace: Marketplace::Wildberries,
        product_id: product(),
        vendor_code: code(),
        target: target(99_950, 5),
        at: now(),
    }
}

fn draft() -> Box<CardDraft> {
    Box::new(CardDraft {
        subject_id: SubjectId::new(7771).unwrap(),
        type_id: None,
        vendor_code: code(),
        brand: None,
        title: "Чайник".into(),
        description: String::new(),
        dimensions: CardDimensions {
            length_cm: 1,
            width_cm: 1,
            height_cm: 1,
            weight_g: 1,
        },
        barcodes: vec![],
        characteristics: vec![],
        images: vec![],
    })
}

fn requested() -> ListingEvent {
    ListingEvent::CardRequested {
        draft: draft(),
        at: now(),
    }
}

fn created() -> ListingEvent {
    ListingEvent::CardCreated {
        nm_id: 500,
        chrt_ids: vec![900],
        at: now(),
    }
}

fn price_requested(task_id: u64) -> ListingEvent {
    ListingEvent::PriceRequested {
        intent: 1,
        value: WholeRoubles::from_kopecks_rounding_up(Kopecks::new(99_950).unwrap()),
        kopecks: None,
        discount: DiscountPercent::new(10).unwrap(),
        task_id,
        at: now(),
    }
}

#[test]
fn publishing_creates_a_listing_waiting_for_its_card() {
    test()
        .given_no_previous_events()
        .when(publish(None))
        .then_expect_events(vec![published()]);
}

#[test]
fn a_card_failing_local_validation_is_rejected_at_once_and_never_requested() {
    test()
        .given_no_previous_events()
        .when(publish(Some("UNMAPPED_CATEGORY: …")))
        .then_expect_events(vec![
            published(),
            ListingEvent::CardRejected {
                reason: "UNMAPPED_CATEGORY: …".into(),
                local: true,
                at: now(),
            },
        ]);
    test()
        .given(vec![
            published(),
            ListingEvent::CardRejected {
                reason: "x".into(),
                local: true,
                at: now(),
            },
        ])
        .when(ListingCommand::RequestCard(draft()))
        .then_expect_error(ListingRefusal::OutOfOrder(
            "only a card not published yet can be requested",
        ));
}

#[test]
fn republishing_a_rejected_card_queues_it_again() {
    test()
        .given(vec![
            published(),
            requested(),
            ListingEvent::CardRejected {
                reason: "Недопустимый предмет".into(),
                local: false,
                at: now(),
            },
        ])
        .when(publish(None))
        .then_expect_events(vec![ListingEvent::ListingRepublished { at: now() }]);
}

#[test]
fn the_card_state_machine_runs_requested_then_created() {
    test()
        .given(vec![published()])
        .when(ListingCommand::RequestCard(draft()))
        .then_expect_events(vec![requested()]);
    test()
        .given(vec![published(), requested()])
        .when(ListingCommand::ConfirmCard {
            nm_id: 500,
            chrt_ids: vec![900],
        })
        .then_expect_events(vec![created()]);
    // A worker confirming twice (restart) records nothing the second time.
    test()
        .given(vec![published(), requested(), created()])
        .when(ListingCommand::ConfirmCard {
            nm_id: 500,
            chrt_ids: vec![900],
        })
        .then_expect_events(vec![]);
    test()
        .given(vec![published(), requested()])
        .when(ListingCommand::RejectCard {
            reason: "Неверный баркод".into(),
            local: false,
        })
        .then_expect_events(vec![ListingEvent::CardRejected {
            reason: "Неверный баркод".into(),
            local: false,
            at: now(),
        }]);
}

#[test]
fn a_price_needs_a_created_card_and_settles_once() {
    test()
        .given(vec![published(), requested()])
        .when(ListingCommand::RequestPrice {
            intent: 1,
            price: Kopecks::new(100_000).unwrap(),
            discount: DiscountPercent::new(10).unwrap(),
            task_id: 7,
        })
        .then_expect_error(ListingRefusal::OutOfOrder("a price needs the card created first"));
    test()
        .given(vec![published(), requested(), created(), price_requested(7)])
        .when(ListingCommand::SettlePrice {
            task_id: 7,
            outcome: PriceOutcome::Failed {
                reason: "The price cannot be changed".into(),
            },
        })
        .then_expect_events(vec![ListingEvent::PriceFailed {
            task_id: 7,
            reason: "The price cannot be changed".into(),
            at: now(),
        }]);
    test()
        .given(vec![
            published(),
            requested(),
            created(),
            price_requested(7),
            ListingEvent::PriceApplied { task_id: 7, at: now() },
        ])
        .when(ListingCommand::SettlePrice {
            task_id: 7,
            outcome: PriceOutcome::Applied,
        })
        .then_expect_events(vec![]);
}

#[test]
fn price_and_stock_are_due_only_when_the_target_moved_or_never_pushed() {
    let mut listing = Listing::default();
    for event in [published(), requested(), created()] {
        listing.apply_event(event);
    }
    let state = |l: &Listing| l.state.clone().unwrap();
    assert!(state(&listing).price_due() && state(&listing).stock_due());
    listing.apply_event(price_requested(7));
    assert!(!state(&listing).price_due(), "pending");
    listing.apply_event(ListingEvent::PriceApplied { task_id: 7, at: now() });
    assert!(!state(&listing).price_due(), "applied at the current intent");
    // The stock changes: a new intent, but the price is the same, so only the stock is due.
    listing.apply_event(ListingEvent::ListingTargetSet {
        target: target(99_950, 8),
        intent: 2,
        at: now(),
    });
    assert!(!state(&listing).price_due());
    assert!(state(&listing).stock_due());
    listing.apply_event(ListingEvent::ListingTargetSet {
        target: target(120_000, 8),
        intent: 3,
        at: now(),
    });
    assert!(state(&listing).price_due());
}

#[test]
fn setting_the_same_target_records_nothing_and_a_new_one_bumps_the_intent() {
    test()
        .given(vec![published()])
        .when(ListingCommand::SetTarget(target(99_950, 5)))
        .then_expect_events(vec![]);
    test()
        .given(vec![published()])
        .when(ListingCommand::SetTarget(target(99_950, 6)))
        .then_expect_events(vec![ListingEvent::ListingTargetSet {
            target: target(99_950, 6),
            intent: 2,
            at: now(),
        }]);
}

#[test]
fn the_listing_id_is_one_per_account_and_product() {
    let other = AccountId::from(Uuid::from_u128(3));
    assert_eq!(
        ListingId::for_product(account(), product()),
        ListingId::for_product(account(), product())
    );
    assert_ne!(
        ListingId::for_product(account(), product()),
        ListingId::for_product(other, product())
    );
}

fn attempt_failed(area: PushArea, attempts: u32) -> ListingEvent {
    ListingEvent::PushAttemptFailed {
        area,
        reason: "HTTP 503".into(),
        attempts,
        retry_at: now() + chrono::Duration::seconds(30),
        at: now(),
    }
}

#[test]
fn failed_attempts_count_up_and_wait_until_their_retry_time() {
    let failure = ListingCommand::RecordPushFailure {
        area: PushArea::Price,
        reason: "HTTP 503".into(),
        retry_at: now() + chrono::Duration::seconds(30),
    };
    test()
        .given(vec![published(), created(), attempt_failed(PushArea::Price, 1)])
        .when(failure)
        .then_expect_events(vec![attempt_failed(PushArea::Price, 2)]);
    let mut listing = Listing::default();
    for event in [published(), created(), attempt_failed(PushArea::Price, 1)] {
        listing.apply_event(event);
    }
    let state = listing.state.as_ref().unwrap();
    assert!(state.waits(PushArea::Price, now()), "waiting until its retry time");
    assert!(!state.waits(PushArea::Price, now() + chrono::Duration::seconds(31)));
    // Another area reaching the marketplace does not end the price's wait.
    listing.apply_event(ListingEvent::StockRequested {
        intent: 1,
        amount: ListedStock::new(5).unwrap(),
        warehouse: WarehouseId::new(507).unwrap(),
        at: now(),
    });
    assert!(listing.state.as_ref().unwrap().waits(PushArea::Price, now()));
    listing.apply_event(price_requested(7));
    assert!(
        listing.state.as_ref().unwrap().retry.is_none(),
        "the price went through"
    );
}

#[test]
fn giving_up_fails_what_is_due_and_a_retry_makes_it_due_again() {
    let warehouse = WarehouseId::new(507).unwrap();
    test()
        .given(vec![published(), created()])
        .when(ListingCommand::GiveUpPush { warehouse })
        .then_expect_error(ListingRefusal::OutOfOrder("no failing push to give up"));
    let given_up = vec![
        ListingEvent::PriceRequested {
            intent: 1,
            value: WholeRoubles::from_kopecks_rounding_up(Kopecks::new(99_950).unwrap()),
            kopecks: None,
            discount: DiscountPercent::new(10).unwrap(),
            task_id: 0,
            at: now(),
        },
        ListingEvent::PriceFailed {
            task_id: 0,
            reason: "HTTP 503".into(),
            at: now(),
        },
        ListingEvent::StockRequested {
            intent: 1,
            amount: ListedStock::new(5).unwrap(),
            warehouse,
            at: now(),
        },
        ListingEvent::StockFailed {
            intent: 1,
            reason: "HTTP 503".into(),
            at: now(),
        },
    ];
    test()
        .given(vec![published(), created(), attempt_failed(PushArea::Price, 3)])
        .when(ListingCommand::GiveUpPush { warehouse })
        .then_expect_events(given_up.clone());
    let mut history = vec![published(), created(), attempt_failed(PushArea::Price, 3)];
    history.extend(given_up);
    let mut listing = Listing::default();
    for event in history.clone() {
        listing.apply_event(event);
    }
    let state = listing.state.as_ref().unwrap();
    assert!(!state.price_due() && !state.stock_due(), "failed, not due");
    test()
        .given(history.clone())
        .when(ListingCommand::RetryPush)
        .then_expect_events(vec![ListingEvent::PushRetried { intent: 2, at: now() }]);
    listing.apply_event(ListingEvent::PushRetried { intent: 2, at: now() });
    let state = listing.state.as_ref().unwrap();
    assert!(state.price_due() && state.stock_due(), "due again after the retry");
    // A card never created is given up as refused, and a retry uploads it again.
    test()
        .given(vec![published(), attempt_failed(PushArea::Card, 3)])
        .when(ListingCommand::GiveUpPush { warehouse })
        .then_expect_events(vec![ListingEvent::CardRejected {
            reason: "HTTP 503".into(),
            local: false,
            at: now(),
        }]);
    let rejected = ListingEvent::CardRejected {
        reason: "HTTP 503".into(),
        local: false,
        at: now(),
    };
    test()
        .given(vec![published(), attempt_failed(PushArea::Card, 3), rejected])
        .when(ListingCommand::RetryPush)
        .then_expect_events(vec![
            ListingEvent::ListingRepublished { at: now() },
            ListingEvent::PushRetried { intent: 2, at: now() },
        ]);
}
