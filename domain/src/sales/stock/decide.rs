use super::{MarketplaceStock, StockCommand, StockEvent, StockRefusal, StockRow};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// One `MarketplaceStockObserved` per size and warehouse whose figures differ from the last
/// ones known (a later row of the batch for the same place wins over an earlier one); one
/// `LostSalesReported` when the stock history figures differ from the last reported.
pub fn decide(
    stock: &MarketplaceStock,
    command: StockCommand,
    now: DateTime<Utc>,
) -> Result<Vec<StockEvent>, StockRefusal> {
    let rows = match command {
        StockCommand::Observe(rows) => rows,
        StockCommand::ReportLostSales {
            account_id,
            report,
            matched,
        } => {
            if stock
                .state
                .as_ref()
                .is_some_and(|s| s.account_id != account_id || s.nm_id != report.nm_id)
            {
                return Err(StockRefusal::Mismatch);
            }
            let known = stock.state.as_ref().and_then(|s| s.lost_sales);
            return Ok((known != Some(report.figures))
                .then_some(StockEvent::LostSalesReported {
                    account_id,
                    nm_id: report.nm_id,
                    vendor_code: report.vendor_code,
                    figures: report.figures,
                    at: now,
                    matched,
                })
                .into_iter()
                .collect());
        }
    };
    let Some(first) = rows.first() else {
        return Ok(vec![]);
    };
    let (account_id, nm_id) = (first.account_id, first.stock.nm_id);
    let foreign = |a, n| stock.state.as_ref().is_some_and(|s| s.account_id != a || s.nm_id != n);
    if rows
        .iter()
        .any(|r| r.account_id != account_id || r.stock.nm_id != nm_id)
        || foreign(account_id, nm_id)
    {
        return Err(StockRefusal::Mismatch);
    }
    let mut latest = BTreeMap::new();
    for row in rows {
        latest.insert((row.stock.barcode.clone(), row.stock.warehouse.clone()), row);
    }
    let known = |key: &(String, String)| stock.state.as_ref().and_then(|s| s.levels.get(key)).copied();
    Ok(latest
        .into_iter()
        .filter_map(|(key, row)| {
            let previous = known(&key);
            let StockRow {
                stock: reported,
                matched,
                ..
            } = row;
            (previous != Some(reported.level)).then_some(StockEvent::MarketplaceStockObserved {
                account_id,
                nm_id,
                barcode: reported.barcode,
                vendor_code: reported.vendor_code,
                warehouse: reported.warehouse,
                level: reported.level,
                previous,
                changed_at: reported.changed_at,
                matched,
            })
        })
        .collect())
}
