use crate::marketplace::card::CardRules;
use crate::marketplace::values::{AccountName, Marketplace, WarehouseId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
