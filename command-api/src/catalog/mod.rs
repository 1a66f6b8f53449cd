//! Product mutations.

mod inputs;
mod mutation;
mod refusal;

pub use inputs::{CreateProductInput, ProductDetailsInput};
pub use mutation::{CatalogMutation, ProductPayload};
