use super::*;
use proptest::prelude::*;

fn rub(kopecks: i64) -> Kopecks {
    Kopecks::new(kopecks).unwrap()
}

fn amounts(explained: &PriceExplanation) -> Vec<(&str, i64)> {
    explained
        .steps
        .iter()
        .map(|s| (s.step.as_str(), s.amount.get()))
        .collect()
}

/// The seed formula, worked by hand: e.g. P = 1 000 ₽ → Q = 25 % = 250 ₽; S = 5 % of
/// 1 250 ₽ = 62,50 ₽; cost 1 312,50 ₽; / 0,77 = 1 704,545… → 1 704,55 ₽; × 1,05 =
/// 1 789,7775 → 1 789,78 ₽.
#[test]
fn the_seed_formula_gives_the_seed_numbers() {
    let rule = PricingRule::seed();
    rule.validate().unwrap();
    // (P, Q, S, cost, with commission, final), kopecks.
    let table = [
        (8_000, 3_040, 5_500, 16_540, 21_481, 22_556),
        (10_050, 3_015, 5_500, 18_565, 24_111, 25_317),
        (45_000, 13_500, 5_500, 64_000, 83_117, 87_273),
        (100_000, 25_000, 6_250, 131_250, 170_455, 178_978),
        (300_000, 60_000, 18_000, 378_000, 490_910, 515_456),
        (2_500_000, 325_000, 20_500, 2_845_500, 3_695_455, 3_880_228),
    ];
    for (p, q, s, cost, commission, last) in table {
        let explained = rule.price(rub(p)).unwrap();
        assert_eq!(
            amounts(&explained),
            [
                ("purchase", p),
                ("margin", q),
                ("delivery", s),
                ("cost", cost),
                ("commission", commission),
                ("markup", last),
                ("rounding", last),
                ("beforeDiscount", last),
            ],
            "P = {p}"
        );
        assert_eq!(explained.price.get(), last);
    }
}

#[test]
fn a_small_purchase_gets_the_minimum_margin_and_delivery() {
    let explained = PricingRule::seed().price(rub(5_000)).unwrap();
    let margin = &explained.steps[1];
    assert_eq!(margin.amount.get(), 3_000, "38 % of 50 ₽ = 19 ₽ < 30 ₽");
    assert!(margin.detail.contains("minimum margin"), "{}", margin.detail);
    assert_eq!(
        explained.steps[2].detail,
        "5 % of 80.00 ₽ = 4.00 ₽, clamped to [55.00 ₽, 205.00 ₽]"
    );
}

#[test]
fn fees_rounding_and_a_target_discount_are_explained() {
    let mut rule = PricingRule::seed();
    rule.fixed_fees = rub(5_000);
    rule.rounding = Rounding {
        step: rub(1_000),
        minus: rub(1),
    };
    rule.discount_percent = 30;
    rule.validate().unwrap();
    let explained = rule.price(rub(300_000)).unwrap();
    // cost 3 000 + 600 + 180 + 50 = 3 830 ₽; / 0,77 → 4 974,03; × 1,05 → 5 222,74;
    // up to the next 10 ₽ minus 1 kopeck → 5 229,99; / 0,7 → 7 471,42 (up).
    assert_eq!(explained.steps[3].amount.get(), 383_000);
    assert_eq!(explained.price.get(), 522_999);
    assert_eq!(explained.price_before_discount.get(), 747_142);
    assert_eq!(explained.discount_percent, 30);
    // The discount lands on the price, never below it.
    let paid = explained.price_before_discount.get() * 70 / 100;
    assert!(paid >= explained.price.get(), "{paid}");
    assert_eq!(
        explained.steps[6].detail,
        "5222.74 ₽ up to the next 10.00 ₽ step minus 0.01 ₽"
    );
}

#[test]
fn invalid_rules_are_refused() {
    let mut rule = PricingRule::seed();
    rule.bands.reverse();
    assert_eq!(rule.validate(), Err(PricingRuleError::Bands));
    let mut rule = PricingRule::seed();
    rule.bands.clear();
    assert_eq!(rule.validate(), Err(PricingRuleError::Bands));
    let mut rule = PricingRule::seed();
    rule.commission = Percent::from_basis_points(10_000).unwrap();
    assert_eq!(rule.validate(), Err(PricingRuleError::Commission));
    let mut rule = PricingRule::seed();
    rule.rounding = Rounding {
        step: rub(100),
        minus: rub(100),
    };
    assert_eq!(rule.validate(), Err(PricingRuleError::Rounding));
    let mut rule = PricingRule::seed();
    rule.discount_percent = 100;
    assert_eq!(rule.validate(), Err(PricingRuleError::Discount));
    let mut rule = PricingRule::seed();
    rule.delivery = Some(DeliveryEstimate {
        share: Percent::ZERO,
        min: rub(2),
        max: rub(1),
    });
    assert_eq!(rule.validate(), Err(PricingRuleError::Delivery));
}

fn percent(max_bp: u32) -> impl Strategy<Value = Percent> {
    (0..=max_bp).prop_map(|bp| Percent::from_basis_points(i64::from(bp)).unwrap())
}

fn kopecks(max: i64) -> impl Strategy<Value = Kopecks> {
    (0..=max).prop_map(|k| Kopecks::new(k).unwrap())
}

/// Any valid rule: 1–6 bands with ascending bounds, any commission below 100 %, any
/// delivery, fees, markup, rounding and discount.
fn rules() -> impl Strategy<Value = PricingRule> {
    let bands = prop::collection::btree_set(1i64..5_000_000, 0..5).prop_flat_map(|bounds| {
        let n = bounds.len() + 1;
        (Just(bounds), prop::collection::vec(percent(20_000), n))
    });
    let delivery =
        prop::option::of(
            (percent(2_000), 0i64..50_000, 0i64..50_000).prop_map(|(share, a, b)| DeliveryEstimate {
                share,
                min: Kopecks::new(a.min(b)).unwrap(),
                max: Kopecks::new(a.max(b)).unwrap(),
            }),
        );
    let rounding = (0i64..100_000, 0i64..100_000).prop_map(|(step, minus)| Rounding {
        step: Kopecks::new(step).unwrap(),
        minus: Kopecks::new(if step > 1 { minus % step } else { 0 }).unwrap(),
    });
    (
        bands,
        kopecks(100_000),
        kopecks(100_000),
        delivery,
        percent(9_999),
        percent(5_000),
        rounding,
        0u8..=99,
    )
        .prop_map(
            |((bounds, margins), min_margin, fixed_fees, delivery, commission, markup, rounding, discount)| {
                let mut ups: Vec<Option<Kopecks>> =
                    bounds.into_iter().map(|b| Some(Kopecks::new(b).unwrap())).collect();
                ups.push(None);
                PricingRule {
                    bands: ups
                        .into_iter()
                        .zip(margins)
                        .map(|(up_to, margin)| MarginBand { up_to, margin })
                        .collect(),
                    min_margin,
                    fixed_fees,
                    delivery,
                    commission,
                    markup,
                    rounding,
                    discount_percent: discount,
                }
            },
        )
}

proptest! {
    #[test]
    fn generated_rules_are_valid(rule in rules()) {
        prop_assert_eq!(rule.validate(), Ok(()));
    }

    #[test]
    fn within_a_band_a_dearer_purchase_never_gives_a_cheaper_price(
        rule in rules(), a in 0i64..10_000_000, b in 0i64..10_000_000,
    ) {
        let (low, high) = (rub(a.min(b)), rub(a.max(b)));
        prop_assume!(rule.band_of(low) == rule.band_of(high));
        // A generated rule may price a large purchase past the largest amount; that is refused
        // (PriceTooLarge), never priced wrong, and says nothing about the order of prices.
        let (Ok(low_price), Ok(high_price)) = (rule.price(low), rule.price(high)) else {
            return Ok(());
        };
        prop_assert!(low_price.price <= high_price.price);
        prop_assert!(low_price.price_before_discount <= high_price.price_before_discount);
    }

    #[test]
    fn the_price_never_falls_below_cost_plus_the_minimum_margin(rule in rules(), p in 0i64..10_000_000) {
        // Past the largest amount the price is refused, never computed low.
        let Ok(explained) = rule.price(rub(p)) else {
            return Ok(());
        };
        let cost = explained.steps.iter().find(|s| s.step == "cost").unwrap().amount;
        prop_assert!(explained.price.get() >= p + rule.min_margin.get());
        prop_assert!(explained.price >= cost);
        // What the buyer pays after the discount is still the price, or above.
        let after_discount = explained.price_before_discount.get() * (100 - i64::from(rule.discount_percent)) / 100;
        prop_assert!(after_discount >= explained.price.get());
    }

    #[test]
    fn rounding_is_idempotent_and_never_rounds_down(rule in rules(), amount in 0i128..1_000_000_000) {
        let once = rule.round(amount);
        prop_assert_eq!(rule.round(once), once);
        prop_assert!(once >= amount);
        prop_assert!(once - amount < i128::from(rule.rounding.step.get().max(1)));
    }

    #[test]
    fn the_price_is_deterministic(rule in rules(), p in 0i64..10_000_000) {
        prop_assert_eq!(rule.price(rub(p)), rule.price(rub(p)));
    }
}
