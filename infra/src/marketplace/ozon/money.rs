//! Money as Ozon takes it: roubles as decimal text with a point and at most two decimals
//! (`"1234.5"` → we send `"1234.50"`), the price after discount in `price` and the one before
//! in `old_price` (`"0"` when there is no discount), with Ozon's minimum difference between
//! them.

use gomarket_domain::catalog::Kopecks;
use gomarket_domain::marketplace::values::DiscountPercent;

/// `kopecks` as Ozon's decimal roubles (`"0"`, Ozon's word for "no old price", for none).
pub fn roubles_text(kopecks: i64) -> String {
    if kopecks == 0 {
        return "0".to_owned();
    }
    format!("{}.{:02}", kopecks / 100, kopecks % 100)
}

/// The prices Ozon receives for a price before discount and a discount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OzonPrice {
    /// After discount, what the buyer pays (kopecks).
    pub price: i64,
    /// Before discount, shown struck through; 0 without a discount.
    pub old_price: i64,
}

impl OzonPrice {
    /// The price after `discount` is rounded up to the kopeck, so the seller never gets
    /// less than the discount says.
    pub fn of(before: Kopecks, discount: DiscountPercent) -> Self {
        let before = before.get();
        let percent = i64::from(discount.get());
        if percent == 0 {
            return Self {
                price: before,
                old_price: 0,
            };
        }
        let after = (before * (100 - percent) + 99) / 100;
        Self {
            price: after,
            old_price: before,
        }
    }

    /// Ozon refuses a discount smaller than its minimum difference between `price` and
    /// `old_price`: 20 ₽ below 400 ₽, 5 % from 400 ₽ to 10 000 ₽, 500 ₽ above. `None` when
    /// this one is allowed.
    pub fn refusal(&self) -> Option<String> {
        if self.old_price == 0 {
            return None;
        }
        let difference = self.old_price - self.price;
        let needed = if self.price < 40_000 {
            2_000
        } else if self.price <= 1_000_000 {
            (self.price * 5 + 99) / 100
        } else {
            50_000
        };
        (difference < needed).then(|| {
            format!(
                "the discount is too small for Ozon: old_price {} and price {} differ by {} ₽, Ozon needs at least {} ₽ at this price",
                roubles_text(self.old_price),
                roubles_text(self.price),
                roubles_text(difference),
                roubles_text(needed)
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(kopecks: i64, discount: i64) -> OzonPrice {
        OzonPrice::of(Kopecks::new(kopecks).unwrap(), DiscountPercent::new(discount).unwrap())
    }

    #[test]
    fn kopecks_are_sent_as_decimal_roubles() {
        assert_eq!(roubles_text(123_456), "1234.56");
        assert_eq!(roubles_text(5), "0.05");
        assert_eq!(roubles_text(100_000), "1000.00");
        assert_eq!(roubles_text(0), "0");
    }

    #[test]
    fn a_discount_sends_the_price_before_it_as_old_price() {
        assert_eq!(
            price(100_000, 0),
            OzonPrice {
                price: 100_000,
                old_price: 0
            }
        );
        assert_eq!(
            price(100_000, 10),
            OzonPrice {
                price: 90_000,
                old_price: 100_000
            }
        );
        // 999,99 ₽ less 7 % is 929,9907 ₽: rounded up to the kopeck.
        assert_eq!(price(99_999, 7).price, 93_000);
    }

    #[test]
    fn ozon_s_minimum_difference_is_checked_in_each_price_band() {
        assert!(price(100_000, 0).refusal().is_none());
        assert!(price(30_000, 5).refusal().is_some(), "15 ₽ off below 400 ₽");
        assert!(price(30_000, 7).refusal().is_none(), "21 ₽ off");
        assert!(price(100_000, 4).refusal().is_some(), "4 % in the middle band");
        assert!(price(100_000, 6).refusal().is_none());
        assert!(price(2_000_000, 2).refusal().is_some(), "400 ₽ off above 10 000 ₽");
        assert!(price(2_000_000, 3).refusal().is_none());
    }
}
