//! Input objects of `upsertSyncPolicy`, and their conversion to domain rules (each problem
//! named by its input field). The pricing rule's input lives in api-core: the query side
//! explains prices for a rule not yet saved.

use async_graphql::{ID, InputObject};
use gomarket_api_core::ErrorCode;
use gomarket_api_core::payload::UserError;
pub use gomarket_api_core::sync::pricing_input::{
    DeliveryEstimateInput, MarginBandInput, PricingRuleInput, RoundingInput,
};
use gomarket_domain::sync::Percent;
use gomarket_domain::sync::schedule::{DEFAULT_TIME_ZONE, Schedule};
use gomarket_domain::sync::{Exclusions, StockRule};

#[derive(Debug, Clone, Default, InputObject)]
pub struct StockRuleInput {
    #[graphql(default)]
    pub reserve: i64,
    #[graphql(default)]
    pub min_to_list: i64,
    pub cap: Option<i64>,
    /// Supplier warehouses that count; empty = all.
    #[graphql(default)]
    pub warehouses: Vec<String>,
    /// At most this many days of sales are listed, at the listing's sales velocity over the
    /// last 30 days (days in stock); no cap until something sold.
    pub max_days_of_cover: Option<i64>,
}

#[derive(Debug, Clone, Default, InputObject)]
pub struct ExclusionsInput {
    #[graphql(default)]
    pub brands: Vec<String>,
    /// Category paths; everything below them is excluded too.
    #[graphql(default)]
    pub categories: Vec<String>,
    #[graphql(default)]
    pub without_barcode: bool,
    #[graphql(default)]
    pub without_image: bool,
}

#[derive(Debug, Clone, InputObject)]
pub struct ScheduleInput {
    /// `minute hour day month weekday` (or 6 fields, seconds first).
    pub cron: String,
    #[graphql(default_with = "DEFAULT_TIME_ZONE.to_owned()")]
    pub time_zone: String,
}

#[derive(Debug, Clone, InputObject)]
pub struct SyncPolicyInput {
    /// The policy to change; leave it out to create one.
    pub id: Option<ID>,
    pub name: String,
    pub supplier_ids: Vec<ID>,
    pub account_id: ID,
    pub pricing: Option<PricingRuleInput>,
    pub stock: Option<StockRuleInput>,
    pub exclusions: Option<ExclusionsInput>,
    /// A new price more than this far below the live one is held for approval.
    #[graphql(default = 50.0)]
    pub price_drop_guard_percent: f64,
    /// Leave it out for manual runs only.
    pub schedule: Option<ScheduleInput>,
    #[graphql(default = 5)]
    pub max_attempts: i32,
    #[graphql(default = true)]
    pub enabled: bool,
}

fn bad(field: &str, message: impl Into<String>) -> UserError {
    UserError::new(ErrorCode::BadUserInput, field, message)
}

fn units(raw: i64, field: &str) -> Result<u32, UserError> {
    u32::try_from(raw).map_err(|_| bad(field, "must be between 0 and 4294967295"))
}

/// A cover cap: at least a day, at most a year (Wildberries keeps 90 days of sales).
fn days_of_cover(raw: i64, field: &str) -> Result<u32, UserError> {
    match u32::try_from(raw) {
        Ok(days @ 1..=365) => Ok(days),
        _ => Err(bad(field, "must be between 1 and 365 days")),
    }
}

impl StockRuleInput {
    pub fn to_rule(&self) -> Result<StockRule, UserError> {
        Ok(StockRule {
            reserve: units(self.reserve, "stock.reserve")?,
            min_to_list: units(self.min_to_list, "stock.minToList")?,
            cap: self.cap.map(|c| units(c, "stock.cap")).transpose()?,
            max_days_of_cover: self
                .max_days_of_cover
                .map(|d| days_of_cover(d, "stock.maxDaysOfCover"))
                .transpose()?,
            warehouses: self
                .warehouses
                .iter()
                .map(|w| w.trim().to_owned())
                .filter(|w| !w.is_empty())
                .collect(),
        })
    }
}

impl ExclusionsInput {
    pub fn to_exclusions(&self) -> Exclusions {
        let clean = |items: &[String]| {
            items
                .iter()
                .map(|i| i.trim().to_owned())
                .filter(|i| !i.is_empty())
                .collect()
        };
        Exclusions {
            brands: clean(&self.brands),
            categories: clean(&self.categories),
            without_barcode: self.without_barcode,
            without_image: self.without_image,
        }
    }
}

impl ScheduleInput {
    pub fn to_schedule(&self) -> Result<Schedule, UserError> {
        Schedule::parse(&self.cron, &self.time_zone).map_err(|e| {
            let field = match e {
                gomarket_domain::sync::schedule::ScheduleError::Cron(_) => "schedule.cron",
                gomarket_domain::sync::schedule::ScheduleError::TimeZone(_) => "schedule.timeZone",
            };
            bad(field, e.to_string())
        })
    }
}

/// Percentages of the policy itself.
pub fn guard(raw: f64) -> Result<Percent, UserError> {
    Percent::from_percent(raw).map_err(|e| bad("priceDropGuardPercent", e.to_string()))
}
