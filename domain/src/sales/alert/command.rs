use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The conditions the alerting process watches (docs/operations.md, "Alerts").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlertCondition {
    /// A listing's marketplace stock lasts fewer days than the account's threshold at its
    /// 30-day sales pace.
    StockCoverLow,
    /// The marketplace has none of an article left while the supplier has stock.
    MarketplaceStockOut,
    /// The live price leaves a negative planned margin.
    NegativeMargin,
    /// A sync run held a price back (the price-drop guard) for someone to approve.
    PriceHeld,
    /// A sync run finished with failed items.
    SyncRunFailedItems,
    /// The marketplace refused the account's token (401).
    CredentialsInvalid,
    /// A supplier's import failed.
    ImportFailed,
}

impl AlertCondition {
    pub const ALL: [AlertCondition; 7] = [
        Self::StockCoverLow,
        Self::MarketplaceStockOut,
        Self::NegativeMargin,
        Self::PriceHeld,
        Self::SyncRunFailedItems,
        Self::CredentialsInvalid,
        Self::ImportFailed,
    ];

    /// The condition `as_str` names.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::StockCoverLow => "STOCK_COVER_LOW",
            Self::MarketplaceStockOut => "MARKETPLACE_STOCK_OUT",
            Self::NegativeMargin => "NEGATIVE_MARGIN",
            Self::PriceHeld => "PRICE_HELD",
            Self::SyncRunFailedItems => "SYNC_RUN_FAILED_ITEMS",
            Self::CredentialsInvalid => "CREDENTIALS_INVALID",
            Self::ImportFailed => "IMPORT_FAILED",
        }
    }
}

/// What an alert is about: its condition, its subject (the listing, account, policy or
/// supplier it concerns, as text), and the ids a reader filters on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertScope {
    pub condition: AlertCondition,
    pub subject: String,
    pub account_id: Option<Uuid>,
    pub supplier_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    pub listing_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertCommand {
    /// The condition holds; `message` says what was seen.
    Raise { scope: AlertScope, message: String },
    /// Someone has seen it.
    Acknowledge { by: String },
    /// The condition no longer holds.
    Resolve { message: String },
}
