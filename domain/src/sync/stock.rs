//! The stock rule: how many units of a supplier's stock are offered on a marketplace.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockRule {
    /// Units held back from the supplier's stock (sold elsewhere, damaged in transit).
    pub reserve: u32,
    /// Below this many units (after the reserve) nothing is offered.
    pub min_to_list: u32,
    /// At most this many units are offered.
    pub cap: Option<u32>,
    /// The supplier warehouses that count; empty = all.
    pub warehouses: BTreeSet<String>,
    /// At most this many days of sales are offered, at the listing's recent sales velocity
    /// (no cap while nothing has sold). Policies from before it existed read as none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_days_of_cover: Option<u32>,
}

/// A listing's recent demand: `units` sold (orders less cancellations) over `days` it was in
/// stock. The rate is kept as the two counts so the cap is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demand {
    pub units: i64,
    pub days: i64,
}

/// The units to offer, and how they were found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockExplanation {
    pub units: u32,
    pub detail: String,
}

impl StockRule {
    /// The units to offer from a product's stock per supplier warehouse (`total` when the
    /// product has no per-warehouse figures, as the seller's own products), given the
    /// listing's recent `demand` where known.
    pub fn units(&self, by_warehouse: &BTreeMap<String, i64>, total: i64, demand: Option<Demand>) -> StockExplanation {
        let (counted, source) = if by_warehouse.is_empty() || self.warehouses.is_empty() {
            let all = if by_warehouse.is_empty() {
                total
            } else {
                by_warehouse.values().sum()
            };
            (all, "stock".to_owned())
        } else {
            let names: Vec<&str> = self
                .warehouses
                .iter()
                .filter(|w| by_warehouse.contains_key(*w))
                .map(String::as_str)
                .collect();
            let sum = names.iter().map(|w| by_warehouse[*w]).sum();
            (
                sum,
                format!(
                    "stock in {}",
                    if names.is_empty() {
                        "no counted warehouse".to_owned()
                    } else {
                        names.join(", ")
                    }
                ),
            )
        };
        let counted = counted.max(0);
        let after_reserve = (counted - i64::from(self.reserve)).max(0);
        let mut detail = format!("{source} {counted} − reserve {} = {after_reserve}", self.reserve);
        let mut units = after_reserve;
        if units < i64::from(self.min_to_list) {
            detail.push_str(&format!(", below the minimum {} to list → 0", self.min_to_list));
            units = 0;
        }
        if let Some(cap) = self.cap.filter(|cap| units > i64::from(*cap)) {
            detail.push_str(&format!(", capped at {cap}"));
            units = i64::from(cap);
        }
        if let Some(days) = self.max_days_of_cover {
            match demand.filter(|d| d.units > 0 && d.days > 0) {
                Some(d) => {
                    // ceil(units a day × days): enough for the whole cover.
                    let cover = (d.units * i64::from(days) + d.days - 1) / d.days;
                    if units > cover {
                        detail.push_str(&format!(
                            ", capped at {days} days of cover ({} sold in {} days) = {cover}",
                            d.units, d.days
                        ));
                        units = cover;
                    }
                }
                None => detail.push_str(&format!(", no sales yet: the {days}-day cover cap waits")),
            }
        }
        StockExplanation {
            units: u32::try_from(units).unwrap_or(u32::MAX),
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stocks(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(w, n)| ((*w).to_owned(), *n)).collect()
    }

    #[test]
    fn reserve_minimum_and_cap_apply_in_order() {
        let rule = StockRule {
            reserve: 2,
            min_to_list: 3,
            cap: Some(50),
            warehouses: BTreeSet::new(),
            max_days_of_cover: None,
        };
        assert_eq!(rule.units(&BTreeMap::new(), 10, None).units, 8);
        let few = rule.units(&BTreeMap::new(), 4, None);
        assert_eq!(few.units, 0);
        assert_eq!(few.detail, "stock 4 − reserve 2 = 2, below the minimum 3 to list → 0");
        assert_eq!(rule.units(&BTreeMap::new(), 1, None).units, 0, "never negative");
        let many = rule.units(&stocks(&[("msk", 70), ("spb", 30)]), 100, None);
        assert_eq!(
            (many.units, many.detail.as_str()),
            (50, "stock 100 − reserve 2 = 98, capped at 50")
        );
    }

    #[test]
    fn only_the_counted_warehouses_count() {
        let rule = StockRule {
            warehouses: ["msk".to_owned()].into(),
            ..StockRule::default()
        };
        let units = rule.units(&stocks(&[("msk", 7), ("spb", 30)]), 37, None);
        assert_eq!(
            (units.units, units.detail.as_str()),
            (7, "stock in msk 7 − reserve 0 = 7")
        );
        assert_eq!(rule.units(&stocks(&[("spb", 30)]), 30, None).units, 0);
        // Own products have no warehouses: their stock counts as it is.
        assert_eq!(rule.units(&BTreeMap::new(), 5, None).units, 5);
    }

    #[test]
    fn days_of_cover_cap_what_is_listed_at_the_recent_velocity() {
        let rule = StockRule {
            max_days_of_cover: Some(14),
            ..StockRule::default()
        };
        // 10 sold in 28 days in stock: 14 days' worth is 5 units.
        let capped = rule.units(&BTreeMap::new(), 100, Some(Demand { units: 10, days: 28 }));
        assert_eq!(
            (capped.units, capped.detail.as_str()),
            (
                5,
                "stock 100 − reserve 0 = 100, capped at 14 days of cover (10 sold in 28 days) = 5"
            )
        );
        // 11 sold in 28 days: 5.5 → 6, rounded up to cover the whole period.
        let up = rule.units(&BTreeMap::new(), 100, Some(Demand { units: 11, days: 28 }));
        assert_eq!(up.units, 6);
        // Less stock than the cover: no cap.
        assert_eq!(
            rule.units(&BTreeMap::new(), 3, Some(Demand { units: 10, days: 28 }))
                .units,
            3
        );
        // Nothing sold yet: no cap, said so.
        let fresh = rule.units(&BTreeMap::new(), 100, None);
        assert_eq!(fresh.units, 100);
        assert!(
            fresh.detail.ends_with("no sales yet: the 14-day cover cap waits"),
            "{}",
            fresh.detail
        );
        assert_eq!(
            rule.units(&BTreeMap::new(), 100, Some(Demand { units: 0, days: 30 }))
                .units,
            100
        );
    }

    #[test]
    fn a_rule_stored_before_the_cover_cap_reads_as_none() {
        let old = r#"{"reserve":1,"min_to_list":0,"cap":null,"warehouses":[]}"#;
        let rule: StockRule = serde_json::from_str(old).unwrap();
        assert_eq!(rule.max_days_of_cover, None);
        assert!(!serde_json::to_string(&rule).unwrap().contains("max_days_of_cover"));
    }
}
