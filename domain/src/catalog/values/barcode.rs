use super::ValueError;
use crate::macros::string_conversions;
use serde::{Deserialize, Serialize};

/// Which GS1 symbology a barcode's length says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarcodeKind {
    Ean8,
    UpcA,
    Ean13,
}

/// A retail barcode (EAN-8, UPC-A or EAN-13) whose check digit is correct.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Barcode(String);

impl Barcode {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let digits = raw.trim();
        if digits.is_empty() {
            return Err(ValueError::Empty);
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) || kind_of(digits.len()).is_none() {
            return Err(ValueError::BarcodeFormat);
        }
        let values: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
        let (body, check) = values.split_at(values.len() - 1);
        let expected = gs1_check_digit(body);
        if expected != check[0] {
            return Err(ValueError::BarcodeCheckDigit {
                expected,
                actual: check[0],
            });
        }
        Ok(Self(digits.to_owned()))
    }

    pub fn kind(&self) -> BarcodeKind {
        kind_of(self.0.len()).expect("length was checked on parse")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn kind_of(len: usize) -> Option<BarcodeKind> {
    match len {
        8 => Some(BarcodeKind::Ean8),
        12 => Some(BarcodeKind::UpcA),
        13 => Some(BarcodeKind::Ean13),
        _ => None,
    }
}

/// The GS1 mod-10 check digit: weights 3 and 1 alternate from the rightmost body digit.
fn gs1_check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| u32::from(d) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

string_conversions!(Barcode, ValueError);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_real_barcodes_of_each_kind() {
        assert_eq!(Barcode::parse("4006381333931").unwrap().kind(), BarcodeKind::Ean13);
        assert_eq!(Barcode::parse("96385074").unwrap().kind(), BarcodeKind::Ean8);
        assert_eq!(Barcode::parse("036000291452").unwrap().kind(), BarcodeKind::UpcA);
    }

    #[test]
    fn refuses_wrong_check_digit() {
        assert_eq!(
            Barcode::parse("4006381333932"),
            Err(ValueError::BarcodeCheckDigit { expected: 1, actual: 2 })
        );
    }

    #[test]
    fn refuses_wrong_length_and_non_digits() {
        assert_eq!(Barcode::parse("12345"), Err(ValueError::BarcodeFormat));
        assert_eq!(Barcode::parse("40063813339A1"), Err(ValueError::BarcodeFormat));
        assert_eq!(Barcode::parse(" "), Err(ValueError::Empty));
    }

    proptest! {
        #[test]
        fn exactly_one_check_digit_completes_any_body(body in proptest::collection::vec(0u8..10, 12)) {
            let digits: String = body.iter().map(|d| char::from(b'0' + d)).collect();
            let valid = (0..10).filter(|c| Barcode::parse(&format!("{digits}{c}")).is_ok()).count();
            prop_assert_eq!(valid, 1);
        }
    }
}
