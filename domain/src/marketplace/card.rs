//! Building a marketplace card from a normalized product, by the rules of Wildberries:
//! the seller's category mapping gives the subject, the vendor code follows the account's
//! prefix rule, the title is cut to 60 characters at a word boundary, the description kept
//! within its limit, dimensions converted (mm → cm, g → kg) with configured defaults where the
//! supplier gave none, barcodes as the size's skus, and the subject's characteristics filled
//! from the product's attributes. A product that cannot make a valid card is refused here,
//! with a reason, and never sent.

use super::category_mapping::CategoryMappingState;
use super::values::{SubjectId, VendorCode};
use crate::catalog::ProductState;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Longest card title Wildberries accepts.
pub const TITLE_MAX_CHARS: usize = 60;

/// How an account builds its cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardRules {
    /// Put before the product's SKU to make the vendor code, e.g. `GM-`.
    pub vendor_code_prefix: String,
    /// Longest description sent (Wildberries: 1 000–5 000 depending on the subject, 2 000 usual).
    pub description_max_chars: usize,
    /// Used for each dimension the product lacks.
    pub default_dimensions: CardDimensions,
}

impl Default for CardRules {
    fn default() -> Self {
        Self {
            vendor_code_prefix: String::new(),
            description_max_chars: 2000,
            default_dimensions: CardDimensions {
                length_cm: 10,
                width_cm: 10,
                height_cm: 10,
                weight_g: 500,
            },
        }
    }
}

/// Packed size and weight: centimetres and grams (sent as kilograms with ≤ 3 decimals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardDimensions {
    pub length_cm: u32,
    pub width_cm: u32,
    pub height_cm: u32,
    pub weight_g: u32,
}

/// A characteristic's value: text values or a number, as the subject's characteristic says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CharacteristicValue {
    Texts(Vec<String>),
    Number(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardCharacteristic {
    pub id: u64,
    pub value: CharacteristicValue,
}

/// A card ready to send: what `cards/upload` receives for one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardDraft {
    /// The marketplace category (Wildberries subject, Ozon description category).
    pub subject_id: SubjectId,
    /// The product type within it (Ozon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_id: Option<u64>,
    pub vendor_code: VendorCode,
    pub brand: Option<String>,
    pub title: String,
    pub description: String,
    pub dimensions: CardDimensions,
    /// The size's skus (barcodes); empty lets Wildberries generate one.
    pub barcodes: Vec<String>,
    pub characteristics: Vec<CardCharacteristic>,
    /// Image URLs, the first the main one (sent where the card upload takes them: Ozon).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
}

/// Why a product cannot be published as a card; the code is shown on the listing.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum CardRefusal {
    /// `NO_CATEGORY`
    #[error("the product has no category to map to a marketplace subject")]
    NoCategory,
    /// `UNMAPPED_CATEGORY`
    #[error("category {0:?} has no marketplace subject; set one with setCategoryMapping")]
    UnmappedCategory(String),
    /// `BAD_VENDOR_CODE`
    #[error("vendor code {code:?} is invalid: {reason}")]
    BadVendorCode { code: String, reason: String },
    /// `MISSING_CHARACTERISTIC`
    #[error("required characteristic {name:?} (id {id}) has no value: the product has no attribute {attribute:?}")]
    MissingCharacteristic { id: u64, name: String, attribute: String },
    /// `BAD_CHARACTERISTIC`
    #[error("characteristic {name:?} (id {id}) must be a number, the product has {value:?}")]
    BadCharacteristic { id: u64, name: String, value: String },
}

impl CardRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoCategory => "NO_CATEGORY",
            Self::UnmappedCategory(_) => "UNMAPPED_CATEGORY",
            Self::BadVendorCode { .. } => "BAD_VENDOR_CODE",
            Self::MissingCharacteristic { .. } => "MISSING_CHARACTERISTIC",
            Self::BadCharacteristic { .. } => "BAD_CHARACTERISTIC",
        }
    }
}

/// The card of `product` under `mapping` (the one for its category, if the seller set one).
pub fn build_card(
    product: &ProductState,
    mapping: Option<&CategoryMappingState>,
    rules: &CardRules,
) -> Result<CardDraft, CardRefusal> {
    let category = product.category.as_ref().ok_or(CardRefusal::NoCategory)?;
    let mapping = mapping.ok_or_else(|| CardRefusal::UnmappedCategory(category.as_str().to_owned()))?;
    let vendor_code = VendorCode::for_product(&rules.vendor_code_prefix, product.sku.as_str()).map_err(|e| {
        CardRefusal::BadVendorCode {
            code: format!("{}{}", rules.vendor_code_prefix, product.sku.as_str()),
            reason: e.to_string(),
        }
    })?;
    let mut characteristics = Vec::with_capacity(mapping.characteristics.len());
    for wanted in &mapping.characteristics {
        let Some(raw) = product.content.attributes.get(&wanted.attribute) else {
            if wanted.required {
                return Err(CardRefusal::MissingCharacteristic {
                    id: wanted.id,
                    name: wanted.name.clone(),
                    attribute: wanted.attribute.clone(),
                });
            }
            continue;
        };
        let value = if wanted.numeric {
            let number = raw
                .trim()
                .split(|c: char| !c.is_ascii_digit() && c != '-')
                .find(|part| !part.is_empty())
                .and_then(|part| part.parse::<i64>().ok());
            CharacteristicValue::Number(number.ok_or_else(|| CardRefusal::BadCharacteristic {
                id: wanted.id,
                name: wanted.name.clone(),
                value: raw.clone(),
            })?)
        } else {
            CharacteristicValue::Texts(vec![raw.trim().to_owned()])
        };
        characteristics.push(CardCharacteristic { id: wanted.id, value });
    }
    Ok(CardDraft {
        subject_id: mapping.subject_id,
        type_id: mapping.type_id,
        vendor_code,
        brand: product.brand.as_ref().map(|b| b.as_str().to_owned()),
        title: cut_at_word(product.title.as_str(), TITLE_MAX_CHARS),
        description: cut_at_word(
            product.description.as_ref().map_or("", |d| d.as_str()),
            rules.description_max_chars,
        ),
        dimensions: dimensions(product, &rules.default_dimensions),
        barcodes: product.barcodes.iter().map(|b| b.as_str().to_owned()).collect(),
        characteristics,
        images: product.content.images.clone(),
    })
}

/// `text` cut to at most `max` characters, at the last word boundary within them when there
/// is one (a word is never split unless it alone is longer than `max`), trailing spaces and
/// separators removed.
pub fn cut_at_word(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let end = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    let head = &text[..end];
    let next_is_boundary = text[end..].starts_with(char::is_whitespace);
    let cut = if next_is_boundary {
        head
    } else {
        match head.rfind(char::is_whitespace) {
            Some(space) if space > 0 => &head[..space],
            _ => head,
        }
    };
    cut.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–' | '(' | '/'))
        .to_owned()
}

/// Millimetres to whole centimetres, rounded up (a box must fit the item).
fn mm_to_cm(mm: u32) -> u32 {
    mm.div_ceil(10).max(1)
}

fn dimensions(product: &ProductState, defaults: &CardDimensions) -> CardDimensions {
    let d = &product.content.dimensions;
    // A round item (diameter only) is as wide and as high as its diameter.
    let width = d.width_mm.or(d.diameter_mm);
    let height = d.depth_mm.or(d.diameter_mm);
    CardDimensions {
        length_cm: d.length_mm.map_or(defaults.length_cm, mm_to_cm),
        width_cm: width.map_or(defaults.width_cm, mm_to_cm),
        height_cm: height.map_or(defaults.height_cm, mm_to_cm),
        weight_g: d.weight_g.filter(|&g| g > 0).unwrap_or(defaults.weight_g),
    }
}
