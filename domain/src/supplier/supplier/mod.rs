//! The `Supplier` aggregate: a feed GoMarket imports (format, where it lives, how to read it).
//!
//! - [`command`]: the supplier's settings and what can be asked of it;
//! - [`event`]: what can happen to it (the stored facts);
//! - [`state`]: the state folded from events;
//! - [`decide`]: the pure decision (state, command, now) → events or a refusal.

mod command;
mod decide;
mod event;
mod refusal;
mod state;

pub use command::{SupplierCommand, SupplierSettings};
pub use decide::decide;
pub use event::SupplierEvent;
pub use refusal::SupplierRefusal;
pub use state::{Supplier, SupplierState};

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
