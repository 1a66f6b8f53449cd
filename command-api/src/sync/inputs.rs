//! Input objects of `upsertSyncPolicy`, and their conversion to domain rules (each problem
//! named by its input field).

use async_graphql::{ID, InputObject};
use gomarket_api_core::ErrorCode;
use gomarket_api_core::payload::UserError;
use gomarket_domain::catalog::Kopecks;
use gomarket_domain::sync::Percent;
use gomarket_domain::sync::pricing::{DeliveryEstimate, MarginBand, PricingRule, Rounding};
use gomarket_domain::sync::schedule::{DEFAULT_TIME_ZONE, Schedule};
use gomarket_domain::sync::{Exclusions, StockRule};

#[derive(Debug, Clone, InputObject)]
pub struct MarginBandInput {
    /// Purchase prices up to this (inclusive) get the margin; leave it out on the last band.
    pub up_to_kopecks: Option<i64>,
    pub margin_percent: f64,
}

#[derive(Debug, Clone, InputObject)]
pub struct DeliveryEstimateInput {
    /// Share of purchase price + margin.
    pub percent: f64,
    pub min_kopecks: i64,
    pub max_kopecks: i64,
}

#[derive(Debug, Clone, InputObject)]
pub struct RoundingInput {
    /// Round up to multiples of this (1 000 = 10 ₽)…
    pub step_kopecks: i64,
    /// …minus this (1 = "…9,99 ₽").
    #[graphql(default)]
    pub minus_kopecks: i64,
}

/// A pricing rule. Leave it out of a policy for the seed system's rule.
#[derive(Debug, Clone, InputObject)]
pub struct PricingRuleInput {
    /// Ascending by `upToKopecks`; the last without it.
    pub bands: Vec<MarginBandInput>,
    #[graphql(default)]
    pub min_margin_kopecks: i64,
    #[graphql(default)]
    pub fixed_fees_kopecks: i64,
    pub delivery: Option<DeliveryEstimateInput>,
    #[graphql(default)]
    pub commission_percent: f64,
    #[graphql(default)]
    pub markup_percent: f64,
    pub rounding: Option<RoundingInput>,
    /// The discount shown to buyers; the price before discount is inflated to match.
    #[graphql(default)]
    pub discount_percent: i32,
}

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

fn kopecks(raw: i64, field: &str) -> Result<Kopecks, UserError> {
    Kopecks::new(raw).map_err(|e| bad(field, e.to_string()))
}

fn percent(raw: f64, field: &str) -> Result<Percent, UserError> {
    Percent::from_percent(raw).map_err(|e| bad(field, e.to_string()))
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

impl PricingRuleInput {
    pub fn to_rule(&self) -> Result<PricingRule, UserError> {
        let bands = self
            .bands
            .iter()
            .enumerate()
            .map(|(i, b)| {
                Ok(MarginBand {
                    up_to: b
                        .up_to_kopecks
                        .map(|k| kopecks(k, &format!("pricing.bands[{i}].upToKopecks")))
                        .transpose()?,
                    margin: percent(b.margin_percent, &format!("pricing.bands[{i}].marginPercent"))?,
                })
            })
            .collect::<Result<Vec<_>, UserError>>()?;
        let delivery = self
            .delivery
            .as_ref()
            .map(|d| {
                Ok::<_, UserError>(DeliveryEstimate {
                    share: percent(d.percent, "pricing.delivery.percent")?,
                    min: kopecks(d.min_kopecks, "pricing.delivery.minKopecks")?,
                    max: kopecks(d.max_kopecks, "pricing.delivery.maxKopecks")?,
                })
            })
            .transpose()?;
        let rounding = match &self.rounding {
            Some(r) => Rounding {
                step: kopecks(r.step_kopecks, "pricing.rounding.stepKopecks")?,
                minus: kopecks(r.minus_kopecks, "pricing.rounding.minusKopecks")?,
            },
            None => Rounding::default(),
        };
        let discount = u8::try_from(self.discount_percent)
            .ok()
            .filter(|d| *d <= 99)
            .ok_or_else(|| bad("pricing.discountPercent", "must be between 0 and 99"))?;
        let rule = PricingRule {
            bands,
            min_margin: kopecks(self.min_margin_kopecks, "pricing.minMarginKopecks")?,
            fixed_fees: kopecks(self.fixed_fees_kopecks, "pricing.fixedFeesKopecks")?,
            delivery,
            commission: percent(self.commission_percent, "pricing.commissionPercent")?,
            markup: percent(self.markup_percent, "pricing.markupPercent")?,
            rounding,
            discount_percent: discount,
        };
        rule.validate().map_err(|e| bad("pricing", e.to_string()))?;
        Ok(rule)
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
    percent(raw, "priceDropGuardPercent")
}
