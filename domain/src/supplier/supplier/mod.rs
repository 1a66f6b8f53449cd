//! The `Supplier` aggregate: a feed GoMarket imports (format, where it lives, how to read it).

use super::values::{FeedEncoding, FeedKind, FeedUrl, ImageUrlTemplate, SupplierName};
use crate::macros::domain_event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

/// Everything configurable about a supplier, replaced as a whole by `Update`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierSettings {
    pub name: SupplierName,
    pub kind: FeedKind,
    /// The feed (YML, AN_MSC) or the base URL of the feed set (Wholesaler).
    pub url: FeedUrl,
    pub encoding: FeedEncoding,
    pub image_url_template: Option<ImageUrlTemplate>,
    /// Credentials for the feed, as the id of a secret in the secrets store (never the value).
    pub credentials_secret_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupplierCommand {
    Register(SupplierSettings),
    Update(SupplierSettings),
    Disable,
    Enable,
}

impl SupplierCommand {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Register(_) => "RegisterSupplier",
            Self::Update(_) => "UpdateSupplier",
            Self::Disable => "DisableSupplier",
            Self::Enable => "EnableSupplier",
        }
    }
}

/// Facts about a supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SupplierEvent {
    SupplierRegistered {
        settings: SupplierSettings,
        at: DateTime<Utc>,
    },
    SupplierUpdated {
        settings: SupplierSettings,
        at: DateTime<Utc>,
    },
    SupplierDisabled {
        at: DateTime<Utc>,
    },
    SupplierEnabled {
        at: DateTime<Utc>,
    },
}

domain_event!(SupplierEvent: SupplierRegistered, SupplierUpdated, SupplierDisabled, SupplierEnabled);

/// Why a supplier command was refused; each variant's doc names its GraphQL code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SupplierRefusal {
    /// `ALREADY_EXISTS`: a supplier with this name is registered.
    #[error("a supplier named {name} is already registered")]
    AlreadyExists { name: String },
    /// `NOT_FOUND`.
    #[error("supplier not found")]
    NotFound,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierState {
    pub settings: SupplierSettings,
    pub enabled: bool,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The `Supplier` aggregate: `None` until registered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supplier {
    pub state: Option<SupplierState>,
    pub version: u64,
}

impl Supplier {
    pub fn apply_event(&mut self, event: SupplierEvent) {
        self.version += 1;
        match (event, self.state.as_mut()) {
            (SupplierEvent::SupplierRegistered { settings, at }, _) => {
                self.state = Some(SupplierState {
                    settings,
                    enabled: true,
                    registered_at: at,
                    updated_at: at,
                });
            }
            (SupplierEvent::SupplierUpdated { settings, at }, Some(state)) => {
                state.settings = settings;
                state.updated_at = at;
            }
            (SupplierEvent::SupplierDisabled { at }, Some(state)) => {
                state.enabled = false;
                state.updated_at = at;
            }
            (SupplierEvent::SupplierEnabled { at }, Some(state)) => {
                state.enabled = true;
                state.updated_at = at;
            }
            (_, None) => {}
        }
    }
}

/// Decides a supplier command. Pure; changes to the same settings record nothing.
pub fn decide(
    supplier: &Supplier,
    command: SupplierCommand,
    now: DateTime<Utc>,
) -> Result<Vec<SupplierEvent>, SupplierRefusal> {
    match (command, &supplier.state) {
        (SupplierCommand::Register(_), Some(state)) => Err(SupplierRefusal::AlreadyExists {
            name: state.settings.name.as_str().to_owned(),
        }),
        (SupplierCommand::Register(settings), None) => {
            Ok(vec![SupplierEvent::SupplierRegistered { settings, at: now }])
        }
        (_, None) => Err(SupplierRefusal::NotFound),
        (SupplierCommand::Update(settings), Some(state)) => Ok(if settings == state.settings {
            vec![]
        } else {
            vec![SupplierEvent::SupplierUpdated { settings, at: now }]
        }),
        (SupplierCommand::Disable, Some(state)) => Ok(if state.enabled {
            vec![SupplierEvent::SupplierDisabled { at: now }]
        } else {
            vec![]
        }),
        (SupplierCommand::Enable, Some(state)) => Ok(if state.enabled {
            vec![]
        } else {
            vec![SupplierEvent::SupplierEnabled { at: now }]
        }),
    }
}

crate::pure_aggregate!(
    Supplier,
    "Supplier",
    SupplierCommand,
    SupplierEvent,
    SupplierRefusal,
    decide
);

#[cfg(test)]
mod tests;
