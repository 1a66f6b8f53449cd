use super::*;
use crate::clock::FixedClock;
use crate::pure_aggregate::ClockServices;
use crate::sync::exclusions::Exclusions;
use crate::sync::pricing::PricingRule;
use crate::sync::schedule::Schedule;
use crate::sync::stock::StockRule;
use chrono::TimeZone;
use chrono::{DateTime, Utc};
use cqrs_es::test::TestFramework;
use std::sync::Arc;
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn test() -> TestFramework<SyncPolicy> {
    TestFramework::with(ClockServices {
        clock: Arc::new(FixedClock(now())),
    })
}

fn settings() -> Box<PolicySettings> {
    Box::new(PolicySettings {
        name: "Чайники на WB".to_owned(),
        supplier_ids: [Uuid::from_u128(1)].into(),
        account_id: Uuid::from_u128(2),
        pricing: PricingRule::seed(),
        stock: StockRule::default(),
        exclusions: Exclusions::default(),
        price_drop_guard: PolicySettings::default_price_drop_guard(),
        schedule: Some(Schedule::parse("0 * * * *", "Europe/Moscow").unwrap()),
        max_attempts: 5,
        enabled: true,
    })
}

fn created() -> PolicyEvent {
    PolicyEvent::PolicyCreated {
        settings: settings(),
        at: now(),
    }
}

fn tick(hour: u32) -> RunTrigger {
    RunTrigger::Schedule {
        tick: Utc.with_ymd_and_hms(2026, 11, 24, hour, 0, 0).unwrap(),
    }
}

fn run(n: u128) -> Uuid {
    Uuid::from_u128(100 + n)
}

#[test]
fn a_policy_is_created_then_updated_and_an_unchanged_upsert_records_nothing() {
    test()
        .given_no_previous_events()
        .when(PolicyCommand::Upsert(settings()))
        .then_expect_events(vec![created()]);
    test()
        .given(vec![created()])
        .when(PolicyCommand::Upsert(settings()))
        .then_expect_events(vec![]);
    let mut changed = settings();
    changed.max_attempts = 3;
    test()
        .given(vec![created()])
        .when(PolicyCommand::Upsert(changed.clone()))
        .then_expect_events(vec![PolicyEvent::PolicyUpdated {
            settings: changed,
            at: now(),
        }]);
}

#[test]
fn invalid_settings_are_refused_with_the_field() {
    type Breaks = fn(&mut PolicySettings);
    let cases: [(Breaks, &str); 4] = [
        (|s| s.name = "  ".into(), "name"),
        (|s| s.supplier_ids.clear(), "supplierIds"),
        (|s| s.pricing.bands.clear(), "pricing"),
        (|s| s.max_attempts = 0, "maxAttempts"),
    ];
    for (break_it, field) in cases {
        let mut bad = settings();
        break_it(&mut bad);
        let refusal = decide(&SyncPolicy::default(), PolicyCommand::Upsert(bad), now()).unwrap_err();
        assert!(
            matches!(refusal, PolicyRefusal::Invalid { field: f, .. } if f == field),
            "{refusal:?}"
        );
    }
}

#[test]
fn a_policy_runs_once_at_a_time_and_each_tick_once() {
    let started = |n, trigger| PolicyEvent::PolicyRunStarted {
        run_id: run(n),
        trigger,
        at: now(),
    };
    test()
        .given(vec![created()])
        .when(PolicyCommand::StartRun {
            run_id: run(1),
            trigger: tick(10),
        })
        .then_expect_events(vec![started(1, tick(10))]);
    test()
        .given(vec![created(), started(1, tick(10))])
        .when(PolicyCommand::StartRun {
            run_id: run(2),
            trigger: RunTrigger::Manual,
        })
        .then_expect_error(PolicyRefusal::RunInProgress(run(1)));
    // The same start again (a retried command) is a no-op.
    test()
        .given(vec![created(), started(1, tick(10))])
        .when(PolicyCommand::StartRun {
            run_id: run(1),
            trigger: tick(10),
        })
        .then_expect_events(vec![]);
    let finished = PolicyEvent::PolicyRunFinished {
        run_id: run(1),
        at: now(),
    };
    test()
        .given(vec![created(), started(1, tick(10)), finished.clone()])
        .when(PolicyCommand::StartRun {
            run_id: run(2),
            trigger: tick(10),
        })
        .then_expect_error(PolicyRefusal::TickAlreadyRun);
    test()
        .given(vec![created(), started(1, tick(10)), finished.clone()])
        .when(PolicyCommand::StartRun {
            run_id: run(2),
            trigger: tick(11),
        })
        .then_expect_events(vec![started(2, tick(11))]);
    test()
        .given(vec![created(), started(1, tick(10))])
        .when(PolicyCommand::FinishRun { run_id: run(1) })
        .then_expect_events(vec![finished]);
    test()
        .given(vec![created()])
        .when(PolicyCommand::FinishRun { run_id: run(1) })
        .then_expect_events(vec![]);
}

#[test]
fn a_disabled_policy_is_not_scheduled_but_can_be_triggered() {
    let mut disabled = settings();
    disabled.enabled = false;
    let created = PolicyEvent::PolicyCreated {
        settings: disabled,
        at: now(),
    };
    test()
        .given(vec![created.clone()])
        .when(PolicyCommand::StartRun {
            run_id: run(1),
            trigger: tick(10),
        })
        .then_expect_error(PolicyRefusal::Disabled);
    test()
        .given(vec![created])
        .when(PolicyCommand::StartRun {
            run_id: run(1),
            trigger: RunTrigger::Manual,
        })
        .then_expect_events(vec![PolicyEvent::PolicyRunStarted {
            run_id: run(1),
            trigger: RunTrigger::Manual,
            at: now(),
        }]);
    test()
        .given_no_previous_events()
        .when(PolicyCommand::FinishRun { run_id: run(1) })
        .then_expect_error(PolicyRefusal::NotFound);
}
