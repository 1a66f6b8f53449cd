use crate::marketplace::values::{Marketplace, SubjectId};
use serde::{Deserialize, Serialize};

/// One characteristic of the subject, filled from a product attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappedCharacteristic {
    /// The marketplace's characteristic id (`charcID`).
    pub id: u64,
    /// Its marketplace name, for messages.
    pub name: String,
    /// The product attribute that holds the value (`Цвет`).
    pub attribute: String,
    /// A product without the attribute cannot be published.
    pub required: bool,
    /// The marketplace wants a number, not texts.
    pub numeric: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryMappingCommand {
    Set {
        marketplace: Marketplace,
        category: String,
        subject_id: SubjectId,
        /// Required where the marketplace types its categories (Ozon), refused elsewhere.
        type_id: Option<u64>,
        characteristics: Vec<MappedCharacteristic>,
    },
}

impl CategoryMappingCommand {
    pub fn name(&self) -> &'static str {
        "SetCategoryMapping"
    }
}
