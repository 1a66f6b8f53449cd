//! The `CategoryMapping` aggregate: which marketplace subject a catalog category becomes,
//! and which of the subject's characteristics come from which product attribute. The seller
//! manages it (`setCategoryMapping`); each change is an event, so "since when does this
//! category go to that subject, and who said so" is answerable.
//!
//! - [`command`]: the mapped characteristics and what can be asked of a mapping;
//! - [`event`]: what can happen to it (the stored facts);
//! - [`state`]: the state folded from events;
//! - [`decide`]: the pure decision (state, command, now) → events or a refusal.

mod command;
mod decide;
mod event;
mod refusal;
mod state;

pub use command::{CategoryMappingCommand, MappedCharacteristic};
pub use decide::decide;
pub use event::CategoryMappingEvent;
pub use refusal::MappingRefusal;
pub use state::{CategoryMapping, CategoryMappingState};

use crate::marketplace::values::Marketplace;
use uuid::Uuid;

const MAPPING_NAMESPACE: Uuid = Uuid::from_u128(0x6d61_7070_696e_4700_8000_0000_0000_0001);

crate::ids::uuid_id!(
    MappingRefusal,
    /// A mapping's id: derived from (marketplace, category), so a category has one mapping
    /// per marketplace.
    CategoryMappingId
);

impl CategoryMappingId {
    pub fn for_category(marketplace: Marketplace, category: &str) -> Self {
        let key = format!("{marketplace:?}\u{1f}{}", category.trim().to_lowercase());
        Self(Uuid::new_v5(&MAPPING_NAMESPACE, key.as_bytes()))
    }
}

crate::pure_aggregate!(
    CategoryMapping,
    "CategoryMapping",
    CategoryMappingCommand,
    CategoryMappingEvent,
    MappingRefusal,
    decide
);

#[cfg(test)]
mod tests;
