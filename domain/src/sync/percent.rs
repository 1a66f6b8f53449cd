//! Percentages as integers: hundredths of a percent (basis points), so rules never compute
//! money with floats and `23.5 %` is exactly 2 350.

use serde::{Deserialize, Serialize};

/// A percentage in hundredths of a percent: `Percent::from_basis_points(2300)` is 23 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Percent(u32);

/// The largest percentage a rule takes (a 1 000 % margin).
pub const MAX_BASIS_POINTS: u32 = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PercentError {
    #[error("must be between 0 and {max} %", max = MAX_BASIS_POINTS / 100)]
    OutOfRange,
    #[error("at most two decimals (hundredths of a percent)")]
    TooPrecise,
}

impl Percent {
    pub const ZERO: Percent = Percent(0);

    pub fn from_basis_points(bp: i64) -> Result<Self, PercentError> {
        u32::try_from(bp)
            .ok()
            .filter(|bp| *bp <= MAX_BASIS_POINTS)
            .map(Self)
            .ok_or(PercentError::OutOfRange)
    }

    /// From a decimal percentage as the API takes it (`23`, `5.5`); more than two decimals
    /// are refused rather than silently rounded.
    pub fn from_percent(percent: f64) -> Result<Self, PercentError> {
        if !percent.is_finite() || percent < 0.0 || percent > f64::from(MAX_BASIS_POINTS) / 100.0 {
            return Err(PercentError::OutOfRange);
        }
        let bp = (percent * 100.0).round();
        if (bp - percent * 100.0).abs() > 1e-6 {
            return Err(PercentError::TooPrecise);
        }
        Self::from_basis_points(bp as i64)
    }

    pub fn basis_points(self) -> u32 {
        self.0
    }

    /// As a decimal percentage, for display and the API.
    pub fn as_percent(self) -> f64 {
        f64::from(self.0) / 100.0
    }
}

impl std::fmt::Display for Percent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 % 100 {
            0 => write!(f, "{} %", self.0 / 100),
            rest if rest % 10 == 0 => write!(f, "{}.{} %", self.0 / 100, rest / 10),
            rest => write!(f, "{}.{rest:02} %", self.0 / 100),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_exact_hundredths() {
        assert_eq!(Percent::from_percent(23.0).unwrap().basis_points(), 2300);
        assert_eq!(Percent::from_percent(5.5).unwrap().basis_points(), 550);
        assert_eq!(Percent::from_percent(0.07).unwrap().basis_points(), 7);
        assert_eq!(Percent::from_percent(1.234), Err(PercentError::TooPrecise));
        assert_eq!(Percent::from_percent(-1.0), Err(PercentError::OutOfRange));
        assert_eq!(Percent::from_percent(f64::NAN), Err(PercentError::OutOfRange));
        assert_eq!(Percent::from_basis_points(100_001), Err(PercentError::OutOfRange));
        assert_eq!(Percent::from_basis_points(2300).unwrap().to_string(), "23 %");
        assert_eq!(Percent::from_basis_points(550).unwrap().to_string(), "5.5 %");
        assert_eq!(Percent::from_basis_points(7).unwrap().to_string(), "0.07 %");
    }
}
