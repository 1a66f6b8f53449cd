//! The marketplace adapters of a process, and the one place that picks an adapter by the
//! account's marketplace.

use super::ozon::OzonAdapter;
use super::port::MarketplaceApi;
use super::wildberries::WildberriesAdapter;
use gomarket_domain::marketplace::values::Marketplace;

/// One adapter per marketplace, shared by every account on it.
#[derive(Debug, Clone)]
pub struct Adapters {
    pub wildberries: WildberriesAdapter,
    pub ozon: OzonAdapter,
}

impl Adapters {
    /// The adapter of `marketplace`.
    pub fn of(&self, marketplace: Marketplace) -> &dyn MarketplaceApi {
        match marketplace {
            Marketplace::Wildberries => &self.wildberries,
            Marketplace::Ozon => &self.ozon,
        }
    }
}
