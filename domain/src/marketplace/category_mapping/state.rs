use super::{CategoryMappingEvent, MappedCharacteristic};
use crate::marketplace::values::{Marketplace, SubjectId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryMappingState {
    pub marketplace: Marketplace,
    /// The catalog category path as products carry it.
    pub category: String,
    /// The marketplace category: Wildberries `subjectID`, Ozon `description_category_id`.
    pub subject_id: SubjectId,
    /// The product type within it (Ozon `type_id`).
    #[serde(default)]
    pub type_id: Option<u64>,
    pub characteristics: Vec<MappedCharacteristic>,
    pub updated_at: DateTime<Utc>,
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
            type_id,
            characteristics,
            at,
        } = event;
        self.state = Some(CategoryMappingState {
            marketplace,
            category,
            subject_id,
            type_id,
            characteristics,
            updated_at: at,
        });
    }
}
