use super::{CategoryMapping, CategoryMappingCommand, CategoryMappingEvent, MappingRefusal};
use chrono::{DateTime, Utc};

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
        type_id,
        characteristics,
    } = command;
    match (marketplace.has_category_types(), type_id) {
        (true, None) => return Err(MappingRefusal::TypeRequired(marketplace.title())),
        (false, Some(_)) => return Err(MappingRefusal::TypeNotUsed(marketplace.title())),
        _ => {}
    }
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
            && s.type_id == type_id
            && s.characteristics == characteristics
    });
    Ok(if unchanged {
        vec![]
    } else {
        vec![CategoryMappingEvent::CategoryMapped {
            marketplace,
            category,
            subject_id,
            type_id,
            characteristics,
            at: now,
        }]
    })
}
