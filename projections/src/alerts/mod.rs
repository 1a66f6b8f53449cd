//! The `alerts` read model: every alert's current or last episode, for `alerts(accountId,
//! state, first, after)`.
//!
//! - [`alerts_projection`]: built from `Alert` events;
//! - [`alerts_query`]: the page query.

pub mod alerts_projection;
pub mod alerts_query;

pub use alerts_projection::AlertsProjection;
pub use alerts_query::{AlertPage, AlertQueryError, AlertRow, AlertState, alert, alerts};
