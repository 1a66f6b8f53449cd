use super::*;
use crate::marketplace::values::SubjectId;
use chrono::{TimeZone, Utc};

fn set(category: &str, subject: i64, characteristic_ids: &[u64]) -> CategoryMappingCommand {
    CategoryMappingCommand::Set {
        marketplace: Marketplace::Wildberries,
        category: category.to_owned(),
        subject_id: SubjectId::new(subject).unwrap(),
        type_id: None,
        characteristics: characteristic_ids
            .iter()
            .map(|&id| MappedCharacteristic {
                id,
                name: format!("Характеристика {id}"),
                attribute: "Цвет".to_owned(),
                required: false,
                numeric: false,
            })
            .collect(),
    }
}

fn mapped(command: CategoryMappingCommand) -> CategoryMapping {
    let mut mapping = CategoryMapping::default();
    let now = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
    for event in decide(&mapping, command, now).unwrap() {
        mapping.apply_event(event);
    }
    mapping
}

#[test]
fn a_mapping_is_recorded_trimmed_and_only_when_it_changes() {
    let now = Utc::now();
    let mapping = mapped(set("  Бытовая техника/Чайники ", 105, &[14177449]));
    let state = mapping.state.as_ref().unwrap();
    assert_eq!(state.category, "Бытовая техника/Чайники");
    assert_eq!(mapping.version, 1);
    assert_eq!(
        decide(&mapping, set("Бытовая техника/Чайники", 105, &[14177449]), now),
        Ok(vec![])
    );
    assert_eq!(
        decide(&mapping, set("Бытовая техника/Чайники", 106, &[14177449]), now)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn an_empty_category_or_a_characteristic_twice_is_refused() {
    let none = CategoryMapping::default();
    let now = Utc::now();
    assert_eq!(
        decide(&none, set("   ", 105, &[]), now),
        Err(MappingRefusal::EmptyCategory)
    );
    assert_eq!(
        decide(&none, set("Чайники", 105, &[7, 8, 7]), now),
        Err(MappingRefusal::DuplicateCharacteristic(7))
    );
}

#[test]
fn an_ozon_category_needs_its_type_and_a_wildberries_one_has_none() {
    let none = CategoryMapping::default();
    let now = Utc::now();
    let on_ozon = |type_id| {
        let CategoryMappingCommand::Set {
            category,
            subject_id,
            characteristics,
            ..
        } = set("Чайники", 17_028_922, &[85]);
        CategoryMappingCommand::Set {
            marketplace: Marketplace::Ozon,
            category,
            subject_id,
            type_id,
            characteristics,
        }
    };
    assert_eq!(
        decide(&none, on_ozon(None), now),
        Err(MappingRefusal::TypeRequired("Ozon"))
    );
    let mapping = mapped(on_ozon(Some(94_765)));
    assert_eq!(mapping.state.as_ref().unwrap().type_id, Some(94_765));
    let CategoryMappingCommand::Set {
        category,
        subject_id,
        characteristics,
        ..
    } = set("Чайники", 105, &[]);
    let typed_on_wildberries = CategoryMappingCommand::Set {
        marketplace: Marketplace::Wildberries,
        category,
        subject_id,
        type_id: Some(1),
        characteristics,
    };
    assert_eq!(
        decide(&none, typed_on_wildberries, now),
        Err(MappingRefusal::TypeNotUsed("Wildberries"))
    );
    assert_ne!(
        CategoryMappingId::for_category(Marketplace::Wildberries, "Чайники"),
        CategoryMappingId::for_category(Marketplace::Ozon, "Чайники")
    );
}

#[test]
fn a_category_has_one_mapping_per_marketplace_whatever_its_case() {
    assert_eq!(
        CategoryMappingId::for_category(Marketplace::Wildberries, "Чайники"),
        CategoryMappingId::for_category(Marketplace::Wildberries, " чайники ")
    );
    assert_ne!(
        CategoryMappingId::for_category(Marketplace::Wildberries, "Чайники"),
        CategoryMappingId::for_category(Marketplace::Wildberries, "Кофеварки")
    );
}
