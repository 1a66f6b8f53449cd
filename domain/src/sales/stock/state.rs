use super::{LostSales, StockEvent, StockLevel};
use crate::marketplace::account::AccountId;
use crate::marketplace::values::NmId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The last figures of each size in each warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockState {
    pub account_id: AccountId,
    pub nm_id: NmId,
    /// By (barcode, warehouse). Serialized as a list: JSON maps want string keys.
    #[serde(with = "levels")]
    pub levels: BTreeMap<(String, String), StockLevel>,
    /// The last stock history figures reported.
    #[serde(default)]
    pub lost_sales: Option<LostSales>,
}

/// The `MarketplaceStock` aggregate: `None` until a report row names the article.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketplaceStock {
    pub state: Option<StockState>,
    pub version: u64,
}

impl MarketplaceStock {
    pub fn apply_event(&mut self, event: StockEvent) {
        self.version += 1;
        let fresh = |account_id, nm_id| StockState {
            account_id,
            nm_id,
            levels: BTreeMap::new(),
            lost_sales: None,
        };
        match event {
            StockEvent::MarketplaceStockObserved {
                account_id,
                nm_id,
                barcode,
                warehouse,
                level,
                ..
            } => {
                let state = self.state.get_or_insert_with(|| fresh(account_id, nm_id));
                state.levels.insert((barcode, warehouse), level);
            }
            StockEvent::LostSalesReported {
                account_id,
                nm_id,
                figures,
                ..
            } => {
                let state = self.state.get_or_insert_with(|| fresh(account_id, nm_id));
                state.lost_sales = Some(figures);
            }
        }
    }
}

mod levels {
    use super::StockLevel;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    type Levels = BTreeMap<(String, String), StockLevel>;

    pub fn serialize<S: Serializer>(levels: &Levels, serializer: S) -> Result<S::Ok, S::Error> {
        let list: Vec<(&(String, String), &StockLevel)> = levels.iter().collect();
        list.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Levels, D::Error> {
        let list = Vec::<((String, String), StockLevel)>::deserialize(deserializer)?;
        Ok(list.into_iter().collect())
    }
}
