//! `Alert` and `AlertRules`: what `alerts`, `acknowledgeAlert`, `alertRules` and
//! `setAlertRules` return.

use crate::paging::ListPageInfo;
use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use gomarket_domain::sales::alert::{AlertCondition, AlertState as DomainAlertState};
use gomarket_domain::sales::alert_rules::Thresholds;
use gomarket_projections::alerts::{AlertRow, AlertState};

/// What an alert watches (docs/operations.md, "Alerts").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "AlertCondition")]
pub enum AlertConditionGql {
    /// The marketplace's stock of an article lasts `stockCoverDays` or fewer at its 30-day pace.
    StockCoverLow,
    /// None left on the marketplace while the supplier has stock.
    MarketplaceStockOut,
    /// A published price's planned margin is below `minMarginKopecks`.
    NegativeMargin,
    /// A sync run held a price back (price-drop guard).
    PriceHeld,
    /// A sync run finished with failed items (or failed).
    SyncRunFailedItems,
    /// The marketplace refused the account's token.
    CredentialsInvalid,
    /// A supplier's import failed.
    ImportFailed,
}

impl From<AlertCondition> for AlertConditionGql {
    fn from(condition: AlertCondition) -> Self {
        match condition {
            AlertCondition::StockCoverLow => Self::StockCoverLow,
            AlertCondition::MarketplaceStockOut => Self::MarketplaceStockOut,
            AlertCondition::NegativeMargin => Self::NegativeMargin,
            AlertCondition::PriceHeld => Self::PriceHeld,
            AlertCondition::SyncRunFailedItems => Self::SyncRunFailedItems,
            AlertCondition::CredentialsInvalid => Self::CredentialsInvalid,
            AlertCondition::ImportFailed => Self::ImportFailed,
        }
    }
}

impl From<AlertConditionGql> for AlertCondition {
    fn from(condition: AlertConditionGql) -> Self {
        match condition {
            AlertConditionGql::StockCoverLow => Self::StockCoverLow,
            AlertConditionGql::MarketplaceStockOut => Self::MarketplaceStockOut,
            AlertConditionGql::NegativeMargin => Self::NegativeMargin,
            AlertConditionGql::PriceHeld => Self::PriceHeld,
            AlertConditionGql::SyncRunFailedItems => Self::SyncRunFailedItems,
            AlertConditionGql::CredentialsInvalid => Self::CredentialsInvalid,
            AlertConditionGql::ImportFailed => Self::ImportFailed,
        }
    }
}

/// An alert's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "AlertState")]
pub enum AlertStateGql {
    Open,
    Acknowledged,
    Resolved,
}

impl From<AlertStateGql> for AlertState {
    fn from(state: AlertStateGql) -> Self {
        match state {
            AlertStateGql::Open => Self::Open,
            AlertStateGql::Acknowledged => Self::Acknowledged,
            AlertStateGql::Resolved => Self::Resolved,
        }
    }
}

/// An alert: its current (or last) episode. Every raise, acknowledgement and resolution is
/// an event of its own: `history(aggregateType: "Alert", id)` lists them with their actors.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "Alert")]
pub struct AlertGql {
    pub id: ID,
    pub condition: AlertConditionGql,
    /// What it is about: `listing:<id>`, `article:<account>:<nmId>`, `account:<id>`,
    /// `policy:<id>`, `supplier:<id>`.
    pub subject: String,
    pub account_id: Option<ID>,
    pub supplier_id: Option<ID>,
    pub product_id: Option<ID>,
    pub listing_id: Option<ID>,
    /// Which episode of the condition (1 for the first time it was raised).
    pub episode: i32,
    pub state: AlertStateGql,
    pub message: String,
    pub raised_at: DateTime<Utc>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub version: i64,
}

fn id(uuid: Option<uuid::Uuid>) -> Option<ID> {
    uuid.map(|u| ID(u.to_string()))
}

impl AlertGql {
    /// `None` (and an error in the log) for a row whose condition this server does not know:
    /// only a newer version writes one, and showing it as another would mislead.
    pub fn from_row(row: &AlertRow) -> Option<Self> {
        let Some(condition) = AlertCondition::named(&row.condition) else {
            tracing::error!(alert = %row.alert_id, condition = %row.condition, "an alert of an unknown condition");
            return None;
        };
        Some(Self {
            id: ID(row.alert_id.to_string()),
            condition: condition.into(),
            subject: row.subject.clone(),
            account_id: id(row.account_id),
            supplier_id: id(row.supplier_id),
            product_id: id(row.product_id),
            listing_id: id(row.listing_id),
            episode: row.episode,
            state: match row.state.as_str() {
                "ACKNOWLEDGED" => AlertStateGql::Acknowledged,
                "RESOLVED" => AlertStateGql::Resolved,
                _ => AlertStateGql::Open,
            },
            message: row.message.clone(),
            raised_at: row.raised_at,
            acknowledged_by: row.acknowledged_by.clone(),
            acknowledged_at: row.acknowledged_at,
            resolved_at: row.resolved_at,
            version: row.version,
        })
    }

    /// From the aggregate itself (what a mutation just recorded).
    pub fn from_state(alert_id: uuid::Uuid, state: &DomainAlertState, version: u64) -> Self {
        let episode = &state.episode;
        let scope = &state.scope;
        Self {
            id: ID(alert_id.to_string()),
            condition: scope.condition.into(),
            subject: scope.subject.clone(),
            account_id: id(scope.account_id),
            supplier_id: id(scope.supplier_id),
            product_id: id(scope.product_id),
            listing_id: id(scope.listing_id),
            episode: episode.number as i32,
            state: if episode.resolved_at.is_some() {
                AlertStateGql::Resolved
            } else if episode.acknowledged.is_some() {
                AlertStateGql::Acknowledged
            } else {
                AlertStateGql::Open
            },
            message: episode.message.clone(),
            raised_at: episode.raised_at,
            acknowledged_by: episode.acknowledged.as_ref().map(|(by, _)| by.clone()),
            acknowledged_at: episode.acknowledged.as_ref().map(|(_, at)| *at),
            resolved_at: episode.resolved_at,
            version: version as i64,
        }
    }
}

#[derive(Debug, Clone, SimpleObject)]
pub struct AlertEdge {
    pub cursor: String,
    pub node: AlertGql,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct AlertConnection {
    pub edges: Vec<AlertEdge>,
    pub nodes: Vec<AlertGql>,
    pub page_info: ListPageInfo,
}

/// An account's alert thresholds (defaults until set).
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "AlertRules")]
pub struct AlertRulesGql {
    pub account_id: ID,
    /// `STOCK_COVER_LOW` when stock lasts this many days or fewer (0: off). Default 3.
    pub stock_cover_days: i32,
    /// `NEGATIVE_MARGIN` when a published price's planned margin per unit is below this
    /// (kopecks). Default 0.
    pub min_margin_kopecks: i64,
    /// Conditions not raised for this account.
    pub muted: Vec<AlertConditionGql>,
    /// `false` while the defaults apply.
    pub customized: bool,
}

impl AlertRulesGql {
    pub fn new(account_id: uuid::Uuid, thresholds: Option<&Thresholds>) -> Self {
        let customized = thresholds.is_some();
        let thresholds = thresholds.cloned().unwrap_or_default();
        Self {
            account_id: ID(account_id.to_string()),
            stock_cover_days: thresholds.stock_cover_days as i32,
            min_margin_kopecks: thresholds.min_margin_kopecks,
            muted: thresholds.muted.into_iter().map(Into::into).collect(),
            customized,
        }
    }
}

/// New thresholds for an account (`setAlertRules`).
#[derive(Debug, Clone, InputObject)]
pub struct AlertRulesInput {
    /// 0 (off) to 365.
    pub stock_cover_days: i32,
    pub min_margin_kopecks: i64,
    #[graphql(default)]
    pub muted: Vec<AlertConditionGql>,
}
