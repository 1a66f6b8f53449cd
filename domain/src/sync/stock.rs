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
}

/// The units to offer, and how they were found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockExplanation {
    pub units: u32,
    pub detail: String,
}

impl StockRule {
    /// The units to offer from a product's stock per supplier warehouse (`total` when the
    /// product has no per-warehouse figures, as the seller's own products).
    pub fn units(&self, by_warehouse: &BTreeMap<String, i64>, total: i64) -> StockExplanation {
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
        };
        assert_eq!(rule.units(&BTreeMap::new(), 10).units, 8);
        let few = rule.units(&BTreeMap::new(), 4);
        assert_eq!(few.units, 0);
        assert_eq!(few.detail, "stock 4 − reserve 2 = 2, below the minimum 3 to list → 0");
        assert_eq!(rule.units(&BTreeMap::new(), 1).units, 0, "never negative");
        let many = rule.units(&stocks(&[("msk", 70), ("spb", 30)]), 100);
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
        let units = rule.units(&stocks(&[("msk", 7), ("spb", 30)]), 37);
        assert_eq!(
            (units.units, units.detail.as_str()),
            (7, "stock in msk 7 − reserve 0 = 7")
        );
        assert_eq!(rule.units(&stocks(&[("spb", 30)]), 30).units, 0);
        // Own products have no warehouses: their stock counts as it is.
        assert_eq!(rule.units(&BTreeMap::new(), 5).units, 5);
    }
}
