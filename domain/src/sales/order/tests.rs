use super::*;
use crate::marketplace::values::NmId;
use crate::sales::values::{BasisPoints, SaleKind, SignedKopecks, report_time};
use chrono::{DateTime, Utc};
use uuid::Uuid;

fn account() -> AccountId {
    AccountId::from(Uuid::from_u128(7))
}

fn at(text: &str) -> DateTime<Utc> {
    report_time(text).unwrap()
}

fn order_row(cancelled: Option<&str>) -> OrderRow {
    OrderRow {
        account_id: account(),
        order: reported_order(cancelled),
        matched: RowMatch::default(),
    }
}

fn reported_order(cancelled: Option<&str>) -> ReportedOrder {
    ReportedOrder {
        srid: "11.rf9ef11fce1684117b0nhj96222982382.3.0".to_owned(),
        nm_id: NmId::new(1_234_567).unwrap(),
        barcode: "123453559000".to_owned(),
        vendor_code: "GM-12345".to_owned(),
        warehouse: "Подольск".to_owned(),
        region: "Московская".to_owned(),
        ordered_at: at("2022-03-04T18:08:31"),
        changed_at: at("2022-03-06T10:11:07"),
        total_price: SignedKopecks::from_roubles("1887").unwrap(),
        discount: BasisPoints::from_percent("18").unwrap(),
        marketplace_discount: BasisPoints::from_percent("26").unwrap(),
        price_with_discount: SignedKopecks::from_roubles("1547.34").unwrap(),
        finished_price: SignedKopecks::from_roubles("1145").unwrap(),
        cancelled_at: cancelled.map(at),
    }
}

fn sale_row(sale_id: &str) -> SaleRow {
    let order = reported_order(None);
    let sale = ReportedSale {
        sale_id: sale_id.to_owned(),
        kind: SaleKind::of(sale_id).unwrap(),
        srid: order.srid,
        nm_id: order.nm_id,
        barcode: order.barcode,
        vendor_code: order.vendor_code,
        warehouse: order.warehouse,
        region: order.region,
        sold_at: at("2022-03-06T10:11:07"),
        changed_at: at("2022-03-06T10:11:07"),
        price_with_discount: order.price_with_discount,
        finished_price: order.finished_price,
        for_pay: SignedKopecks::from_roubles("1284.01").unwrap(),
    };
    SaleRow {
        account_id: account(),
        sale,
        matched: RowMatch::default(),
    }
}

/// Applies `command` to `order`; the events it recorded.
fn record(order: &mut MarketplaceOrder, command: OrderCommand) -> Vec<OrderEvent> {
    let events = decide(order, command, Utc::now()).unwrap();
    for event in events.clone() {
        order.apply_event(event);
    }
    events
}

fn kinds(events: &[OrderEvent]) -> Vec<String> {
    events.iter().map(cqrs_es::DomainEvent::event_type).collect()
}

#[test]
fn a_row_read_again_records_nothing() {
    let mut order = MarketplaceOrder::default();
    let first = record(&mut order, OrderCommand::RecordOrderRow(Box::new(order_row(None))));
    assert_eq!(kinds(&first), ["OrderPlaced"]);
    assert!(record(&mut order, OrderCommand::RecordOrderRow(Box::new(order_row(None)))).is_empty());
    let sale = record(
        &mut order,
        OrderCommand::RecordSaleRow(Box::new(sale_row("S9993700024"))),
    );
    assert_eq!(kinds(&sale), ["SaleRecorded"]);
    assert!(
        record(
            &mut order,
            OrderCommand::RecordSaleRow(Box::new(sale_row("S9993700024")))
        )
        .is_empty()
    );
    assert_eq!(order.version, 2);
}

#[test]
fn a_cancellation_reported_later_is_one_fact() {
    let mut order = MarketplaceOrder::default();
    record(&mut order, OrderCommand::RecordOrderRow(Box::new(order_row(None))));
    let cancelled = order_row(Some("2022-03-09T00:00:00"));
    let events = record(&mut order, OrderCommand::RecordOrderRow(Box::new(cancelled.clone())));
    assert_eq!(kinds(&events), ["OrderCancelled"]);
    assert!(record(&mut order, OrderCommand::RecordOrderRow(Box::new(cancelled))).is_empty());
    // Read for the first time already cancelled: placed and cancelled at once.
    let mut fresh = MarketplaceOrder::default();
    let events = record(
        &mut fresh,
        OrderCommand::RecordOrderRow(Box::new(order_row(Some("2022-03-09T00:00:00")))),
    );
    assert_eq!(kinds(&events), ["OrderPlaced", "OrderCancelled"]);
}

#[test]
fn a_sale_before_its_order_and_a_return_are_facts_too() {
    let mut order = MarketplaceOrder::default();
    let sale = record(&mut order, OrderCommand::RecordSaleRow(Box::new(sale_row("S1"))));
    assert_eq!(kinds(&sale), ["SaleRecorded"]);
    let placed = record(&mut order, OrderCommand::RecordOrderRow(Box::new(order_row(None))));
    assert_eq!(kinds(&placed), ["OrderPlaced"]);
    let mut back = sale_row("R1");
    back.sale.for_pay = SignedKopecks::from_roubles("-1284.01").unwrap();
    let returned = record(&mut order, OrderCommand::RecordSaleRow(Box::new(back)));
    assert!(matches!(
        &returned[..],
        [OrderEvent::ReturnRecorded { for_pay, .. }] if for_pay.get() == -128_401
    ));
}

#[test]
fn a_row_of_another_order_is_refused() {
    let mut order = MarketplaceOrder::default();
    record(&mut order, OrderCommand::RecordOrderRow(Box::new(order_row(None))));
    let mut other = order_row(None);
    other.order.srid = "another".to_owned();
    assert_eq!(
        decide(&order, OrderCommand::RecordOrderRow(Box::new(other)), Utc::now()),
        Err(OrderRefusal::Mismatch)
    );
    assert_ne!(
        MarketplaceOrderId::for_srid(account(), "a"),
        MarketplaceOrderId::for_srid(account(), "b")
    );
}
