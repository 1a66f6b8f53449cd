use super::MappedCharacteristic;
use crate::macros::domain_event;
use crate::marketplace::values::{Marketplace, SubjectId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CategoryMappingEvent {
    CategoryMapped {
        marketplace: Marketplace,
        category: String,
        subject_id: SubjectId,
        /// The product type within the category (Ozon `type_id`); absent on Wildberries.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        type_id: Option<u64>,
        characteristics: Vec<MappedCharacteristic>,
        at: DateTime<Utc>,
    },
}

domain_event!(CategoryMappingEvent: CategoryMapped);
