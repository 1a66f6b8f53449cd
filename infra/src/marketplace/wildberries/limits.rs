//! Wildberries' limit groups (per seller account), as its API documents them.

use crate::marketplace::rate_limit::Limit;
use std::time::Duration;

/// The limit groups of `NOTES.md` (per seller account).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitGroup {
    /// `cards/upload`, `cards/update`: 10 a minute, burst 5.
    CardsWrite,
    /// `cards/error/list`: 10 a minute, burst 5.
    CardErrors,
    /// Other content methods (`cards/list`, directories): 100 a minute, burst 5.
    Content,
    /// Prices and discounts: 10 per 6 s, burst 5.
    Prices,
    /// Stocks and warehouses: 300 a minute, burst 20.
    Marketplace,
    /// `/ping`: 3 per 30 s.
    Ping,
    /// Statistics reports, one group per method: 1 a minute, burst 1.
    StatisticsOrders,
    StatisticsSales,
    StatisticsStocks,
    /// Tariffs (commission): 1 a minute, burst 2.
    Tariffs,
    /// Analytics reports: 3 a minute (one per 20 s), burst 3.
    Analytics,
}

impl LimitGroup {
    pub const ALL: [LimitGroup; 11] = [
        Self::CardsWrite,
        Self::CardErrors,
        Self::Content,
        Self::Prices,
        Self::Marketplace,
        Self::Ping,
        Self::StatisticsOrders,
        Self::StatisticsSales,
        Self::StatisticsStocks,
        Self::Tariffs,
        Self::Analytics,
    ];

    /// The group's limit (its name keys the buckets).
    pub fn limit(self) -> Limit {
        let (interval, burst) = self.rate();
        Limit {
            name: self.name(),
            interval,
            burst,
        }
    }

    /// (interval between tokens, burst).
    fn rate(self) -> (Duration, u32) {
        match self {
            Self::CardsWrite | Self::CardErrors => (Duration::from_secs(6), 5),
            Self::Content => (Duration::from_millis(600), 5),
            Self::Prices => (Duration::from_millis(600), 5),
            Self::Marketplace => (Duration::from_millis(200), 20),
            Self::Ping => (Duration::from_secs(10), 3),
            Self::StatisticsOrders | Self::StatisticsSales | Self::StatisticsStocks => (Duration::from_secs(60), 1),
            Self::Tariffs => (Duration::from_secs(60), 2),
            Self::Analytics => (Duration::from_secs(20), 3),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::CardsWrite => "cards-write",
            Self::CardErrors => "card-errors",
            Self::Content => "content",
            Self::Prices => "prices",
            Self::Marketplace => "marketplace",
            Self::Ping => "ping",
            Self::StatisticsOrders => "statistics-orders",
            Self::StatisticsSales => "statistics-sales",
            Self::StatisticsStocks => "statistics-stocks",
            Self::Tariffs => "tariffs",
            Self::Analytics => "analytics",
        }
    }
}
