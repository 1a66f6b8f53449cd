//! Facts into alert commands: which condition a fact starts or ends, for which subject.
//! Raising an open alert and resolving a closed one are no news to the `Alert` aggregate,
//! so every fact may simply say what it sees.

use super::bookkeeping;
use gomarket_domain::sales::alert::{AlertCommand, AlertCondition, AlertScope};
use gomarket_domain::sales::alert_rules::Thresholds;
use gomarket_domain::sales::economics::planned_margin;
use gomarket_domain::sales::values::BasisPoints;
use gomarket_projections::analytics::{AnalyticsFact, FactDetail, FinishStatus};
use sqlx::PgConnection;
use uuid::Uuid;

/// One command for one alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub condition: AlertCondition,
    pub subject: String,
    pub command: AlertCommand,
    /// The account whose rules apply (none: the defaults).
    pub account_id: Option<Uuid>,
}

/// The scope of an alert about `fact`'s ids.
fn scope(condition: AlertCondition, subject: String, fact: &AnalyticsFact) -> AlertScope {
    AlertScope {
        condition,
        subject,
        account_id: fact.account_id,
        supplier_id: fact.supplier_id,
        product_id: fact.product_id,
        listing_id: fact.listing_id,
    }
}

fn raise(scope: AlertScope, message: String) -> Step {
    Step {
        condition: scope.condition,
        subject: scope.subject.clone(),
        account_id: scope.account_id,
        command: AlertCommand::Raise { scope, message },
    }
}

fn resolve(condition: AlertCondition, subject: String, account_id: Option<Uuid>, message: String) -> Step {
    Step {
        condition,
        subject,
        account_id,
        command: AlertCommand::Resolve { message },
    }
}

/// What the evaluation of one fact needs besides the fact.
pub struct Inputs<'a> {
    pub thresholds: &'a Thresholds,
    /// Failed items of a finished sync run (read from the run).
    pub failed_items: Option<usize>,
}

/// The steps one fact calls for.
pub async fn steps_of(
    tx: &mut PgConnection,
    fact: &AnalyticsFact,
    inputs: Inputs<'_>,
) -> Result<Vec<Step>, sqlx::Error> {
    let mut steps = Vec::new();
    match &fact.detail {
        FactDetail::ImportFinished {
            status,
            reason,
            import_id,
            ..
        } => {
            let Some(supplier) = fact.supplier_id else {
                return Ok(steps);
            };
            let subject = format!("supplier:{supplier}");
            steps.push(match status {
                FinishStatus::Failed => raise(
                    scope(AlertCondition::ImportFailed, subject, fact),
                    format!(
                        "import {import_id} failed: {}",
                        reason.as_deref().unwrap_or("no reason given")
                    ),
                ),
                FinishStatus::Completed => resolve(
                    AlertCondition::ImportFailed,
                    subject,
                    None,
                    format!("import {import_id} completed"),
                ),
            });
        }
        FactDetail::PriceHeld { reason, .. } => {
            if let Some(listing) = fact.listing_id {
                let subject = format!("listing:{listing}");
                steps.push(raise(scope(AlertCondition::PriceHeld, subject, fact), reason.clone()));
            }
        }
        FactDetail::PricePublished {
            price_kopecks: Some(price),
            discount_percent,
        } => {
            let Some(listing) = fact.listing_id else {
                return Ok(steps);
            };
            let subject = format!("listing:{listing}");
            steps.push(resolve(
                AlertCondition::PriceHeld,
                subject.clone(),
                fact.account_id,
                "a price was published".to_owned(),
            ));
            let buyer_price = price * (100 - i64::from(discount_percent.unwrap_or(0))) / 100;
            if let Some(step) = margin_step(tx, fact, listing, subject, buyer_price, inputs.thresholds).await? {
                steps.push(step);
            }
        }
        FactDetail::SyncRunFinished {
            run_id,
            policy_id,
            status,
            reason,
        } => {
            let subject = format!("policy:{}", policy_id.unwrap_or(*run_id));
            let failed = inputs.failed_items.unwrap_or(0);
            steps.push(match (status, failed) {
                (FinishStatus::Failed, _) => raise(
                    scope(AlertCondition::SyncRunFailedItems, subject, fact),
                    format!(
                        "sync run {run_id} failed: {}",
                        reason.as_deref().unwrap_or("no reason given")
                    ),
                ),
                (FinishStatus::Completed, 0) => resolve(
                    AlertCondition::SyncRunFailedItems,
                    subject,
                    fact.account_id,
                    format!("sync run {run_id} completed with no failed item"),
                ),
                (FinishStatus::Completed, failed) => raise(
                    scope(AlertCondition::SyncRunFailedItems, subject, fact),
                    format!("sync run {run_id} completed with {failed} failed items"),
                ),
            });
        }
        FactDetail::StockChanged {
            nm_id,
            warehouse,
            quantity,
            ..
        } => {
            let Some(account) = fact.account_id else {
                return Ok(steps);
            };
            let total = bookkeeping::record_stock(tx, account, *nm_id, warehouse, *quantity).await?;
            steps.extend(stock_steps(tx, fact, account, *nm_id, total, inputs.thresholds).await?);
        }
        _ => {}
    }
    Ok(steps)
}

/// `NEGATIVE_MARGIN` raised or resolved for a published price: the buyer's price less the
/// purchase price and the subject's commission (none reported: none counted, so a raise is
/// certain and a resolve may be early).
async fn margin_step(
    tx: &mut PgConnection,
    fact: &AnalyticsFact,
    listing: Uuid,
    subject: String,
    buyer_price: i64,
    thresholds: &Thresholds,
) -> Result<Option<Step>, sqlx::Error> {
    let Some(product) = fact.product_id else {
        return Ok(None);
    };
    let Some((_, purchase)) = bookkeeping::product(tx, product).await? else {
        return Ok(None);
    };
    let rate = bookkeeping::listing_commission(tx, listing).await?.unwrap_or(0);
    let margin = planned_margin(buyer_price, purchase, BasisPoints::new(rate), None).margin_kopecks;
    let rub = |k: i64| format!("{}.{:02} ₽", k / 100, (k % 100).abs());
    Ok(Some(if margin < thresholds.min_margin_kopecks {
        raise(
            scope(AlertCondition::NegativeMargin, subject, fact),
            format!(
                "planned margin {} per unit at {} (purchase {}, commission {:.2}%)",
                rub(margin),
                rub(buyer_price),
                rub(purchase),
                rate as f64 / 100.0
            ),
        )
    } else {
        resolve(
            AlertCondition::NegativeMargin,
            subject,
            fact.account_id,
            format!("planned margin {} per unit", rub(margin)),
        )
    }))
}

/// `STOCK_COVER_LOW` and `MARKETPLACE_STOCK_OUT` for an article whose stock changed.
async fn stock_steps(
    tx: &mut PgConnection,
    fact: &AnalyticsFact,
    account: Uuid,
    nm_id: i64,
    total: i64,
    thresholds: &Thresholds,
) -> Result<Vec<Step>, sqlx::Error> {
    let subject = format!("article:{account}:{nm_id}");
    let mut steps = Vec::new();
    let cover_days = match bookkeeping::demand(tx, account, nm_id).await? {
        Some((units, days)) if units > 0 && days > 0 => Some(total as f64 * days as f64 / units as f64),
        _ => None,
    };
    let threshold = f64::from(thresholds.stock_cover_days);
    match cover_days {
        Some(cover) if thresholds.stock_cover_days > 0 && cover <= threshold => steps.push(raise(
            scope(AlertCondition::StockCoverLow, subject.clone(), fact),
            format!(
                "{total} units on Wildberries last {cover:.1} days at the 30-day pace (threshold {} days)",
                thresholds.stock_cover_days
            ),
        )),
        Some(cover) => steps.push(resolve(
            AlertCondition::StockCoverLow,
            subject.clone(),
            Some(account),
            format!("{total} units last {cover:.1} days"),
        )),
        None if total > 0 => steps.push(resolve(
            AlertCondition::StockCoverLow,
            subject.clone(),
            Some(account),
            format!("{total} units on Wildberries, no recent sales"),
        )),
        None => {}
    }
    if total > 0 {
        steps.push(resolve(
            AlertCondition::MarketplaceStockOut,
            subject,
            Some(account),
            format!("{total} units on Wildberries again"),
        ));
    } else if let Some(product) = fact.product_id
        && let Some((supplier_stock, _)) = bookkeeping::product(tx, product).await?
        && supplier_stock > 0
    {
        steps.push(raise(
            scope(AlertCondition::MarketplaceStockOut, subject, fact),
            format!("none left on Wildberries while the supplier has {supplier_stock}"),
        ));
    }
    Ok(steps)
}
