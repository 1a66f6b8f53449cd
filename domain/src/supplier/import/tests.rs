use super::*;
use crate::clock::FixedClock;
use crate::pure_aggregate::ClockServices;
use crate::supplier::values::SupplierId;
use chrono::{DateTime, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use std::sync::Arc;
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn test() -> TestFramework<Import> {
    TestFramework::with(ClockServices {
        clock: Arc::new(FixedClock(now())),
    })
}

fn supplier() -> SupplierId {
    SupplierId::from(Uuid::from_u128(1))
}

fn started() -> ImportEvent {
    ImportEvent::ImportStarted {
        supplier_id: supplier(),
        dry_run: false,
        at: now(),
    }
}

fn counts(seen: u64) -> ImportCounts {
    ImportCounts {
        seen,
        created: seen,
        ..ImportCounts::default()
    }
}

#[test]
fn lifecycle() {
    test()
        .given_no_previous_events()
        .when(ImportCommand::Start {
            supplier_id: supplier(),
            dry_run: false,
        })
        .then_expect_events(vec![started()]);
    test()
        .given(vec![started()])
        .when(ImportCommand::Progress(counts(10)))
        .then_expect_events(vec![ImportEvent::ImportProgressed {
            counts: counts(10),
            at: now(),
        }]);
    test()
        .given(vec![
            started(),
            ImportEvent::ImportProgressed {
                counts: counts(10),
                at: now(),
            },
        ])
        .when(ImportCommand::Progress(counts(10)))
        .then_expect_events(vec![]);
    test()
        .given(vec![started()])
        .when(ImportCommand::Complete(counts(20)))
        .then_expect_events(vec![ImportEvent::ImportCompleted {
            counts: counts(20),
            at: now(),
        }]);
    test()
        .given(vec![started()])
        .when(ImportCommand::Fail {
            reason: "HTTP 500".into(),
            counts: counts(0),
        })
        .then_expect_events(vec![ImportEvent::ImportFailed {
            reason: "HTTP 500".into(),
            counts: counts(0),
            at: now(),
        }]);
}

#[test]
fn ended_imports_take_no_more_commands() {
    let completed = ImportEvent::ImportCompleted {
        counts: counts(20),
        at: now(),
    };
    test()
        .given(vec![started(), completed.clone()])
        .when(ImportCommand::Complete(counts(20)))
        .then_expect_events(vec![]);
    test()
        .given(vec![started(), completed])
        .when(ImportCommand::Progress(counts(30)))
        .then_expect_error(ImportRefusal::Finished);
    test()
        .given(vec![started()])
        .when(ImportCommand::Start {
            supplier_id: supplier(),
            dry_run: true,
        })
        .then_expect_error(ImportRefusal::AlreadyStarted);
    test()
        .given_no_previous_events()
        .when(ImportCommand::Complete(counts(1)))
        .then_expect_error(ImportRefusal::NotFound);
}
