use super::CommissionRates;
use crate::macros::domain_event;
use crate::marketplace::values::{Marketplace, SubjectId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CommissionEvent {
    /// The subject's rates changed (or were seen the first time).
    CommissionRatesObserved {
        marketplace: Marketplace,
        subject_id: SubjectId,
        subject_name: String,
        parent_name: String,
        rates: CommissionRates,
        previous: Option<CommissionRates>,
        at: DateTime<Utc>,
    },
}

domain_event!(CommissionEvent: CommissionRatesObserved);
