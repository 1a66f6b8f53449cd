//! The `CategoryMapping` aggregate: which marketplace subject a catalog category becomes,
//! and which of the subject's characteristics come from which product attribute. The seller
//! manages it (`setCategoryMapping`); each change is an event, so "since when does this
//! category go to that subject, and who said so" is answerable.

use super::values::{Marketplace, SubjectId};
use crate::macros::domain_event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryMappingState {
    pub marketplace: Marketplace,
    /// The catalog category path as products carry it.
    pub category: String,
    pub subject_id: SubjectId,
    pub characteristics: Vec<MappedCharacteristic>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryMappingCommand {
    Set {
        marketplace: Marketplace,
        category: String,
        subject_id: SubjectId,
        characteristics: Vec<MappedCharacteristic>,
    },
}

impl CategoryMappingCommand {
    pub fn name(&self) -> &'static str {
        "SetCategoryMapping"
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CategoryMappingEvent {
    CategoryMapped {
        marketplace: Marketplace,
        category: String,
        subject_id: SubjectId,
        characteristics: Vec<MappedCharacteristic>,
        at: DateTime<Utc>,
    },
}

domain_event!(CategoryMappingEvent: CategoryMapped);

/// Why a mapping command was refused; each variant's doc names its GraphQL code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MappingRefusal {
    /// `BAD_USER_INPUT`.
    #[error("not a valid id")]
    BadId,
    /// `BAD_USER_INPUT`.
    #[error("category must not be empty")]
    EmptyCategory,
    /// `BAD_USER_INPUT`.
    #[error("characteristic {0} is listed twice")]
    DuplicateCharacteristic(u64),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryMapping {
    pub state: Option<CategoryMappingState>,
    pub version: u64,
}

impl CategoryMapping {
    pub fn apply_event(&mut self, event: CategoryMappingEvent) {
        self.version += 1;
        let CategoryMappingEvent::CategoryMapped {
            marketplace,
            category,
            subject_id,
            characteristics,
            at,
        } = event;
        self.state = Some(CategoryMappingState {
            marketplace,
            category,
            subject_id,
            characteristics,
            updated_at: at,
        });
    }
}

/// Decides a mapping command. Pure; setting the same mapping again records nothing.
pub fn decide(
    mapping: &CategoryMapping,
    command: CategoryMappingCommand,
    now: DateTime<Utc>,
) -> Result<Vec<CategoryMappingEvent>, MappingRefusal> {
    let CategoryMappingCommand::Set {
        marketplace,
        category,
        subject_id,
        characteristics,
    } = command;
    let category = category.trim().to_owned();
    if category.is_empty() {
        return Err(MappingRefusal::EmptyCategory);
    }
    let mut ids = std::collections::HashSet::new();
    if let Some(twice) = characteristics.iter().find(|c| !ids.insert(c.id)) {
        return Err(MappingRefusal::DuplicateCharacteristic(twice.id));
    }
    let unchanged = mapping.state.as_ref().is_some_and(|s| {
        s.marketplace == marketplace
            && s.category == category
            && s.subject_id == subject_id
            && s.characteristics == characteristics
    });
    Ok(if unchanged {
        vec![]
    } else {
        vec![CategoryMappingEvent::CategoryMapped {
            marketplace,
            category,
            subject_id,
            characteristics,
            at: now,
        }]
    })
}

crate::pure_aggregate!(
    CategoryMapping,
    "CategoryMapping",
    CategoryMappingCommand,
    CategoryMappingEvent,
    MappingRefusal,
    decide
);
