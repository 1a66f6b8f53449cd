use super::{AccountEvent, AccountSettings};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
