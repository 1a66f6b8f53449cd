//! The `Product` aggregate: one item of the seller's catalog.
//!
//! - [`command`]: what can be asked of a product;
//! - [`event`]: what can happen to it (the stored facts);
//! - [`state`]: the state folded from events;
//! - [`decide`]: the pure decision (state, command, now) → events or a refusal;
//! - [`supply`]: supplier offers, the link to the supplier's item, feed content;
//! - [`aggregate`]: the thin cqrs-es adapter around the two.

mod aggregate;
mod command;
mod decide;
mod event;
mod import;
mod refusal;
mod state;
mod supply;

pub use aggregate::ProductServices;
pub use command::{NewProduct, ProductCommand, ProductDetails};
pub use decide::decide;
pub use event::ProductEvent;
pub use refusal::ProductRefusal;
pub use state::{Product, ProductState, ProductStatus};
pub use supply::{ProductContent, SupplierLink, SupplierOffer, total_stock};

#[cfg(test)]
mod tests;
