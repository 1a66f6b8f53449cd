use super::AccountSettings;
use crate::macros::domain_event;
use crate::marketplace::card::CardRules;
use crate::marketplace::values::WarehouseId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
