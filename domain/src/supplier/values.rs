//! Value types of the supplier context.

use crate::macros::string_conversions;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

/// Why a raw supplier value was refused; each becomes `BAD_USER_INPUT` on its field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SupplierValueError {
    #[error("must be 1–{max} characters without control characters")]
    BadName { max: usize },
    #[error("must be an http(s):// or file:// URL")]
    BadUrl,
    #[error("must contain {{key}} where the image key goes")]
    BadImageTemplate,
    #[error("is not a valid id")]
    BadId,
}

/// Namespace of name-based supplier ids. Never change it: ids derived from it are stored.
const SUPPLIER_NAMESPACE: Uuid = Uuid::from_u128(0x9a4c_1e07_55b2_4f8e_a3d6_7f20_c1b9_e845);

crate::ids::uuid_id!(
    SupplierValueError,
    /// A supplier's id: derived from its name (case-insensitively), so registering the same
    /// supplier twice is refused rather than duplicated.
    SupplierId
);

impl SupplierId {
    pub fn for_name(name: &SupplierName) -> Self {
        Self(Uuid::new_v5(
            &SUPPLIER_NAMESPACE,
            name.as_str().to_lowercase().as_bytes(),
        ))
    }
}

/// A supplier's display name ("Wholesaler", "AN MSC").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SupplierName(String);

impl SupplierName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, SupplierValueError> {
        let name = raw.trim();
        let ok = !name.is_empty() && name.chars().count() <= Self::MAX_CHARS && !name.chars().any(char::is_control);
        ok.then(|| Self(name.to_owned()))
            .ok_or(SupplierValueError::BadName { max: Self::MAX_CHARS })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_conversions!(SupplierName, SupplierValueError);

/// The format of a supplier's feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FeedKind {
    /// The Wholesaler CSV set (`all_prod_info.csv`, prices, stock, descriptions) under a base URL.
    WholesalerCsv,
    /// One wide AN_MSC CSV with per-warehouse stock columns.
    AnMscCsv,
    /// A Yandex Market Language price list.
    Yml,
}

/// How a feed's bytes are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FeedEncoding {
    /// From the XML declaration (YML) or the format's default (windows-1251 for the CSVs).
    Auto,
    Utf8,
    Windows1251,
}

/// Where a feed is read from: an `http(s)://` URL, or a `file://` path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FeedUrl(String);

impl FeedUrl {
    pub const MAX_CHARS: usize = 2048;

    pub fn parse(raw: &str) -> Result<Self, SupplierValueError> {
        let url = raw.trim();
        let lower = url.to_ascii_lowercase();
        let scheme_ok = ["http://", "https://", "file://"]
            .iter()
            .any(|scheme| lower.starts_with(scheme) && url.len() > scheme.len());
        let ok = scheme_ok && url.chars().count() <= Self::MAX_CHARS && !url.chars().any(char::is_whitespace);
        ok.then(|| Self(url.to_owned())).ok_or(SupplierValueError::BadUrl)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The local path of a `file://` URL.
    pub fn file_path(&self) -> Option<&str> {
        self.0.strip_prefix("file://")
    }
}

string_conversions!(FeedUrl, SupplierValueError);

/// How image URLs are built from a feed's image keys: `https://cdn.example/{key}.jpg`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ImageUrlTemplate(String);

impl ImageUrlTemplate {
    pub fn parse(raw: &str) -> Result<Self, SupplierValueError> {
        let template = raw.trim();
        if !template.contains("{key}") || FeedUrl::parse(&template.replace("{key}", "k")).is_err() {
            return Err(SupplierValueError::BadImageTemplate);
        }
        Ok(Self(template.to_owned()))
    }

    pub fn url_for(&self, key: &str) -> String {
        self.0.replace("{key}", key)
    }
}

string_conversions!(ImageUrlTemplate, SupplierValueError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_names_and_templates() {
        assert!(FeedUrl::parse("https://feeds.example.ru/price.yml").is_ok());
        assert_eq!(
            FeedUrl::parse("file:///tmp/f.yml").unwrap().file_path(),
            Some("/tmp/f.yml")
        );
        for bad in ["", "ftp://x", "http://", "https://a b", "/tmp/x"] {
            assert!(FeedUrl::parse(bad).is_err(), "{bad}");
        }
        let a = SupplierId::for_name(&SupplierName::parse("Wholesaler").unwrap());
        let b = SupplierId::for_name(&SupplierName::parse(" wholesaler ").unwrap());
        assert_eq!(a, b);
        assert!(SupplierName::parse("").is_err());
        let template = ImageUrlTemplate::parse("https://img.example.ru/{key}.jpg").unwrap();
        assert_eq!(template.url_for("a1"), "https://img.example.ru/a1.jpg");
        assert!(ImageUrlTemplate::parse("https://img.example.ru/x.jpg").is_err());
    }
}
