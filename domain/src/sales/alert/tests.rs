use super::*;
use chrono::{TimeZone, Utc};

fn scope() -> AlertScope {
    AlertScope {
        condition: AlertCondition::StockCoverLow,
        subject: "listing:1".into(),
        account_id: Some(uuid::Uuid::from_u128(7)),
        supplier_id: None,
        product_id: None,
        listing_id: Some(uuid::Uuid::from_u128(1)),
    }
}

fn run(alert: &mut Alert, command: AlertCommand) -> Result<Vec<AlertEvent>, AlertRefusal> {
    let events = decide(alert, command, Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap())?;
    for event in events.clone() {
        alert.apply_event(event);
    }
    Ok(events)
}

fn raise(message: &str) -> AlertCommand {
    AlertCommand::Raise {
        scope: scope(),
        message: message.into(),
    }
}

#[test]
fn an_alert_is_raised_once_per_episode() {
    let mut alert = Alert::default();
    assert_eq!(run(&mut alert, raise("2 days left")).unwrap().len(), 1);
    assert!(
        run(&mut alert, raise("1 day left")).unwrap().is_empty(),
        "open: no news"
    );
    let resolved = run(
        &mut alert,
        AlertCommand::Resolve {
            message: "restocked".into(),
        },
    )
    .unwrap();
    assert!(matches!(resolved[..], [AlertEvent::AlertResolved { episode: 1, .. }]));
    assert!(
        run(
            &mut alert,
            AlertCommand::Resolve {
                message: "again".into()
            }
        )
        .unwrap()
        .is_empty()
    );
    let again = run(&mut alert, raise("empty again")).unwrap();
    assert!(matches!(again[..], [AlertEvent::AlertRaised { episode: 2, .. }]));
}

#[test]
fn acknowledging_records_who_once_and_needs_an_alert() {
    let mut alert = Alert::default();
    assert_eq!(
        run(&mut alert, AlertCommand::Acknowledge { by: "user:a".into() }),
        Err(AlertRefusal::Unknown)
    );
    run(&mut alert, raise("x")).unwrap();
    let acknowledged = run(&mut alert, AlertCommand::Acknowledge { by: "user:a".into() }).unwrap();
    assert!(matches!(&acknowledged[..], [AlertEvent::AlertAcknowledged { by, .. }] if by == "user:a"));
    assert!(
        run(&mut alert, AlertCommand::Acknowledge { by: "user:b".into() })
            .unwrap()
            .is_empty()
    );
    let state = alert.state.unwrap();
    assert_eq!(state.episode.acknowledged.unwrap().0, "user:a");
}

#[test]
fn a_stream_keeps_its_condition_and_subject() {
    let mut alert = Alert::default();
    run(&mut alert, raise("x")).unwrap();
    let mut other = scope();
    other.subject = "listing:2".into();
    let refused = run(
        &mut alert,
        AlertCommand::Raise {
            scope: other,
            message: "y".into(),
        },
    );
    assert_eq!(refused, Err(AlertRefusal::Mismatch));
    assert_ne!(
        AlertId::for_scope(AlertCondition::StockCoverLow, "a"),
        AlertId::for_scope(AlertCondition::PriceHeld, "a")
    );
}

#[test]
fn conditions_are_found_by_the_names_they_are_stored_under() {
    for condition in AlertCondition::ALL {
        assert_eq!(AlertCondition::named(condition.as_str()), Some(condition));
        let json = serde_json::to_value(condition).unwrap();
        assert_eq!(json, condition.as_str(), "the stored name is the serde name");
    }
    assert_eq!(AlertCondition::named("LOW_MOOD"), None);
}
