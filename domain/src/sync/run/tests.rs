use super::*;
use crate::clock::FixedClock;
use crate::pure_aggregate::ClockServices;
use crate::sync::policy::RunTrigger;
use chrono::TimeZone;
use cqrs_es::test::TestFramework;
use std::collections::BTreeMap;
use std::sync::Arc;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn test() -> TestFramework<SyncRun> {
    TestFramework::with(ClockServices {
        clock: Arc::new(FixedClock(now())),
    })
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn started() -> RunEvent {
    RunEvent::RunStarted {
        policy_id: id(1),
        trigger: RunTrigger::Manual,
        imports: [(id(2), id(3))].into(),
        at: now(),
    }
}

fn imported() -> RunEvent {
    RunEvent::RunImportFinished {
        import_id: id(3),
        failure: None,
        at: now(),
    }
}

fn item(product: u128, outcome: ItemOutcome) -> PlannedItem {
    PlannedItem {
        product_id: id(product),
        listing_id: id(product + 1000),
        action: ItemAction::Update,
        outcome,
        price: None,
        stock: None,
    }
}

fn planned() -> RunEvent {
    RunEvent::RunItemsPlanned {
        items: vec![
            item(10, ItemOutcome::Pending),
            item(
                11,
                ItemOutcome::Held {
                    reason: "−70 %".into()
                },
            ),
            item(12, ItemOutcome::Unchanged),
        ],
        at: now(),
    }
}

fn settled(product: u128, outcome: ItemOutcome, attempts: u32) -> SettledItem {
    SettledItem {
        product_id: id(product),
        outcome,
        attempts,
    }
}

#[test]
fn scheduled_runs_have_one_id_per_tick() {
    let tick = now();
    assert_eq!(SyncRunId::for_tick(id(1), tick), SyncRunId::for_tick(id(1), tick));
    assert_ne!(SyncRunId::for_tick(id(1), tick), SyncRunId::for_tick(id(2), tick));
    assert_ne!(
        SyncRunId::for_tick(id(1), tick),
        SyncRunId::for_tick(id(1), tick + chrono::Duration::seconds(1))
    );
}

#[test]
fn a_run_completes_only_when_imports_are_done_and_every_item_settled() {
    test()
        .given(vec![started()])
        .when(RunCommand::Complete)
        .then_expect_error(RunRefusal::WrongStatus("importing"));
    test()
        .given(vec![started(), imported(), planned()])
        .when(RunCommand::Complete)
        .then_expect_error(RunRefusal::WrongStatus("pushing"));
    let done = RunEvent::RunItemsSettled {
        items: vec![settled(10, ItemOutcome::Updated, 1)],
        at: now(),
    };
    test()
        .given(vec![started(), imported(), planned(), done])
        .when(RunCommand::Complete)
        .then_expect_events(vec![RunEvent::RunCompleted { at: now() }]);
    test()
        .given(vec![started()])
        .when(RunCommand::Start {
            policy_id: id(1),
            trigger: RunTrigger::Manual,
            imports: BTreeMap::new(),
        })
        .then_expect_error(RunRefusal::AlreadyStarted);
}

#[test]
fn repeated_reports_record_nothing() {
    test()
        .given(vec![started(), imported()])
        .when(RunCommand::RecordImport {
            import_id: id(3),
            failure: Some("late".into()),
        })
        .then_expect_events(vec![]);
    let failed = settled(10, ItemOutcome::Failed { reason: "503".into() }, 3);
    let settle = RunEvent::RunItemsSettled {
        items: vec![failed.clone()],
        at: now(),
    };
    test()
        .given(vec![started(), imported(), planned(), settle])
        .when(RunCommand::Settle { items: vec![failed] })
        .then_expect_events(vec![]);
    // A product planned twice keeps its first plan.
    test()
        .given(vec![started(), imported(), planned()])
        .when(RunCommand::Plan {
            items: vec![item(10, ItemOutcome::Unchanged)],
        })
        .then_expect_events(vec![]);
}

#[test]
fn held_prices_are_approved_and_failed_items_retried() {
    test()
        .given(vec![started(), imported(), planned()])
        .when(RunCommand::ApproveHeld {
            product_ids: vec![id(12)],
        })
        .then_expect_error(RunRefusal::NotHeld(id(12)));
    test()
        .given(vec![started(), imported(), planned()])
        .when(RunCommand::ApproveHeld {
            product_ids: vec![id(11)],
        })
        .then_expect_events(vec![RunEvent::HeldPricesApproved {
            product_ids: vec![id(11)],
            at: now(),
        }]);
    let failed = RunEvent::RunItemsSettled {
        items: vec![settled(10, ItemOutcome::Failed { reason: "503".into() }, 5)],
        at: now(),
    };
    let completed = RunEvent::RunCompleted { at: now() };
    test()
        .given(vec![
            started(),
            imported(),
            planned(),
            failed.clone(),
            completed.clone(),
        ])
        .when(RunCommand::RetryFailed)
        .then_expect_events(vec![RunEvent::FailedItemsRetried {
            product_ids: vec![id(10)],
            at: now(),
        }]);
    let mut run = SyncRun::default();
    for event in [
        started(),
        imported(),
        planned(),
        failed,
        completed,
        RunEvent::FailedItemsRetried {
            product_ids: vec![id(10)],
            at: now(),
        },
    ] {
        run.apply_event(event);
    }
    let state = run.state.unwrap();
    assert_eq!(state.status, RunStatus::Pushing, "a retried run is running again");
    assert_eq!(state.items[&id(10)].outcome, ItemOutcome::Pending);
    assert_eq!(state.items[&id(10)].attempts, 0);
    assert_eq!(state.counts().get("HELD"), Some(&1));
}
