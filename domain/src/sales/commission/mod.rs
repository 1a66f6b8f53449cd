//! The `SubjectCommission` aggregate: the commission the marketplace takes in one subject
//! (Wildberries "subject", the category of a card), by sales model, as its tariffs report it
//! (`GET /api/v1/tariffs/commission`). A new fact only when a rate changed.
//!
//! - [`command`]: the rates as read;
//! - [`event`]: the fact `CommissionRatesObserved`;
//! - [`state`]: the rates in force;
//! - [`decide`]: whether they changed.

mod command;
mod decide;
mod event;
mod refusal;
mod state;

pub use command::{CommissionCommand, CommissionRates, ObservedRates};
pub use decide::decide;
pub use event::CommissionEvent;
pub use refusal::CommissionRefusal;
pub use state::{CommissionState, SubjectCommission};

use crate::marketplace::values::{Marketplace, SubjectId};
use uuid::Uuid;

const COMMISSION_NAMESPACE: Uuid = Uuid::from_u128(0x636f_6d6d_6973_4700_8000_0000_0000_0001);

crate::ids::uuid_id!(
    CommissionRefusal,
    /// A subject's commission stream: derived from (marketplace, subject); tariffs are the
    /// marketplace's, the same for every account.
    SubjectCommissionId
);

impl SubjectCommissionId {
    pub fn for_subject(marketplace: Marketplace, subject: SubjectId) -> Self {
        let key = format!("{marketplace:?}\u{1f}{}", subject.get());
        Self(Uuid::new_v5(&COMMISSION_NAMESPACE, key.as_bytes()))
    }
}

crate::pure_aggregate!(
    SubjectCommission,
    "SubjectCommission",
    CommissionCommand,
    CommissionEvent,
    CommissionRefusal,
    decide
);

#[cfg(test)]
mod tests;
