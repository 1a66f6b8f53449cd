//! Bounded, trimmed text values: title, brand, description, category path.

use super::ValueError;
use crate::macros::string_conversions;
use serde::{Deserialize, Serialize};

/// Trims `raw`, then checks it is non-empty, within `max` characters and free of control
/// characters (newlines and tabs allowed only where `allow_newlines`).
fn bounded_text(raw: &str, max: usize, allow_newlines: bool) -> Result<String, ValueError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ValueError::Empty);
    }
    let actual = trimmed.chars().count();
    if actual > max {
        return Err(ValueError::TooLong { max, actual });
    }
    let forbidden = |c: char| c.is_control() && !(allow_newlines && matches!(c, '\n' | '\r' | '\t'));
    if trimmed.chars().any(forbidden) {
        return Err(ValueError::ControlCharacter);
    }
    Ok(trimmed.to_owned())
}

macro_rules! bounded_text_type {
    ($(#[$doc:meta])* $name:ident, max = $max:expr, newlines = $nl:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Longest accepted value, in characters.
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, ValueError> {
                bounded_text(raw, Self::MAX_CHARS, $nl).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValueError;
            fn try_from(raw: String) -> Result<Self, ValueError> {
                Self::parse(&raw)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

bounded_text_type!(
    /// A product title: non-empty, at most 300 characters, one line.
    Title, max = 300, newlines = false
);
bounded_text_type!(
    /// A brand name: non-empty, at most 100 characters, one line.
    Brand, max = 100, newlines = false
);
bounded_text_type!(
    /// A product description: non-empty, at most 20 000 characters; line breaks allowed.
    Description, max = 20_000, newlines = true
);

/// A category path such as `Бытовая техника/Чайники`: 1 to 10 non-empty segments separated by
/// `/`, each trimmed and at most 100 characters. Stored normalized (`A/B`, no spaces around `/`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryPath(String);

impl CategoryPath {
    pub const MAX_LEVELS: usize = 10;
    pub const MAX_SEGMENT_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        if raw.trim().is_empty() {
            return Err(ValueError::Empty);
        }
        let segments = raw
            .split('/')
            .map(|segment| match bounded_text(segment, Self::MAX_SEGMENT_CHARS, false) {
                Err(ValueError::Empty) => Err(ValueError::EmptyCategorySegment),
                other => other,
            })
            .collect::<Result<Vec<_>, _>>()?;
        if segments.len() > Self::MAX_LEVELS {
            return Err(ValueError::CategoryTooDeep { max: Self::MAX_LEVELS });
        }
        Ok(Self(segments.join("/")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }
}

string_conversions!(CategoryPath, ValueError);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn title_is_trimmed_and_must_not_be_empty() {
        assert_eq!(Title::parse("  Чайник  ").unwrap().as_str(), "Чайник");
        assert_eq!(Title::parse("   "), Err(ValueError::Empty));
    }

    #[test]
    fn title_counts_characters_not_bytes() {
        let cyrillic = "Ж".repeat(Title::MAX_CHARS);
        assert!(Title::parse(&cyrillic).is_ok());
        let too_long = "Ж".repeat(Title::MAX_CHARS + 1);
        assert_eq!(
            Title::parse(&too_long),
            Err(ValueError::TooLong { max: 300, actual: 301 })
        );
    }

    #[test]
    fn title_refuses_line_breaks_but_description_keeps_them() {
        assert_eq!(Title::parse("a\nb"), Err(ValueError::ControlCharacter));
        assert!(Description::parse("line one\nline two").is_ok());
        assert_eq!(Description::parse("bell\u{7}"), Err(ValueError::ControlCharacter));
    }

    #[test]
    fn category_path_is_normalized() {
        let path = CategoryPath::parse(" Бытовая техника / Чайники ").unwrap();
        assert_eq!(path.as_str(), "Бытовая техника/Чайники");
        assert_eq!(path.segments().count(), 2);
        assert_eq!(CategoryPath::parse("a//b"), Err(ValueError::EmptyCategorySegment));
        let deep = ["x"; 11].join("/");
        assert_eq!(CategoryPath::parse(&deep), Err(ValueError::CategoryTooDeep { max: 10 }));
    }

    #[test]
    fn deserialization_goes_through_validation() {
        assert!(serde_json::from_str::<Title>("\"\"").is_err());
        let title: Title = serde_json::from_str("\" ok \"").unwrap();
        assert_eq!(title.as_str(), "ok");
    }

    proptest! {
        #[test]
        fn any_accepted_title_round_trips(raw in "\\PC{0,400}") {
            if let Ok(title) = Title::parse(&raw) {
                prop_assert!(!title.as_str().is_empty());
                prop_assert!(title.as_str().chars().count() <= Title::MAX_CHARS);
                prop_assert_eq!(Title::parse(title.as_str()).unwrap(), title);
            }
        }
    }
}
