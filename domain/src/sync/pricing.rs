//! The pricing rule: from a supplier's purchase price to the price a marketplace shows, in
//! integer kopecks, every step rounded up (never a kopeck below cost) and explained.
//!
//! The steps, in order (the seed system's formula is one configuration of them):
//! 1. margin `Q` = the purchase price's band % of `P`, at least the minimum margin;
//! 2. delivery `S` (optional) = a % of `P + Q`, clamped to [min, max];
//! 3. cost = `P + Q + S +` fixed fees;
//! 4. with commission = cost / (1 − commission %), so the seller keeps cost after the
//!    marketplace's cut;
//! 5. markup = that × (1 + markup %);
//! 6. rounding up to the next `k × step − minus` (e.g. the next 10 ₽ minus 1 kopeck);
//! 7. the price before discount is inflated so that the target discount lands on step 6.

use super::percent::Percent;
use crate::catalog::Kopecks;
use serde::{Deserialize, Serialize};

/// Purchase prices up to `up_to` (inclusive; `None` = no upper bound) get `margin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarginBand {
    pub up_to: Option<Kopecks>,
    pub margin: Percent,
}

/// Delivery estimate: `share` of purchase price + margin, clamped to [`min`, `max`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryEstimate {
    pub share: Percent,
    pub min: Kopecks,
    pub max: Kopecks,
}

/// Rounds up to the nearest `k × step − minus` at or above the price (`step` 0 or 1: none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Rounding {
    pub step: Kopecks,
    pub minus: Kopecks,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricingRule {
    /// Ascending by `up_to`; the last has no upper bound.
    pub bands: Vec<MarginBand>,
    pub min_margin: Kopecks,
    pub fixed_fees: Kopecks,
    pub delivery: Option<DeliveryEstimate>,
    /// The marketplace's commission, below 100 %.
    pub commission: Percent,
    /// A final markup on top (the seed's × 1.05 is 5 %).
    pub markup: Percent,
    pub rounding: Rounding,
    /// The discount shown to buyers, in whole percent (Wildberries takes 0–99).
    pub discount_percent: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingRuleError {
    #[error("bands: give at least one, ascending by upTo, the last without upTo")]
    Bands,
    #[error("commission must be below 100 %")]
    Commission,
    #[error("delivery: min must not exceed max")]
    Delivery,
    #[error("rounding: minus must be below step")]
    Rounding,
    #[error("discount must be between 0 and 99 %")]
    Discount,
}

/// One step of a price computation, as the API shows it per item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceStep {
    /// What the step is (`purchase`, `margin`, `delivery`, `fees`, `commission`, `markup`,
    /// `rounding`, `beforeDiscount`).
    pub step: String,
    /// How it was computed, with its numbers.
    pub detail: String,
    pub amount: Kopecks,
}

/// A computed price with its explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceExplanation {
    /// What the buyer pays: the rounded price the discount lands on.
    pub price: Kopecks,
    /// What the marketplace is sent as the price before discount.
    pub price_before_discount: Kopecks,
    pub discount_percent: u8,
    pub steps: Vec<PriceStep>,
    /// Set when the marketplace reports another commission for the product's subject than
    /// the rule assumes: a warning, the price is the rule's all the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commission_warning: Option<CommissionWarning>,
}

/// The commission the marketplace reported for a subject, beside the one a pricing rule
/// assumes (hundredths of a percent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommissionWarning {
    pub subject_id: i64,
    pub assumed_basis_points: i64,
    pub reported_basis_points: i64,
}

impl PriceExplanation {
    /// Notes the commission the marketplace reported for `subject_id` when it differs from
    /// what `rule` assumes.
    pub fn compare_commission(&mut self, rule: &PricingRule, subject_id: i64, reported_basis_points: i64) {
        let assumed_basis_points = i64::from(rule.commission.basis_points());
        self.commission_warning = (assumed_basis_points != reported_basis_points).then_some(CommissionWarning {
            subject_id,
            assumed_basis_points,
            reported_basis_points,
        });
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the computed price exceeds the largest amount")]
pub struct PriceTooLarge;

/// `a × bp / 10 000`, rounded up.
fn share_up(amount: i128, percent: Percent) -> i128 {
    ceil_div(amount * i128::from(percent.basis_points()), 10_000)
}

fn ceil_div(a: i128, b: i128) -> i128 {
    (a + b - 1).div_euclid(b)
}

fn rub(kopecks: i128) -> String {
    format!("{}.{:02} ₽", kopecks / 100, kopecks % 100)
}

impl PricingRule {
    /// The seed system's rule (`reference/suppliers.md`): margin 38 % up to 100 ₽ falling to
    /// 13 % above 20 000 ₽ (at least 30 ₽), delivery 5 % clamped to [55 ₽, 205 ₽], 23 %
    /// commission, × 1.05, no fees. The middle bands are this project's reading of the "…".
    pub fn seed() -> Self {
        let rub = |r: i64| Kopecks::new(r * 100).expect("constant");
        let pct = |p: i64| Percent::from_basis_points(p * 100).expect("constant");
        let band = |up_to: Option<i64>, margin: i64| MarginBand {
            up_to: up_to.map(rub),
            margin: pct(margin),
        };
        Self {
            bands: vec![
                band(Some(100), 38),
                band(Some(500), 30),
                band(Some(1_000), 25),
                band(Some(5_000), 20),
                band(Some(20_000), 16),
                band(None, 13),
            ],
            min_margin: rub(30),
            fixed_fees: Kopecks::ZERO,
            delivery: Some(DeliveryEstimate {
                share: pct(5),
                min: rub(55),
                max: rub(205),
            }),
            commission: pct(23),
            markup: pct(5),
            rounding: Rounding::default(),
            discount_percent: 0,
        }
    }

    pub fn validate(&self) -> Result<(), PricingRuleError> {
        let Some((last, bounded)) = self.bands.split_last() else {
            return Err(PricingRuleError::Bands);
        };
        let ascending = bounded.windows(2).all(|w| w[0].up_to < w[1].up_to);
        if last.up_to.is_some() || bounded.iter().any(|b| b.up_to.is_none()) || !ascending {
            return Err(PricingRuleError::Bands);
        }
        if self.commission.basis_points() >= 10_000 {
            return Err(PricingRuleError::Commission);
        }
        if self.delivery.is_some_and(|d| d.min > d.max) {
            return Err(PricingRuleError::Delivery);
        }
        if self.rounding.step.get() > 1 && self.rounding.minus >= self.rounding.step {
            return Err(PricingRuleError::Rounding);
        }
        if self.discount_percent > 99 {
            return Err(PricingRuleError::Discount);
        }
        Ok(())
    }

    /// The band a purchase price falls in.
    pub fn band_of(&self, purchase: Kopecks) -> Option<&MarginBand> {
        self.bands
            .iter()
            .find(|b| b.up_to.is_none_or(|up_to| purchase <= up_to))
    }

    /// Rounds `amount` up to the nearest `k × step − minus` at or above it.
    pub fn round(&self, amount: i128) -> i128 {
        let step = i128::from(self.rounding.step.get());
        if step <= 1 {
            return amount;
        }
        let minus = i128::from(self.rounding.minus.get());
        ceil_div(amount + minus, step) * step - minus
    }

    /// The price for a purchase price, with each step. The rule must be valid.
    pub fn price(&self, purchase: Kopecks) -> Result<PriceExplanation, PriceTooLarge> {
        let mut steps = Vec::new();
        let mut step = |name: &str, detail: String, amount: i128| -> Result<i128, PriceTooLarge> {
            let kopecks = i64::try_from(amount)
                .ok()
                .and_then(|k| Kopecks::new(k).ok())
                .ok_or(PriceTooLarge)?;
            steps.push(PriceStep {
                step: name.to_owned(),
                detail,
                amount: kopecks,
            });
            Ok(amount)
        };
        let p = i128::from(purchase.get());
        step("purchase", format!("purchase price {}", rub(p)), p)?;

        let band = self.band_of(purchase).ok_or(PriceTooLarge)?;
        let banded = share_up(p, band.margin);
        let min_margin = i128::from(self.min_margin.get());
        let band_name = match band.up_to {
            Some(up_to) => format!("band up to {}", rub(i128::from(up_to.get()))),
            None => "top band".to_owned(),
        };
        let q = if banded >= min_margin {
            step("margin", format!("{} of {} ({band_name})", band.margin, rub(p)), banded)?
        } else {
            let detail = format!(
                "{} of {} = {} ({band_name}), raised to the minimum margin",
                band.margin,
                rub(p),
                rub(banded)
            );
            step("margin", detail, min_margin)?
        };

        let s = match &self.delivery {
            Some(d) => {
                let raw = share_up(p + q, d.share);
                let (min, max) = (i128::from(d.min.get()), i128::from(d.max.get()));
                let s = raw.clamp(min, max);
                let detail = format!(
                    "{} of {} = {}, clamped to [{}, {}]",
                    d.share,
                    rub(p + q),
                    rub(raw),
                    rub(min),
                    rub(max)
                );
                step("delivery", detail, s)?
            }
            None => 0,
        };
        let fees = i128::from(self.fixed_fees.get());
        let cost = p + q + s + fees;
        step(
            "cost",
            format!("{} + {} + {} + fees {}", rub(p), rub(q), rub(s), rub(fees)),
            cost,
        )?;

        let keep = 10_000 - i128::from(self.commission.basis_points());
        let with_commission = ceil_div(cost * 10_000, keep);
        step(
            "commission",
            format!("{} / (1 − {})", rub(cost), self.commission),
            with_commission,
        )?;
        let marked = with_commission + share_up(with_commission, self.markup);
        step(
            "markup",
            format!("{} × (1 + {})", rub(with_commission), self.markup),
            marked,
        )?;
        let rounded = self.round(marked);
        let rounding = if rounded == marked {
            "no rounding".to_owned()
        } else {
            format!(
                "{} up to the next {} step minus {}",
                rub(marked),
                rub(i128::from(self.rounding.step.get())),
                rub(i128::from(self.rounding.minus.get()))
            )
        };
        let price = step("rounding", rounding, rounded)?;
        let d = i128::from(self.discount_percent.min(99));
        let before = ceil_div(price * 100, 100 - d);
        step(
            "beforeDiscount",
            format!("{} / (1 − {d} %), so the {d} % discount lands on it", rub(price)),
            before,
        )?;
        let as_kopecks = |v: i128| Kopecks::new(v as i64).expect("checked by step");
        Ok(PriceExplanation {
            price: as_kopecks(price),
            price_before_discount: as_kopecks(before),
            discount_percent: self.discount_percent,
            steps,
            commission_warning: None,
        })
    }
}

#[cfg(test)]
#[path = "pricing_tests.rs"]
mod tests;
