use super::*;
use crate::clock::FixedClock;
use crate::pure_aggregate::ClockServices;
use crate::supplier::values::{FeedEncoding, FeedKind, FeedUrl, SupplierName};
use chrono::{DateTime, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use std::sync::Arc;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn test() -> TestFramework<Supplier> {
    TestFramework::with(ClockServices {
        clock: Arc::new(FixedClock(now())),
    })
}

fn settings(url: &str) -> SupplierSettings {
    SupplierSettings {
        name: SupplierName::parse("Wholesaler").unwrap(),
        kind: FeedKind::WholesalerCsv,
        url: FeedUrl::parse(url).unwrap(),
        encoding: FeedEncoding::Auto,
        image_url_template: None,
        credentials_secret_id: None,
    }
}

fn registered() -> SupplierEvent {
    SupplierEvent::SupplierRegistered {
        settings: settings("https://a.example/"),
        at: now(),
    }
}

#[test]
fn register_once() {
    test()
        .given_no_previous_events()
        .when(SupplierCommand::Register(settings("https://a.example/")))
        .then_expect_events(vec![registered()]);
    test()
        .given(vec![registered()])
        .when(SupplierCommand::Register(settings("https://b.example/")))
        .then_expect_error(SupplierRefusal::AlreadyExists {
            name: "Wholesaler".into(),
        });
}

#[test]
fn update_records_only_changes() {
    test()
        .given(vec![registered()])
        .when(SupplierCommand::Update(settings("https://a.example/")))
        .then_expect_events(vec![]);
    test()
        .given(vec![registered()])
        .when(SupplierCommand::Update(settings("https://b.example/")))
        .then_expect_events(vec![SupplierEvent::SupplierUpdated {
            settings: settings("https://b.example/"),
            at: now(),
        }]);
    test()
        .given_no_previous_events()
        .when(SupplierCommand::Update(settings("https://b.example/")))
        .then_expect_error(SupplierRefusal::NotFound);
}

#[test]
fn disable_and_enable_are_idempotent() {
    test()
        .given(vec![registered()])
        .when(SupplierCommand::Disable)
        .then_expect_events(vec![SupplierEvent::SupplierDisabled { at: now() }]);
    test()
        .given(vec![registered(), SupplierEvent::SupplierDisabled { at: now() }])
        .when(SupplierCommand::Disable)
        .then_expect_events(vec![]);
    test()
        .given(vec![registered(), SupplierEvent::SupplierDisabled { at: now() }])
        .when(SupplierCommand::Enable)
        .then_expect_events(vec![SupplierEvent::SupplierEnabled { at: now() }]);
    test()
        .given(vec![registered()])
        .when(SupplierCommand::Enable)
        .then_expect_events(vec![]);
}
