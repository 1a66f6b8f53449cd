use super::{Product, ProductCommand, ProductEvent, ProductRefusal, decide};

/// What the product aggregate needs from outside: only the clock.
pub type ProductServices = crate::pure_aggregate::ClockServices;

crate::pure_aggregate!(Product, "Product", ProductCommand, ProductEvent, ProductRefusal, decide);
