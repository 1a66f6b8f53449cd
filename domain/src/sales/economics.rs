//! Unit economics of a listing: what one unit sold at the live price leaves the seller after
//! the purchase price, the marketplace's commission and logistics — the planned margin, before
//! anything sells (the realized one comes from payouts). Integer kopecks throughout; the
//! commission is rounded half away from zero to the kopeck, as the marketplace's reports are.

use crate::sales::values::BasisPoints;

/// The planned figures of one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedMargin {
    /// The commission on the live price.
    pub commission_kopecks: i64,
    /// Live price less purchase price, commission and logistics.
    pub margin_kopecks: i64,
    /// The margin as a share of the live price, in hundredths of a percent (rounded toward
    /// zero); none at a zero price.
    pub margin_basis_points: Option<i64>,
}

/// The planned margin of one unit at `price` (what the buyer is charged before the
/// marketplace's own discount), bought at `purchase`, with `commission` and an optional
/// logistics cost per unit.
pub fn planned_margin(price: i64, purchase: i64, commission: BasisPoints, logistics: Option<i64>) -> PlannedMargin {
    let commission_kopecks = share_rounded(price, commission.get());
    let margin_kopecks = price - purchase - commission_kopecks - logistics.unwrap_or(0);
    PlannedMargin {
        commission_kopecks,
        margin_kopecks,
        margin_basis_points: (price != 0).then(|| (i128::from(margin_kopecks) * 10_000 / i128::from(price)) as i64),
    }
}

/// `amount × basis_points / 10 000`, rounded half away from zero.
fn share_rounded(amount: i64, basis_points: i64) -> i64 {
    let product = i128::from(amount) * i128::from(basis_points);
    let (quotient, remainder) = (product / 10_000, product % 10_000);
    let rounded = if remainder.abs() * 2 >= 10_000 {
        quotient + product.signum()
    } else {
        quotient
    };
    rounded as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_planned_margin_is_price_less_purchase_commission_and_logistics() {
        let m = planned_margin(199_900, 100_000, BasisPoints::new(2_550), Some(5_000));
        // 1 999 ₽ × 25.5 % = 509.745 ₽ → 509.75 ₽
        assert_eq!(m.commission_kopecks, 50_975);
        assert_eq!(m.margin_kopecks, 199_900 - 100_000 - 50_975 - 5_000);
        assert_eq!(m.margin_basis_points, Some(43_925 * 10_000 / 199_900));
    }

    #[test]
    fn commission_halves_round_away_from_zero_and_a_loss_is_negative() {
        // 1 ₽ × 0.5 % = 0.5 kopeck → 1 kopeck
        assert_eq!(planned_margin(100, 0, BasisPoints::new(50), None).commission_kopecks, 1);
        // 1 ₽ × 0.49 % = 0.49 kopeck → 0
        assert_eq!(planned_margin(100, 0, BasisPoints::new(49), None).commission_kopecks, 0);
        let loss = planned_margin(10_000, 12_000, BasisPoints::new(1_000), None);
        assert_eq!(loss.margin_kopecks, -3_000);
        assert_eq!(loss.margin_basis_points, Some(-3_000));
        assert_eq!(
            planned_margin(0, 100, BasisPoints::new(1_000), None).margin_basis_points,
            None
        );
    }
}
