use super::{SupplierEvent, SupplierSettings};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
