use super::card::*;
use super::category_mapping::{CategoryMappingState, MappedCharacteristic};
use super::values::{Marketplace, SubjectId};
use crate::catalog::*;
use chrono::{TimeZone, Utc};
use proptest::prelude::*;

fn product(title: &str, category: Option<&str>, attributes: &[(&str, &str)], dimensions: Dimensions) -> ProductState {
    let at = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    ProductState {
        sku: Sku::parse("AB-100").unwrap(),
        title: Title::parse(title).unwrap(),
        brand: Some(Brand::parse("Polaris").unwrap()),
        description: Some(Description::parse("Стеклянный чайник на 1,7 л").unwrap()),
        category: category.map(|c| CategoryPath::parse(c).unwrap()),
        barcodes: vec![Barcode::parse("4006381333931").unwrap()],
        price: Kopecks::new(150_000).unwrap(),
        stock: Quantity::new(7).unwrap(),
        status: ProductStatus::Active,
        supplier: None,
        stock_by_warehouse: Default::default(),
        available: true,
        content: ProductContent {
            images: vec![],
            attributes: attributes
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            dimensions,
            retail_price: None,
        },
        created_at: at,
        updated_at: at,
    }
}

fn mapping(characteristics: Vec<MappedCharacteristic>) -> CategoryMappingState {
    CategoryMappingState {
        marketplace: Marketplace::Wildberries,
        category: "Бытовая техника/Чайники".into(),
        subject_id: SubjectId::new(7771).unwrap(),
        type_id: None,
        characteristics,
        updated_at: Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap(),
    }
}

fn colour(required: bool) -> MappedCharacteristic {
    MappedCharacteristic {
        id: 14177449,
        name: "Цвет".into(),
        attribute: "Цвет".into(),
        required,
        numeric: false,
    }
}

#[test]
fn a_mapped_product_becomes_a_card_with_converted_dimensions_and_defaults() {
    let dims = Dimensions {
        length_mm: Some(251),
        weight_g: Some(1_240),
        diameter_mm: Some(150),
        ..Dimensions::default()
    };
    let p = product(
        "Чайник Polaris",
        Some("Бытовая техника/Чайники"),
        &[("Цвет", "красный")],
        dims,
    );
    let rules = CardRules {
        vendor_code_prefix: "GM-".into(),
        ..CardRules::default()
    };
    let card = build_card(&p, Some(&mapping(vec![colour(true)])), &rules).unwrap();
    assert_eq!(card.vendor_code.as_str(), "GM-AB-100");
    assert_eq!(card.subject_id.get(), 7771);
    assert_eq!(
        card.dimensions,
        CardDimensions {
            length_cm: 26,
            width_cm: 15,
            height_cm: 15,
            weight_g: 1_240
        }
    );
    assert_eq!(card.barcodes, ["4006381333931"]);
    assert_eq!(
        card.characteristics,
        [CardCharacteristic {
            id: 14177449,
            value: CharacteristicValue::Texts(vec!["красный".into()])
        }]
    );
    let bare = product("Чайник", Some("Бытовая техника/Чайники"), &[], Dimensions::default());
    let card = build_card(&bare, Some(&mapping(vec![colour(false)])), &rules).unwrap();
    assert_eq!(card.dimensions, rules.default_dimensions);
    assert!(card.characteristics.is_empty(), "optional and absent: left out");
}

#[test]
fn products_that_cannot_make_a_card_are_refused_with_a_reason() {
    let rules = CardRules::default();
    let no_category = product("Чайник", None, &[], Dimensions::default());
    assert_eq!(
        build_card(&no_category, None, &rules).unwrap_err().code(),
        "NO_CATEGORY"
    );
    let p = product("Чайник", Some("Бытовая техника/Чайники"), &[], Dimensions::default());
    assert_eq!(build_card(&p, None, &rules).unwrap_err().code(), "UNMAPPED_CATEGORY");
    let missing = build_card(&p, Some(&mapping(vec![colour(true)])), &rules).unwrap_err();
    assert_eq!(missing.code(), "MISSING_CHARACTERISTIC");
    assert!(missing.to_string().contains("Цвет"), "{missing}");
    let long_prefix = CardRules {
        vendor_code_prefix: "P".repeat(70),
        ..CardRules::default()
    };
    assert_eq!(
        build_card(&p, Some(&mapping(vec![])), &long_prefix).unwrap_err().code(),
        "BAD_VENDOR_CODE"
    );
    let volume = MappedCharacteristic {
        numeric: true,
        attribute: "Объём".into(),
        ..colour(true)
    };
    let words = product("Чайник", Some("x"), &[("Объём", "большой")], Dimensions::default());
    assert_eq!(
        build_card(&words, Some(&mapping(vec![volume.clone()])), &rules)
            .unwrap_err()
            .code(),
        "BAD_CHARACTERISTIC"
    );
    let litres = product("Чайник", Some("x"), &[("Объём", "1700 мл")], Dimensions::default());
    let card = build_card(&litres, Some(&mapping(vec![volume])), &rules).unwrap();
    assert_eq!(card.characteristics[0].value, CharacteristicValue::Number(1700));
}

#[test]
fn titles_are_cut_to_60_at_a_word_boundary() {
    let title = "Электрический чайник Polaris PWK 1725CGLD стеклянный с подсветкой и фильтром, 1,7 л";
    let cut = cut_at_word(title, TITLE_MAX_CHARS);
    assert_eq!(cut, "Электрический чайник Polaris PWK 1725CGLD стеклянный с");
    assert_eq!(cut_at_word("Короткое название", 60), "Короткое название");
    let one_word = "Ж".repeat(80);
    assert_eq!(
        cut_at_word(&one_word, 60).chars().count(),
        60,
        "a lone long word is cut hard"
    );
}

proptest! {
    #[test]
    fn a_cut_title_is_within_the_limit_and_a_prefix_of_whole_words(words in proptest::collection::vec("[а-яa-z0-9]{1,15}", 1..20)) {
        let text = words.join(" ");
        let cut = cut_at_word(&text, TITLE_MAX_CHARS);
        prop_assert!(cut.chars().count() <= TITLE_MAX_CHARS);
        prop_assert!(text.starts_with(&cut));
        if cut.chars().count() < text.chars().count() && words[0].chars().count() <= TITLE_MAX_CHARS {
            // Cut between words: what follows in the original is a space.
            prop_assert!(text[cut.len()..].starts_with(' '));
        }
    }
}
