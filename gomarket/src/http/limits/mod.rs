//! Limits enforced inside GraphQL execution, as async-graphql extensions: text arguments
//! checked once ([`input_text`]), complexity and size counted over a whole batch
//! ([`budget`]), and concurrency per operation class ([`classes`]).

mod budget;
mod classes;
mod input_text;

pub use budget::{BatchBudget, RequestBudget};
pub use classes::{ClassLimits, OperationClasses};
pub use input_text::InputText;
