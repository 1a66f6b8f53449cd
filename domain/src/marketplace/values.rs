//! Value types of the marketplace context: parsed once, valid by construction.

use crate::catalog::Kopecks;
use crate::macros::{positive_id, string_conversions};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a marketplace value was refused (`BAD_USER_INPUT` at the edge).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MarketplaceValueError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {0} characters")]
    TooLong(usize),
    #[error("must not contain whitespace")]
    Whitespace,
    #[error("must be a positive number")]
    NotPositive,
    #[error("must be between {0} and {1}")]
    OutOfRange(i64, i64),
    #[error("is not a valid id")]
    BadId,
}

/// The marketplaces GoMarket publishes to. What differs between them (requests, limits, id
/// schemes) lives in their adapters; the domain knows only what its own rules need of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Marketplace {
    #[default]
    Wildberries,
    Ozon,
}

impl Marketplace {
    pub const ALL: [Marketplace; 2] = [Self::Wildberries, Self::Ozon];

    /// Its name in events and read models (`WILDBERRIES`, `OZON`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wildberries => "WILDBERRIES",
            Self::Ozon => "OZON",
        }
    }

    /// Its name for people.
    pub fn title(self) -> &'static str {
        match self {
            Self::Wildberries => "Wildberries",
            Self::Ozon => "Ozon",
        }
    }

    /// Whether its API names the seller beside the token (Ozon `Client-Id`).
    pub fn has_client_ids(self) -> bool {
        self == Self::Ozon
    }

    /// Whether its categories are typed: an Ozon card names a description category and a
    /// product type within it; a Wildberries card names its subject alone.
    pub fn has_category_types(self) -> bool {
        self == Self::Ozon
    }

    /// The smallest price step the marketplace takes: Wildberries takes whole roubles, Ozon
    /// roubles with kopecks.
    pub fn price_step(self) -> i64 {
        match self {
            Self::Wildberries => 100,
            Self::Ozon => 1,
        }
    }

    /// `price` as the marketplace receives it: rounded **up** to its step, so a price is
    /// never published below the one the seller set.
    pub fn price_as_sent(self, price: Kopecks) -> Kopecks {
        let step = self.price_step();
        let up = (price.get() + step - 1) / step * step;
        Kopecks::new(up).unwrap_or(price)
    }
}

/// A seller's name for an account, e.g. "WB основной".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountName(String);

impl AccountName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, MarketplaceValueError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(MarketplaceValueError::Empty);
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(MarketplaceValueError::TooLong(Self::MAX_CHARS));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_conversions!(AccountName, MarketplaceValueError);

/// The seller's id in a marketplace API that names the seller beside the token (Ozon
/// `Client-Id`): not a secret, but sent as a header, so digits only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientId(String);

impl ClientId {
    pub const MAX_CHARS: usize = 20;

    pub fn parse(raw: &str) -> Result<Self, MarketplaceValueError> {
        let id = raw.trim();
        if id.is_empty() {
            return Err(MarketplaceValueError::Empty);
        }
        if id.len() > Self::MAX_CHARS {
            return Err(MarketplaceValueError::TooLong(Self::MAX_CHARS));
        }
        if !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MarketplaceValueError::BadId);
        }
        Ok(Self(id.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_conversions!(ClientId, MarketplaceValueError);

positive_id! {
    /// A seller warehouse on the marketplace (Wildberries `warehouseId`).
    WarehouseId
}

positive_id! {
    /// A marketplace category (Wildberries "subject", `subjectID`).
    SubjectId
}

positive_id! {
    /// A Wildberries card (article), `nmID`.
    NmId
}

/// The seller's article on the marketplace: how GoMarket finds its own cards again (card
/// creation is idempotent by it). At most 72 characters, no whitespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VendorCode(String);

impl VendorCode {
    pub const MAX_CHARS: usize = 72;

    pub fn parse(raw: &str) -> Result<Self, MarketplaceValueError> {
        if raw.is_empty() {
            return Err(MarketplaceValueError::Empty);
        }
        if raw.chars().any(char::is_whitespace) {
            return Err(MarketplaceValueError::Whitespace);
        }
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(MarketplaceValueError::TooLong(Self::MAX_CHARS));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The vendor code of a product: the account's prefix then the product's SKU, with
    /// whitespace replaced by `-`; refused when the result is longer than allowed.
    pub fn for_product(prefix: &str, sku: &str) -> Result<Self, MarketplaceValueError> {
        let code: String = format!("{prefix}{sku}")
            .chars()
            .map(|c| if c.is_whitespace() { '-' } else { c })
            .collect();
        Self::parse(&code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_conversions!(VendorCode, MarketplaceValueError);

/// A discount in whole percent, 0–99 (what Wildberries accepts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DiscountPercent(u8);

impl DiscountPercent {
    pub const MAX: u8 = 99;

    pub fn new(percent: i64) -> Result<Self, MarketplaceValueError> {
        u8::try_from(percent)
            .ok()
            .filter(|&p| p <= Self::MAX)
            .map(Self)
            .ok_or(MarketplaceValueError::OutOfRange(0, Self::MAX.into()))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// Whole roubles, what Wildberries takes as a price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WholeRoubles(u64);

impl WholeRoubles {
    /// The price in whole roubles, rounded **up**: 1 234,01 ₽ becomes 1 235 ₽, so a price is
    /// never published below the one the seller set (truncation would lose up to 99 kopecks
    /// per item, silently).
    pub fn from_kopecks_rounding_up(price: Kopecks) -> Self {
        let kopecks = u64::try_from(price.get()).unwrap_or(0);
        Self(kopecks.div_ceil(100))
    }

    pub fn get(self) -> u64 {
        self.0
    }

    /// Back to kopecks (exact).
    pub fn to_kopecks(self) -> i64 {
        i64::try_from(self.0).unwrap_or(i64::MAX / 100) * 100
    }
}

/// Units for sale on the marketplace: 0–100 000 (Wildberries' maximum per item and warehouse).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ListedStock(u32);

impl ListedStock {
    pub const MAX: u32 = 100_000;

    pub fn new(units: i64) -> Result<Self, MarketplaceValueError> {
        u32::try_from(units)
            .ok()
            .filter(|&u| u <= Self::MAX)
            .map(Self)
            .ok_or(MarketplaceValueError::OutOfRange(0, Self::MAX.into()))
    }

    /// Stock above the marketplace's maximum is listed as the maximum.
    pub fn capped(units: i64) -> Self {
        Self(units.clamp(0, Self::MAX.into()) as u32)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn kopecks_become_whole_roubles_rounding_up() {
        let roubles = |k| WholeRoubles::from_kopecks_rounding_up(Kopecks::new(k).unwrap()).get();
        assert_eq!(roubles(0), 0);
        assert_eq!(roubles(1), 1);
        assert_eq!(roubles(99), 1);
        assert_eq!(roubles(100), 1);
        assert_eq!(roubles(101), 2);
        assert_eq!(roubles(123_401), 1_235);
        assert_eq!(roubles(123_400), 1_234);
    }

    proptest! {
        #[test]
        fn whole_roubles_are_never_below_the_price_and_at_most_99_kopecks_above(k in 0i64..Kopecks::MAX) {
            let roubles = WholeRoubles::from_kopecks_rounding_up(Kopecks::new(k).unwrap());
            prop_assert!(roubles.to_kopecks() >= k);
            prop_assert!(roubles.to_kopecks() - k < 100);
        }
    }

    #[test]
    fn prices_are_sent_in_each_marketplace_s_step() {
        let price = Kopecks::new(123_401).unwrap();
        assert_eq!(Marketplace::Wildberries.price_as_sent(price).get(), 123_500);
        assert_eq!(Marketplace::Ozon.price_as_sent(price).get(), 123_401);
        for m in Marketplace::ALL {
            let named = serde_json::to_value(m).unwrap();
            assert_eq!(named.as_str(), Some(m.as_str()));
        }
    }

    #[test]
    fn vendor_codes_are_bounded_and_whitespace_free() {
        assert_eq!(VendorCode::for_product("GM-", "AB 12").unwrap().as_str(), "GM-AB-12");
        assert!(VendorCode::parse(&"x".repeat(72)).is_ok());
        assert_eq!(
            VendorCode::parse(&"x".repeat(73)),
            Err(MarketplaceValueError::TooLong(72))
        );
        assert_eq!(VendorCode::parse("a b"), Err(MarketplaceValueError::Whitespace));
        assert_eq!(VendorCode::parse(""), Err(MarketplaceValueError::Empty));
    }

    #[test]
    fn discounts_stocks_and_ids_are_range_checked() {
        assert!(DiscountPercent::new(99).is_ok());
        assert!(DiscountPercent::new(100).is_err());
        assert!(DiscountPercent::new(-1).is_err());
        assert!(ListedStock::new(100_000).is_ok());
        assert!(ListedStock::new(100_001).is_err());
        assert_eq!(ListedStock::capped(250_000).get(), 100_000);
        assert_eq!(ListedStock::capped(-5).get(), 0);
        assert!(WarehouseId::new(0).is_err());
        assert!(SubjectId::new(7771).is_ok());
        assert!(AccountName::parse("  ").is_err());
        assert_eq!(ClientId::parse(" 123456 ").unwrap().as_str(), "123456");
        assert_eq!(ClientId::parse("12a"), Err(MarketplaceValueError::BadId));
        assert_eq!(ClientId::parse(""), Err(MarketplaceValueError::Empty));
    }
}
