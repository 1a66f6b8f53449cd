use super::*;
use crate::sales::values::BasisPoints;
use chrono::Utc;

fn observed(subject: i64, fbw_percent: &str) -> ObservedRates {
    ObservedRates {
        marketplace: Marketplace::Wildberries,
        subject_id: SubjectId::new(subject).unwrap(),
        subject_name: "Чайники электрические".to_owned(),
        parent_name: "Бытовая техника".to_owned(),
        rates: CommissionRates {
            marketplace_warehouse: Some(BasisPoints::from_percent(fbw_percent).unwrap()),
            seller_warehouse: Some(BasisPoints::from_percent("15.5").unwrap()),
            ..CommissionRates::default()
        },
    }
}

fn observe(commission: &mut SubjectCommission, rates: ObservedRates) -> usize {
    let events = decide(commission, CommissionCommand::Observe(rates), Utc::now()).unwrap();
    let count = events.len();
    for event in events {
        commission.apply_event(event);
    }
    count
}

#[test]
fn a_rate_is_news_only_when_it_changes() {
    let mut commission = SubjectCommission::default();
    assert_eq!(observe(&mut commission, observed(105, "15.5")), 1);
    assert_eq!(observe(&mut commission, observed(105, "15.5")), 0);
    let mut renamed = observed(105, "15.5");
    renamed.subject_name = "Чайники".to_owned();
    assert_eq!(observe(&mut commission, renamed), 0);
    assert_eq!(observe(&mut commission, observed(105, "17")), 1);
    let state = commission.state.as_ref().unwrap();
    assert_eq!(state.rates.marketplace_warehouse, Some(BasisPoints::new(1_700)));
    assert_eq!(
        decide(&commission, CommissionCommand::Observe(observed(106, "17")), Utc::now()),
        Err(CommissionRefusal::Mismatch)
    );
}
