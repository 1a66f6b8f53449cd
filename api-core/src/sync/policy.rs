//! GraphQL shapes of sync policies and their rules.

use crate::error::OrInternal;
use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use gomarket_domain::catalog::Kopecks;
use gomarket_domain::sync::policy::PolicyState;
use gomarket_domain::sync::pricing::{CommissionWarning, PriceExplanation, PricingRule};
use gomarket_domain::sync::{Exclusions, StockRule, SyncPolicyId};
use gomarket_projections::marketplace::account_marketplace;
use gomarket_projections::sales::subject_rates;
use sqlx::PgPool;

/// Purchase prices up to `upToKopecks` (inclusive; none = no upper bound) get `marginPercent`.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "MarginBand")]
pub struct MarginBandGql {
    pub up_to_kopecks: Option<i64>,
    pub margin_percent: f64,
}

/// Delivery estimate: `percent` of purchase price + margin, clamped to [min, max].
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "DeliveryEstimate")]
pub struct DeliveryEstimateGql {
    pub percent: f64,
    pub min_kopecks: i64,
    pub max_kopecks: i64,
}

/// Rounds prices up to the nearest `k × step − minus`.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "Rounding")]
pub struct RoundingGql {
    pub step_kopecks: i64,
    pub minus_kopecks: i64,
}

/// How a purchase price becomes a marketplace price (see `SyncPolicy.explainPrice`).
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "PricingRule")]
pub struct PricingRuleGql {
    pub bands: Vec<MarginBandGql>,
    pub min_margin_kopecks: i64,
    pub fixed_fees_kopecks: i64,
    pub delivery: Option<DeliveryEstimateGql>,
    pub commission_percent: f64,
    pub markup_percent: f64,
    pub rounding: RoundingGql,
    pub discount_percent: i32,
}

impl From<&PricingRule> for PricingRuleGql {
    fn from(rule: &PricingRule) -> Self {
        Self {
            bands: rule
                .bands
                .iter()
                .map(|b| MarginBandGql {
                    up_to_kopecks: b.up_to.map(Kopecks::get),
                    margin_percent: b.margin.as_percent(),
                })
                .collect(),
            min_margin_kopecks: rule.min_margin.get(),
            fixed_fees_kopecks: rule.fixed_fees.get(),
            delivery: rule.delivery.map(|d| DeliveryEstimateGql {
                percent: d.share.as_percent(),
                min_kopecks: d.min.get(),
                max_kopecks: d.max.get(),
            }),
            commission_percent: rule.commission.as_percent(),
            markup_percent: rule.markup.as_percent(),
            rounding: RoundingGql {
                step_kopecks: rule.rounding.step.get(),
                minus_kopecks: rule.rounding.minus.get(),
            },
            discount_percent: i32::from(rule.discount_percent),
        }
    }
}

/// How many units of the supplier's stock are offered.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "StockRule")]
pub struct StockRuleGql {
    pub reserve: i64,
    pub min_to_list: i64,
    pub cap: Option<i64>,
    /// Supplier warehouses that count; empty = all.
    pub warehouses: Vec<String>,
    /// At most this many days of sales are listed (null: no such cap).
    pub max_days_of_cover: Option<i64>,
}

impl From<&StockRule> for StockRuleGql {
    fn from(rule: &StockRule) -> Self {
        Self {
            reserve: i64::from(rule.reserve),
            min_to_list: i64::from(rule.min_to_list),
            cap: rule.cap.map(i64::from),
            max_days_of_cover: rule.max_days_of_cover.map(i64::from),
            warehouses: rule.warehouses.iter().cloned().collect(),
        }
    }
}

/// Products a policy never lists.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "Exclusions")]
pub struct ExclusionsGql {
    pub brands: Vec<String>,
    pub categories: Vec<String>,
    pub without_barcode: bool,
    pub without_image: bool,
}

impl From<&Exclusions> for ExclusionsGql {
    fn from(e: &Exclusions) -> Self {
        Self {
            brands: e.brands.iter().cloned().collect(),
            categories: e.categories.iter().cloned().collect(),
            without_barcode: e.without_barcode,
            without_image: e.without_image,
        }
    }
}

/// A cron schedule read in a time zone.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "SyncSchedule")]
pub struct ScheduleGql {
    pub cron: String,
    pub time_zone: String,
    /// The next tick from now.
    pub next_run_at: Option<DateTime<Utc>>,
}

/// One step of a price computation.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "PriceStep")]
pub struct PriceStepGql {
    /// `purchase`, `margin`, `delivery`, `cost`, `commission`, `markup`, `rounding`,
    /// `beforeDiscount`.
    pub step: String,
    /// How it was computed, with its numbers.
    pub detail: String,
    pub amount_kopecks: i64,
}

/// A computed price, step by step.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "PriceExplanation")]
pub struct PriceExplanationGql {
    /// What the buyer pays (the discount lands on it).
    pub price_kopecks: i64,
    /// What the marketplace is sent as the price before discount.
    pub price_before_discount_kopecks: i64,
    pub discount_percent: i32,
    pub steps: Vec<PriceStepGql>,
    /// Set when Wildberries reports another commission for the product's subject than the
    /// rule assumes: a warning; the price is the rule's all the same.
    pub commission_warning: Option<CommissionWarningGql>,
}

/// The commission Wildberries reported for a subject, beside the one the pricing rule assumes.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "CommissionWarning")]
pub struct CommissionWarningGql {
    pub subject_id: i64,
    /// Hundredths of a percent.
    pub assumed_basis_points: i64,
    pub reported_basis_points: i64,
    /// In words, for people.
    pub message: String,
}

impl From<&CommissionWarning> for CommissionWarningGql {
    fn from(w: &CommissionWarning) -> Self {
        let percent = |bp: i64| format!("{}.{:02} %", bp / 100, bp % 100);
        Self {
            subject_id: w.subject_id,
            assumed_basis_points: w.assumed_basis_points,
            reported_basis_points: w.reported_basis_points,
            message: format!(
                "Wildberries reports a {} commission for subject {}; the pricing rule assumes {}",
                percent(w.reported_basis_points),
                w.subject_id,
                percent(w.assumed_basis_points)
            ),
        }
    }
}

impl From<&PriceExplanation> for PriceExplanationGql {
    fn from(e: &PriceExplanation) -> Self {
        Self {
            price_kopecks: e.price.get(),
            price_before_discount_kopecks: e.price_before_discount.get(),
            discount_percent: i32::from(e.discount_percent),
            steps: e
                .steps
                .iter()
                .map(|s| PriceStepGql {
                    step: s.step.clone(),
                    detail: s.detail.clone(),
                    amount_kopecks: s.amount.get(),
                })
                .collect(),
            commission_warning: e.commission_warning.as_ref().map(CommissionWarningGql::from),
        }
    }
}

/// A sync policy: which suppliers feed which marketplace account, by which rules, when.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "SyncPolicy", complex)]
pub struct SyncPolicyGql {
    pub id: ID,
    pub name: String,
    pub supplier_ids: Vec<ID>,
    pub account_id: ID,
    pub pricing: PricingRuleGql,
    pub stock: StockRuleGql,
    pub exclusions: ExclusionsGql,
    /// A new price more than this far below the live one is held for approval.
    pub price_drop_guard_percent: f64,
    /// None: only `triggerSync` starts runs.
    pub schedule: Option<ScheduleGql>,
    /// Attempts per item before it is `FAILED` (and listed for `retryFailed`).
    pub max_attempts: i32,
    pub enabled: bool,
    /// The run in progress.
    pub active_run_id: Option<ID>,
    /// The latest scheduled tick a run was started for.
    pub last_tick_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The policy's version (its number of events).
    pub version: i64,
    #[graphql(skip)]
    pub rule: PricingRule,
}

/// What `rule` makes of a purchase price (`purchaseKopecks` of `explainPrice` and
/// `explainPricing`); a price that is not one, or too large to price, is `BAD_USER_INPUT`.
pub fn price_explained(rule: &PricingRule, purchase_kopecks: i64) -> async_graphql::Result<PriceExplanation> {
    let refused = |message: String| {
        crate::error::api_error(crate::error::ErrorCode::BadUserInput, message, Some("purchaseKopecks"))
    };
    let purchase = Kopecks::new(purchase_kopecks).map_err(|e| refused(format!("purchaseKopecks: {e}")))?;
    rule.price(purchase).map_err(|e| refused(e.to_string()))
}

#[ComplexObject]
impl SyncPolicyGql {
    /// What this policy's pricing rule makes of a purchase price, step by step. With
    /// `subjectId` (a category of the policy's marketplace), the explanation warns when the
    /// marketplace reported another commission for it than the rule assumes.
    async fn explain_price(
        &self,
        ctx: &Context<'_>,
        purchase_kopecks: i64,
        subject_id: Option<i64>,
    ) -> async_graphql::Result<PriceExplanationGql> {
        let mut explained = price_explained(&self.rule, purchase_kopecks)?;
        if let Some(subject) = subject_id {
            let pool = ctx.data::<PgPool>()?;
            let account = uuid::Uuid::parse_str(&self.account_id).unwrap_or_default();
            let marketplace = account_marketplace(pool, account)
                .await
                .or_internal(ctx)?
                .unwrap_or_default();
            let rates = subject_rates(pool, marketplace, subject).await.or_internal(ctx)?;
            if let Some(reported) = rates.and_then(|r| r.seller_warehouse.or(r.marketplace_warehouse)) {
                explained.compare_commission(&self.rule, subject, reported);
            }
        }
        Ok(PriceExplanationGql::from(&explained))
    }
}

impl SyncPolicyGql {
    pub fn new(id: SyncPolicyId, version: u64, state: &PolicyState) -> Self {
        let s = &state.settings;
        Self {
            id: ID(id.to_string()),
            name: s.name.clone(),
            supplier_ids: s.supplier_ids.iter().map(|i| ID(i.to_string())).collect(),
            account_id: ID(s.account_id.to_string()),
            pricing: PricingRuleGql::from(&s.pricing),
            stock: StockRuleGql::from(&s.stock),
            exclusions: ExclusionsGql::from(&s.exclusions),
            price_drop_guard_percent: s.price_drop_guard.as_percent(),
            schedule: s.schedule.as_ref().map(|schedule| ScheduleGql {
                cron: schedule.cron().to_owned(),
                time_zone: schedule.time_zone().to_owned(),
                next_run_at: schedule.next_after(Utc::now()),
            }),
            max_attempts: s.max_attempts as i32,
            enabled: s.enabled,
            active_run_id: state.active_run.map(|r| ID(r.to_string())),
            last_tick_at: state.last_tick,
            created_at: state.created_at,
            updated_at: state.updated_at,
            version: version as i64,
            rule: s.pricing.clone(),
        }
    }
}
