//! Given/when/then tests of every user command path.

use super::*;
use crate::clock::FixedClock;
use crate::identity::{LoginName, Permission, Role};
use chrono::{DateTime, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use std::sync::Arc;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn earlier() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap()
}

fn test() -> TestFramework<User> {
    TestFramework::with(UserServices {
        clock: Arc::new(FixedClock(now())),
    })
}

fn login() -> LoginName {
    LoginName::parse("ops@shop.ru").unwrap()
}

fn created(roles: Vec<Role>) -> UserEvent {
    UserEvent::UserCreated {
        login: login(),
        roles,
        at: earlier(),
    }
}

#[test]
fn create_records_sorted_unique_roles() {
    test()
        .given_no_previous_events()
        .when(UserCommand::Create {
            login: login(),
            roles: vec![Role::Viewer, Role::Manager, Role::Viewer],
        })
        .then_expect_events(vec![UserEvent::UserCreated {
            login: login(),
            roles: vec![Role::Manager, Role::Viewer],
            at: now(),
        }]);
}

#[test]
fn create_without_roles_is_refused() {
    test()
        .given_no_previous_events()
        .when(UserCommand::Create {
            login: login(),
            roles: vec![],
        })
        .then_expect_error(UserRefusal::NoRoles);
}

#[test]
fn create_twice_is_already_exists() {
    test()
        .given(vec![created(vec![Role::Viewer])])
        .when(UserCommand::Create {
            login: login(),
            roles: vec![Role::Admin],
        })
        .then_expect_error(UserRefusal::AlreadyExists {
            login: "ops@shop.ru".into(),
        });
}

#[test]
fn commands_on_a_missing_user_are_not_found() {
    for command in [
        UserCommand::ChangePassword,
        UserCommand::GrantRole(Role::Admin),
        UserCommand::RevokeRole(Role::Admin),
        UserCommand::Disable,
        UserCommand::Enable,
    ] {
        test()
            .given_no_previous_events()
            .when(command)
            .then_expect_error(UserRefusal::NotFound);
    }
}

#[test]
fn grant_records_once() {
    test()
        .given(vec![created(vec![Role::Viewer])])
        .when(UserCommand::GrantRole(Role::Operator))
        .then_expect_events(vec![UserEvent::RoleGranted {
            role: Role::Operator,
            at: now(),
        }]);
    test()
        .given(vec![created(vec![Role::Viewer])])
        .when(UserCommand::GrantRole(Role::Viewer))
        .then_expect_events(vec![]);
}

#[test]
fn revoke_records_once_and_never_the_last_role() {
    test()
        .given(vec![created(vec![Role::Viewer, Role::Operator])])
        .when(UserCommand::RevokeRole(Role::Operator))
        .then_expect_events(vec![UserEvent::RoleRevoked {
            role: Role::Operator,
            at: now(),
        }]);
    test()
        .given(vec![created(vec![Role::Viewer])])
        .when(UserCommand::RevokeRole(Role::Admin))
        .then_expect_events(vec![]);
    test()
        .given(vec![created(vec![Role::Viewer])])
        .when(UserCommand::RevokeRole(Role::Viewer))
        .then_expect_error(UserRefusal::LastRole);
}

#[test]
fn disable_and_enable_are_idempotent() {
    test()
        .given(vec![created(vec![Role::Viewer])])
        .when(UserCommand::Disable)
        .then_expect_events(vec![UserEvent::UserDisabled { at: now() }]);
    test()
        .given(vec![
            created(vec![Role::Viewer]),
            UserEvent::UserDisabled { at: earlier() },
        ])
        .when(UserCommand::Disable)
        .then_expect_events(vec![]);
    test()
        .given(vec![
            created(vec![Role::Viewer]),
            UserEvent::UserDisabled { at: earlier() },
        ])
        .when(UserCommand::Enable)
        .then_expect_events(vec![UserEvent::UserEnabled { at: now() }]);
    test()
        .given(vec![created(vec![Role::Viewer])])
        .when(UserCommand::Enable)
        .then_expect_events(vec![]);
}

#[test]
fn change_password_is_recorded_without_the_hash() {
    test()
        .given(vec![created(vec![Role::Viewer])])
        .when(UserCommand::ChangePassword)
        .then_expect_events(vec![UserEvent::PasswordChanged { at: now() }]);
}

#[test]
fn fold_tracks_roles_disablement_and_password_time() {
    let mut user = User::default();
    user.apply_event(created(vec![Role::Viewer]));
    user.apply_event(UserEvent::RoleGranted {
        role: Role::Manager,
        at: earlier(),
    });
    user.apply_event(UserEvent::PasswordChanged { at: now() });
    let state = user.state.clone().unwrap();
    assert_eq!(user.version, 3);
    assert!(state.has(Permission::CatalogWrite));
    assert_eq!(state.password_changed_at, now());
    user.apply_event(UserEvent::UserDisabled { at: now() });
    let state = user.state.unwrap();
    assert!(!state.has(Permission::CatalogRead));
    assert!(state.permissions().is_empty());
}
