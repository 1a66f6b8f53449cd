//! The pricing rule as GraphQL input, and its conversion to the domain rule (each problem
//! named by its input field): `upsertSyncPolicy` saves one, `explainPricing` tries one.

use crate::ErrorCode;
use crate::payload::UserError;
use async_graphql::InputObject;
use gomarket_domain::catalog::Kopecks;
use gomarket_domain::sync::Percent;
use gomarket_domain::sync::pricing::{DeliveryEstimate, MarginBand, PricingRule, Rounding};

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

fn bad(field: &str, message: impl Into<String>) -> UserError {
    UserError::new(ErrorCode::BadUserInput, field, message)
}

fn kopecks(raw: i64, field: &str) -> Result<Kopecks, UserError> {
    Kopecks::new(raw).map_err(|e| bad(field, e.to_string()))
}

fn percent(raw: f64, field: &str) -> Result<Percent, UserError> {
    Percent::from_percent(raw).map_err(|e| bad(field, e.to_string()))
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
