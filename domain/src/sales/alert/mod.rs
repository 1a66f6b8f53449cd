//! The `Alert` aggregate: one per condition and subject (a listing's stock cover, an
//! account's credentials, a supplier's imports…). The alerting process raises it when the
//! condition starts and resolves it when it ends; a raise while open is no news, so an alert
//! is raised once per episode of its condition, not once per evaluation. A person
//! acknowledges it (who and when is in its `history`).
//!
//! - [`command`]: raise, acknowledge, resolve; the conditions and what an alert is about;
//! - [`event`]: `AlertRaised`, `AlertAcknowledged`, `AlertResolved`;
//! - [`state`]: the current episode;
//! - [`decide`]: what each command changes.

mod command;
mod decide;
mod event;
mod refusal;
mod state;

pub use command::{AlertCommand, AlertCondition, AlertScope};
pub use decide::decide;
pub use event::AlertEvent;
pub use refusal::AlertRefusal;
pub use state::{Alert, AlertState, Episode};

use uuid::Uuid;

const ALERT_NAMESPACE: Uuid = Uuid::from_u128(0x616c_6572_7400_4000_8000_0000_0000_0001);

crate::ids::uuid_id!(
    AlertRefusal,
    /// An alert's stream: derived from its condition and subject, so the process that raises
    /// it again finds the same stream.
    AlertId
);

impl AlertId {
    pub fn for_scope(condition: AlertCondition, subject: &str) -> Self {
        let key = format!("{}\u{1f}{subject}", condition.as_str());
        Self(Uuid::new_v5(&ALERT_NAMESPACE, key.as_bytes()))
    }
}

crate::pure_aggregate!(Alert, "Alert", AlertCommand, AlertEvent, AlertRefusal, decide);

#[cfg(test)]
mod tests;
