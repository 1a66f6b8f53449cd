use super::ValueError;
use crate::macros::string_conversions;
use serde::{Deserialize, Serialize};

/// A stock-keeping unit: the seller's (or supplier's) own article code.
///
/// Trimmed, 1 to 64 characters, no control characters. Two SKUs that differ only in letter
/// case are the same SKU (sellers type `abc-1` and `ABC-1` interchangeably); the original
/// spelling is kept for display, [`Sku::key`] gives the case-folded form used for identity.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sku(String);

impl Sku {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ValueError::Empty);
        }
        let actual = trimmed.chars().count();
        if actual > Self::MAX_CHARS {
            return Err(ValueError::TooLong {
                max: Self::MAX_CHARS,
                actual,
            });
        }
        if trimmed.chars().any(char::is_control) {
            return Err(ValueError::ControlCharacter);
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The identity of this SKU: case-folded.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl PartialEq for Sku {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Sku {}

string_conversions!(Sku, ValueError);

impl std::fmt::Display for Sku {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sku_is_trimmed_and_bounded() {
        assert_eq!(Sku::parse("  KT-100 ").unwrap().as_str(), "KT-100");
        assert_eq!(Sku::parse(""), Err(ValueError::Empty));
        assert!(matches!(Sku::parse(&"x".repeat(65)), Err(ValueError::TooLong { .. })));
        assert_eq!(Sku::parse("a\tb"), Err(ValueError::ControlCharacter));
    }

    #[test]
    fn sku_identity_ignores_case() {
        assert_eq!(Sku::parse("Kt-100").unwrap(), Sku::parse("kT-100").unwrap());
        assert_eq!(Sku::parse("Kt-100").unwrap().as_str(), "Kt-100");
    }
}
