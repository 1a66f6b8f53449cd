//! A product's sizes and weight, and their parsing from free text, as Wholesaler writes them in `dimension`:
//! "Длина 19,5 см, диаметр 3,5 см, вес 250 г", "длина: 10 - 12 см", "объем до 1,5 л".

use serde::{Deserialize, Serialize};

/// Normalized sizes: millimetres, grams, millilitres. Each only when the text gives it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct Dimensions {
    pub length_mm: Option<u32>,
    pub width_mm: Option<u32>,
    pub depth_mm: Option<u32>,
    pub diameter_mm: Option<u32>,
    pub weight_g: Option<u32>,
    pub volume_ml: Option<u32>,
}

impl Dimensions {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[derive(Clone, Copy)]
enum Quantity {
    Length,
    Weight,
    Volume,
}

/// (keyword stem, which field, what it measures)
const KEYWORDS: &[(&str, usize, Quantity)] = &[
    ("длин", 0, Quantity::Length),
    ("ширин", 1, Quantity::Length),
    ("глубин", 2, Quantity::Length),
    ("высот", 2, Quantity::Length),
    ("диаметр", 3, Quantity::Length),
    ("вес", 4, Quantity::Weight),
    ("масс", 4, Quantity::Weight),
    ("объем", 5, Quantity::Volume),
    ("объём", 5, Quantity::Volume),
];

/// Parses every "keyword [:] number [- | до number] [unit]" in the text. A range keeps its
/// upper bound (what must fit in a box); a missing unit means centimetres, grams or
/// millilitres. The first mention of each quantity wins.
pub fn parse_dimensions(text: &str) -> Dimensions {
    let lower = text.to_lowercase();
    let mut fields: [Option<u32>; 6] = [None; 6];
    for (stem, field, quantity) in KEYWORDS {
        if fields[*field].is_some() {
            continue;
        }
        let mut search = lower.as_str();
        while let Some(at) = search.find(stem) {
            let after = &search[at + stem.len()..];
            // Skip the rest of the word ("длина", "весом") and separators.
            let after = after.trim_start_matches(|c: char| c.is_alphabetic());
            if let Some(value) = measure(after, *quantity) {
                fields[*field] = Some(value);
                break;
            }
            search = &search[at + stem.len()..];
        }
    }
    Dimensions {
        length_mm: fields[0],
        width_mm: fields[1],
        depth_mm: fields[2],
        diameter_mm: fields[3],
        weight_g: fields[4],
        volume_ml: fields[5],
    }
}

/// A number (or range) and unit right after a keyword, converted to the base unit.
fn measure(text: &str, quantity: Quantity) -> Option<u32> {
    let text = text.trim_start_matches([' ', ':', '-', '—', '–', '=']);
    let text = text.strip_prefix("до").map(str::trim_start).unwrap_or(text);
    let (first, rest) = number(text)?;
    let rest_trimmed = rest.trim_start();
    let (value, rest) = match rest_trimmed
        .strip_prefix('-')
        .or_else(|| rest_trimmed.strip_prefix('–'))
        .or_else(|| rest_trimmed.strip_prefix("до "))
    {
        Some(upper) => match number(upper.trim_start()) {
            Some((second, rest)) => (first.max(second), rest),
            None => (first, rest),
        },
        None => (first, rest),
    };
    let unit: String = rest.trim_start().chars().take_while(|c| c.is_alphabetic()).collect();
    let factor = match (quantity, unit.as_str()) {
        (Quantity::Length, "мм") => 1.0,
        (Quantity::Length, "см" | "") => 10.0,
        (Quantity::Length, "м") => 1000.0,
        (Quantity::Weight, "г" | "гр" | "грамм" | "граммов" | "") => 1.0,
        (Quantity::Weight, "кг") => 1000.0,
        (Quantity::Volume, "мл" | "") => 1.0,
        (Quantity::Volume, "л" | "литр" | "литра" | "литров") => 1000.0,
        _ => return None,
    };
    let converted = (value * factor).round();
    (converted >= 0.0 && converted <= f64::from(u32::MAX)).then_some(converted as u32)
}

/// A decimal number (comma or dot) at the start of `text`, and what follows. Sizes are
/// measurements, not money: a float is fine here and is rounded to whole base units.
fn number(text: &str) -> Option<(f64, &str)> {
    let end = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == ',' || *c == '.'))
        .map_or(text.len(), |(i, _)| i);
    let raw = text[..end].trim_end_matches(['.', ',']);
    if raw.is_empty() || !raw.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let value: f64 = raw.replace(',', ".").parse().ok()?;
    Some((value, &text[raw.len()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wholesaler_dimension_texts() {
        let d = parse_dimensions("Длина 19,5 см, диаметр 3,5 см, вес 250 г");
        assert_eq!(d.length_mm, Some(195));
        assert_eq!(d.diameter_mm, Some(35));
        assert_eq!(d.weight_g, Some(250));
        assert_eq!(d.width_mm, None);

        let d = parse_dimensions("длина: 10 - 12 см; ширина до 4 см; объем 1,5 л; вес 1.2 кг");
        assert_eq!(d.length_mm, Some(120));
        assert_eq!(d.width_mm, Some(40));
        assert_eq!(d.volume_ml, Some(1500));
        assert_eq!(d.weight_g, Some(1200));

        let d = parse_dimensions("Общая длина 150 мм, рабочая длина 120 мм, глубина 5 до 7 см, объём 200 мл");
        assert_eq!(d.length_mm, Some(150));
        assert_eq!(d.depth_mm, Some(70));
        assert_eq!(d.volume_ml, Some(200));

        assert!(parse_dimensions("размер универсальный").is_empty());
        assert_eq!(parse_dimensions("вес: 2кг").weight_g, Some(2000));
        assert_eq!(parse_dimensions("длина 1 м").length_mm, Some(1000));
        assert_eq!(parse_dimensions("весёлый дизайн, вес 90гр").weight_g, Some(90));
    }
}
