use super::*;
use crate::marketplace::values::NmId;
use crate::sales::order::RowMatch;
use chrono::Utc;
use uuid::Uuid;

fn row(nm_id: i64, warehouse: &str, quantity: i64) -> StockRow {
    StockRow {
        account_id: AccountId::from(Uuid::from_u128(7)),
        stock: ReportedStock {
            nm_id: NmId::new(nm_id).unwrap(),
            barcode: "2037401340280".to_owned(),
            vendor_code: "GM-443284".to_owned(),
            warehouse: warehouse.to_owned(),
            level: StockLevel {
                quantity,
                in_way_to_client: 1,
                in_way_from_client: 0,
            },
            changed_at: Utc::now(),
        },
        matched: RowMatch::default(),
    }
}

fn observe(stock: &mut MarketplaceStock, rows: Vec<StockRow>) -> usize {
    let events = decide(stock, StockCommand::Observe(rows), Utc::now()).unwrap();
    let count = events.len();
    for event in events {
        stock.apply_event(event);
    }
    count
}

#[test]
fn only_changed_figures_are_facts() {
    let mut stock = MarketplaceStock::default();
    assert_eq!(
        observe(&mut stock, vec![row(5, "Краснодар", 33), row(5, "Коледино", 2)]),
        2
    );
    assert_eq!(
        observe(&mut stock, vec![row(5, "Краснодар", 33), row(5, "Коледино", 2)]),
        0
    );
    assert_eq!(observe(&mut stock, vec![row(5, "Краснодар", 32)]), 1);
    // Two rows for one place in one batch: the later one is the figure.
    assert_eq!(
        observe(&mut stock, vec![row(5, "Коледино", 9), row(5, "Коледино", 2)]),
        0
    );
    let levels = &stock.state.as_ref().unwrap().levels;
    assert_eq!(
        levels[&("2037401340280".to_owned(), "Краснодар".to_owned())].quantity,
        32
    );
}

#[test]
fn a_row_of_another_article_is_refused_and_state_survives_json() {
    let mut stock = MarketplaceStock::default();
    observe(&mut stock, vec![row(5, "Краснодар", 33)]);
    assert_eq!(
        decide(&stock, StockCommand::Observe(vec![row(6, "Краснодар", 1)]), Utc::now()),
        Err(StockRefusal::Mismatch)
    );
    let json = serde_json::to_value(&stock).unwrap();
    assert_eq!(serde_json::from_value::<MarketplaceStock>(json).unwrap(), stock);
}

#[test]
fn the_stock_history_figures_are_a_fact_only_when_they_change() {
    let mut stock = MarketplaceStock::default();
    let report = |lost: i64| StockCommand::ReportLostSales {
        account_id: AccountId::from(Uuid::from_u128(7)),
        report: ReportedLostSales {
            nm_id: NmId::new(5).unwrap(),
            vendor_code: "GM-443284".to_owned(),
            figures: LostSales {
                period_start: chrono::NaiveDate::from_ymd_opt(2026, 11, 5).unwrap(),
                period_end: chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
                lost_orders_hundredths: Some(lost),
                lost_orders_kopecks: Some(lost * 10),
                missing_hours: Some(30),
            },
        },
        matched: RowMatch::default(),
    };
    let mut apply = |command| {
        let events = decide(&stock, command, Utc::now()).unwrap();
        let count = events.len();
        for event in events {
            stock.apply_event(event);
        }
        count
    };
    assert_eq!(apply(report(1_250)), 1);
    assert_eq!(apply(report(1_250)), 0, "the same figures again: nothing");
    assert_eq!(apply(report(1_300)), 1);
    // Stock rows of the same article still read against their own figures.
    assert_eq!(observe(&mut stock, vec![row(5, "Коледино", 2)]), 1);
    let other = StockCommand::ReportLostSales {
        account_id: AccountId::from(Uuid::from_u128(8)),
        report: ReportedLostSales {
            nm_id: NmId::new(5).unwrap(),
            vendor_code: String::new(),
            figures: stock.state.as_ref().unwrap().lost_sales.unwrap(),
        },
        matched: RowMatch::default(),
    };
    assert_eq!(decide(&stock, other, Utc::now()), Err(StockRefusal::Mismatch));
}
