//! The `MarketplaceAccount` aggregate: one seller account on a marketplace. The API token is
//! kept in the secrets store; the account holds only the secret's id. An account whose token
//! the marketplace refused (401) is marked so and nothing is pushed with it until the seller
//! gives a new token.

use super::card::CardRules;
use super::values::{AccountName, Marketplace, WarehouseId};
use crate::macros::domain_event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

crate::ids::uuid_id!(
    AccountRefusal,
    /// A marketplace account's id (UUID v7, chosen when it is connected).
    AccountId
);

/// Where the account stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountStatus {
    /// Usable: pushes go out.
    Active,
    /// The marketplace refused the token (expired or revoked); pushes wait for a new token.
    CredentialsInvalid { reason: String },
    /// Switched off by the seller.
    Disabled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSettings {
    pub name: AccountName,
    pub marketplace: Marketplace,
    /// The API token, as the id of a secret in the secrets store (never the token).
    pub token_secret_id: Uuid,
    /// The seller's warehouses stocks are pushed to (the first is the default).
    pub warehouse_ids: Vec<WarehouseId>,
    pub card_rules: CardRules,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountCommand {
    Connect(AccountSettings),
    /// The marketplace accepted the token (ping answered).
    RecordVerified,
    /// The marketplace refused the token: `reason` in its words.
    MarkCredentialsInvalid {
        reason: String,
    },
    /// A new token (its secret's id); the account is usable again.
    ReplaceToken {
        token_secret_id: Uuid,
    },
    UpdateWarehouses(Vec<WarehouseId>),
    UpdateCardRules(CardRules),
    Disable,
    Enable,
}

impl AccountCommand {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Connect(_) => "ConnectMarketplaceAccount",
            Self::RecordVerified => "RecordAccountVerified",
            Self::MarkCredentialsInvalid { .. } => "MarkAccountCredentialsInvalid",
            Self::ReplaceToken { .. } => "ReplaceAccountToken",
            Self::UpdateWarehouses(_) => "UpdateAccountWarehouses",
            Self::UpdateCardRules(_) => "UpdateAccountCardRules",
            Self::Disable => "DisableMarketplaceAccount",
            Self::Enable => "EnableMarketplaceAccount",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountEvent {
    AccountConnected {
        settings: AccountSettings,
        at: DateTime<Utc>,
    },
    AccountVerified {
        at: DateTime<Utc>,
    },
    AccountCredentialsInvalid {
        reason: String,
        at: DateTime<Utc>,
    },
    AccountTokenReplaced {
        token_secret_id: Uuid,
        at: DateTime<Utc>,
    },
    AccountWarehousesUpdated {
        warehouse_ids: Vec<WarehouseId>,
        at: DateTime<Utc>,
    },
    AccountCardRulesUpdated {
        card_rules: CardRules,
        at: DateTime<Utc>,
    },
    AccountDisabled {
        at: DateTime<Utc>,
    },
    AccountEnabled {
        at: DateTime<Utc>,
    },
}

domain_event!(AccountEvent: AccountConnected, AccountVerified, AccountCredentialsInvalid, AccountTokenReplaced, AccountWarehousesUpdated, AccountCardRulesUpdated, AccountDisabled, AccountEnabled);

/// Why an account command was refused; each variant's doc names its GraphQL code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccountRefusal {
    /// `BAD_USER_INPUT`.
    #[error("not a valid id")]
    BadId,
    /// `CONFLICT`.
    #[error("the account is already connected")]
    AlreadyConnected,
    /// `NOT_FOUND`.
    #[error("marketplace account not found")]
    NotFound,
    /// `BAD_USER_INPUT`.
    #[error("at least one warehouse id is needed to push stocks")]
    NoWarehouse,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountState {
    pub settings: AccountSettings,
    pub status: AccountStatus,
    pub verified_at: Option<DateTime<Utc>>,
    pub connected_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl AccountState {
    /// Whether pushes may go out with this account now.
    pub fn can_push(&self) -> bool {
        self.status == AccountStatus::Active
    }
}

/// The `MarketplaceAccount` aggregate: `None` until connected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketplaceAccount {
    pub state: Option<AccountState>,
    pub version: u64,
}

impl MarketplaceAccount {
    pub fn apply_event(&mut self, event: AccountEvent) {
        self.version += 1;
        if let AccountEvent::AccountConnected { settings, at } = event {
            self.state = Some(AccountState {
                settings,
                status: AccountStatus::Active,
                verified_at: None,
                connected_at: at,
                updated_at: at,
            });
            return;
        }
        let Some(state) = self.state.as_mut() else { return };
        match event {
            AccountEvent::AccountConnected { .. } => {}
            AccountEvent::AccountVerified { at } => {
                state.verified_at = Some(at);
                if matches!(state.status, AccountStatus::CredentialsInvalid { .. }) {
                    state.status = AccountStatus::Active;
                }
                state.updated_at = at;
            }
            AccountEvent::AccountCredentialsInvalid { reason, at } => {
                if state.status != AccountStatus::Disabled {
                    state.status = AccountStatus::CredentialsInvalid { reason };
                }
                state.updated_at = at;
            }
            AccountEvent::AccountTokenReplaced { token_secret_id, at } => {
                state.settings.token_secret_id = token_secret_id;
                if matches!(state.status, AccountStatus::CredentialsInvalid { .. }) {
                    state.status = AccountStatus::Active;
                }
                state.updated_at = at;
            }
            AccountEvent::AccountWarehousesUpdated { warehouse_ids, at } => {
                state.settings.warehouse_ids = warehouse_ids;
                state.updated_at = at;
            }
            AccountEvent::AccountCardRulesUpdated { card_rules, at } => {
                state.settings.card_rules = card_rules;
                state.updated_at = at;
            }
            AccountEvent::AccountDisabled { at } => {
                state.status = AccountStatus::Disabled;
                state.updated_at = at;
            }
            AccountEvent::AccountEnabled { at } => {
                state.status = AccountStatus::Active;
                state.updated_at = at;
            }
        }
    }
}

/// Decides an account command. Pure; a command that changes nothing records nothing.
pub fn decide(
    account: &MarketplaceAccount,
    command: AccountCommand,
    now: DateTime<Utc>,
) -> Result<Vec<AccountEvent>, AccountRefusal> {
    let at = now;
    let Some(state) = &account.state else {
        return match command {
            AccountCommand::Connect(settings) if settings.warehouse_ids.is_empty() => Err(AccountRefusal::NoWarehouse),
            AccountCommand::Connect(settings) => Ok(vec![AccountEvent::AccountConnected { settings, at }]),
            _ => Err(AccountRefusal::NotFound),
        };
    };
    let invalid = matches!(state.status, AccountStatus::CredentialsInvalid { .. });
    Ok(match command {
        AccountCommand::Connect(_) => return Err(AccountRefusal::AlreadyConnected),
        AccountCommand::RecordVerified => vec![AccountEvent::AccountVerified { at }],
        AccountCommand::MarkCredentialsInvalid { reason } => match &state.status {
            AccountStatus::CredentialsInvalid { reason: known } if *known == reason => vec![],
            AccountStatus::Disabled => vec![],
            _ => vec![AccountEvent::AccountCredentialsInvalid { reason, at }],
        },
        AccountCommand::ReplaceToken { token_secret_id } => {
            if token_secret_id == state.settings.token_secret_id && !invalid {
                vec![]
            } else {
                vec![AccountEvent::AccountTokenReplaced { token_secret_id, at }]
            }
        }
        AccountCommand::UpdateWarehouses(ids) if ids.is_empty() => return Err(AccountRefusal::NoWarehouse),
        AccountCommand::UpdateWarehouses(warehouse_ids) => {
            if warehouse_ids == state.settings.warehouse_ids {
                vec![]
            } else {
                vec![AccountEvent::AccountWarehousesUpdated { warehouse_ids, at }]
            }
        }
        AccountCommand::UpdateCardRules(card_rules) => {
            if card_rules == state.settings.card_rules {
                vec![]
            } else {
                vec![AccountEvent::AccountCardRulesUpdated { card_rules, at }]
            }
        }
        AccountCommand::Disable if state.status == AccountStatus::Disabled => vec![],
        AccountCommand::Disable => vec![AccountEvent::AccountDisabled { at }],
        AccountCommand::Enable if state.status == AccountStatus::Disabled => vec![AccountEvent::AccountEnabled { at }],
        AccountCommand::Enable => vec![],
    })
}

crate::pure_aggregate!(
    MarketplaceAccount,
    "MarketplaceAccount",
    AccountCommand,
    AccountEvent,
    AccountRefusal,
    decide
);
