use super::AccountRefusal;
use crate::marketplace::card::CardRules;
use crate::marketplace::values::{AccountName, ClientId, Marketplace, WarehouseId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSettings {
    pub name: AccountName,
    pub marketplace: Marketplace,
    /// The seller's id sent beside the token, where the marketplace's API has one (Ozon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<ClientId>,
    /// The API token, as the id of a secret in the secrets store (never the token).
    pub token_secret_id: Uuid,
    /// The seller's warehouses stocks are pushed to (the first is the default).
    pub warehouse_ids: Vec<WarehouseId>,
    pub card_rules: CardRules,
}

impl AccountSettings {
    /// What connecting needs of the settings: a warehouse, and the seller's Client-Id exactly
    /// where the marketplace has one.
    pub fn check(&self) -> Result<(), AccountRefusal> {
        if self.warehouse_ids.is_empty() {
            return Err(AccountRefusal::NoWarehouse);
        }
        match (self.marketplace.has_client_ids(), &self.client_id) {
            (true, None) => Err(AccountRefusal::ClientIdRequired(self.marketplace.title())),
            (false, Some(_)) => Err(AccountRefusal::ClientIdNotUsed(self.marketplace.title())),
            _ => Ok(()),
        }
    }
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
