use super::*;
use crate::clock::FixedClock;
use crate::identity::{ApiKeyName, LoginName, Permission, UserId};
use chrono::{DateTime, Duration, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use std::sync::Arc;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn test() -> TestFramework<ApiKey> {
    TestFramework::with(ApiKeyServices {
        clock: Arc::new(FixedClock(now())),
    })
}

fn owner() -> UserId {
    UserId::for_login(&LoginName::parse("admin").unwrap())
}

fn new_key(scopes: Vec<Permission>, expires_at: Option<DateTime<Utc>>) -> NewApiKey {
    NewApiKey {
        name: ApiKeyName::parse("price robot").unwrap(),
        scopes,
        owner: owner(),
        expires_at,
    }
}

fn created() -> ApiKeyEvent {
    ApiKeyEvent::ApiKeyCreated {
        name: ApiKeyName::parse("price robot").unwrap(),
        scopes: vec![Permission::CatalogRead],
        owner: owner(),
        expires_at: None,
        at: now() - Duration::days(1),
    }
}

#[test]
fn create_records_sorted_scopes() {
    test()
        .given_no_previous_events()
        .when(ApiKeyCommand::Create(new_key(
            vec![
                Permission::CatalogWrite,
                Permission::CatalogRead,
                Permission::CatalogWrite,
            ],
            None,
        )))
        .then_expect_events(vec![ApiKeyEvent::ApiKeyCreated {
            name: ApiKeyName::parse("price robot").unwrap(),
            scopes: vec![Permission::CatalogRead, Permission::CatalogWrite],
            owner: owner(),
            expires_at: None,
            at: now(),
        }]);
}

#[test]
fn create_refusals() {
    test()
        .given_no_previous_events()
        .when(ApiKeyCommand::Create(new_key(vec![], None)))
        .then_expect_error(ApiKeyRefusal::NoScopes);
    test()
        .given_no_previous_events()
        .when(ApiKeyCommand::Create(new_key(
            vec![Permission::CatalogRead],
            Some(now()),
        )))
        .then_expect_error(ApiKeyRefusal::ExpiryInPast);
    test()
        .given(vec![created()])
        .when(ApiKeyCommand::Create(new_key(vec![Permission::CatalogRead], None)))
        .then_expect_error(ApiKeyRefusal::AlreadyExists);
}

#[test]
fn revoke_once() {
    test()
        .given(vec![created()])
        .when(ApiKeyCommand::Revoke)
        .then_expect_events(vec![ApiKeyEvent::ApiKeyRevoked { at: now() }]);
    test()
        .given(vec![created(), ApiKeyEvent::ApiKeyRevoked { at: now() }])
        .when(ApiKeyCommand::Revoke)
        .then_expect_events(vec![]);
    test()
        .given_no_previous_events()
        .when(ApiKeyCommand::Revoke)
        .then_expect_error(ApiKeyRefusal::NotFound);
}

#[test]
fn activity_depends_on_revocation_and_expiry() {
    let mut key = ApiKey::default();
    key.apply_event(ApiKeyEvent::ApiKeyCreated {
        name: ApiKeyName::parse("k").unwrap(),
        scopes: vec![Permission::CatalogRead],
        owner: owner(),
        expires_at: Some(now()),
        at: now() - Duration::days(1),
    });
    let state = key.state.clone().unwrap();
    assert!(state.is_active(now() - Duration::seconds(1)));
    assert!(!state.is_active(now()));
    key.apply_event(ApiKeyEvent::ApiKeyRevoked { at: now() });
    assert!(!key.state.unwrap().is_active(now() - Duration::hours(1)));
}
