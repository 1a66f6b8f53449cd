use super::ValueError;
use serde::{Deserialize, Serialize};

/// A count of units in stock: a whole number from 0 to 1 000 000 000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Quantity(i64);

impl Quantity {
    pub const MAX: i64 = 1_000_000_000;
    pub const ZERO: Quantity = Quantity(0);

    pub fn new(units: i64) -> Result<Self, ValueError> {
        if units < 0 {
            return Err(ValueError::Negative);
        }
        if units > Self::MAX {
            return Err(ValueError::TooLarge { max: Self::MAX });
        }
        Ok(Self(units))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for Quantity {
    type Error = ValueError;
    fn try_from(units: i64) -> Result<Self, ValueError> {
        Self::new(units)
    }
}

impl From<Quantity> for i64 {
    fn from(value: Quantity) -> i64 {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(Quantity::new(-5), Err(ValueError::Negative));
        assert_eq!(Quantity::new(7).unwrap().get(), 7);
        assert!(Quantity::new(Quantity::MAX + 1).is_err());
    }
}
