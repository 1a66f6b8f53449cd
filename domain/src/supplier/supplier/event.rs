use super::SupplierSettings;
use crate::macros::domain_event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
