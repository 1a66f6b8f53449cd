use super::ValueError;
use serde::{Deserialize, Serialize};

/// An amount of Russian roubles in kopecks (1 RUB = 100 kopecks). Never negative, never a float.
///
/// Bounded at 10^12 kopecks (10 billion roubles) so that sums of many prices cannot overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Kopecks(i64);

impl Kopecks {
    pub const MAX: i64 = 1_000_000_000_000;
    pub const ZERO: Kopecks = Kopecks(0);

    pub fn new(kopecks: i64) -> Result<Self, ValueError> {
        if kopecks < 0 {
            return Err(ValueError::Negative);
        }
        if kopecks > Self::MAX {
            return Err(ValueError::TooLarge { max: Self::MAX });
        }
        Ok(Self(kopecks))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for Kopecks {
    type Error = ValueError;
    fn try_from(kopecks: i64) -> Result<Self, ValueError> {
        Self::new(kopecks)
    }
}

impl From<Kopecks> for i64 {
    fn from(value: Kopecks) -> i64 {
        value.0
    }
}

impl std::fmt::Display for Kopecks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:02} RUB", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(Kopecks::new(-1), Err(ValueError::Negative));
        assert_eq!(Kopecks::new(0).unwrap(), Kopecks::ZERO);
        assert!(Kopecks::new(Kopecks::MAX).is_ok());
        assert!(Kopecks::new(Kopecks::MAX + 1).is_err());
        assert_eq!(Kopecks::new(123_450).unwrap().to_string(), "1234.50 RUB");
    }
}
