use super::{CommissionEvent, CommissionRates};
use crate::marketplace::values::{Marketplace, SubjectId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommissionState {
    pub marketplace: Marketplace,
    pub subject_id: SubjectId,
    pub subject_name: String,
    pub rates: CommissionRates,
    pub since: DateTime<Utc>,
}

/// The `SubjectCommission` aggregate: `None` until the tariffs name the subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectCommission {
    pub state: Option<CommissionState>,
    pub version: u64,
}

impl SubjectCommission {
    pub fn apply_event(&mut self, event: CommissionEvent) {
        self.version += 1;
        let CommissionEvent::CommissionRatesObserved {
            marketplace,
            subject_id,
            subject_name,
            rates,
            at,
            ..
        } = event;
        self.state = Some(CommissionState {
            marketplace,
            subject_id,
            subject_name,
            rates,
            since: at,
        });
    }
}
