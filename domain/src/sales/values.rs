//! Value types of the sales context: amounts as the marketplace reports them (decimal roubles,
//! possibly negative, converted to integer kopecks exactly), percentages in hundredths, report
//! times (Moscow time without a zone), and the keys Wildberries names its facts by.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a reported value was refused (the row is kept as an invalid row with this reason).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReportValueError {
    #[error("{0:?} is not a decimal number")]
    NotADecimal(String),
    #[error("{0:?} is out of range")]
    OutOfRange(String),
    #[error("{0:?} is not a date and time")]
    NotATime(String),
    #[error("must not be empty")]
    Empty,
    #[error("{0} is missing")]
    Missing(&'static str),
    #[error("{0:?} is not a known kind of sale (S… sale, R… return)")]
    UnknownSaleKind(String),
}

/// The largest magnitude of a reported amount, in hundredths: 10^12 kopecks, as `Kopecks`.
const MAX_HUNDREDTHS: i128 = 1_000_000_000_000;

/// A decimal number as JSON writes it (`1284.01`, `-93`, `1.5e3`), in hundredths, exactly:
/// no floating point. More than two decimals are rounded to the nearest hundredth, halves away
/// from zero (`0.125` → 13, `-0.125` → −13): the rule a cashier applies to a kopeck.
pub fn hundredths(text: &str) -> Result<i64, ReportValueError> {
    let bad = || ReportValueError::NotADecimal(text.chars().take(40).collect());
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().map_err(|_| bad())?),
        None => (text, 0),
    };
    let (negative, digits) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let is_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !is_digits(whole) || !is_digits(fraction) || (digits.contains('.') && fraction.is_empty()) {
        return Err(bad());
    }
    // All digits as one integer, and where the decimal point stands after scaling by 100.
    let all: String = [whole, fraction].concat();
    let significant = all.trim_start_matches('0');
    if significant.len() > 30 {
        return Err(ReportValueError::OutOfRange(text.chars().take(40).collect()));
    }
    let value: i128 = if significant.is_empty() {
        0
    } else {
        significant.parse().map_err(|_| bad())?
    };
    let shift = 2 + exponent - fraction.len() as i32;
    let out_of_range = || ReportValueError::OutOfRange(text.chars().take(40).collect());
    let scaled = if shift >= 0 {
        u32::try_from(shift)
            .ok()
            .filter(|s| *s <= 20)
            .and_then(|s| value.checked_mul(10_i128.pow(s)))
            .ok_or_else(out_of_range)?
    } else if -shift > 38 {
        0
    } else {
        let divisor = 10_i128.pow(shift.unsigned_abs());
        let (quotient, remainder) = (value / divisor, value % divisor);
        quotient + i128::from(remainder * 2 >= divisor)
    };
    if scaled > MAX_HUNDREDTHS {
        return Err(out_of_range());
    }
    let signed = if negative { -scaled } else { scaled };
    Ok(signed as i64)
}

/// An amount of roubles in kopecks that may be negative (a return's payout, a correction).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SignedKopecks(i64);

impl SignedKopecks {
    pub const ZERO: Self = Self(0);

    /// A reported decimal amount of roubles (see [`hundredths`] for the rounding).
    pub fn from_roubles(text: &str) -> Result<Self, ReportValueError> {
        hundredths(text).map(Self)
    }

    pub fn new(kopecks: i64) -> Self {
        Self(kopecks)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// A percentage in hundredths of a percent (`26.5 %` → 2 650), exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BasisPoints(i64);

impl BasisPoints {
    /// A reported decimal percentage (see [`hundredths`] for the rounding).
    pub fn from_percent(text: &str) -> Result<Self, ReportValueError> {
        hundredths(text).map(Self)
    }

    pub fn new(basis_points: i64) -> Self {
        Self(basis_points)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// Moscow's offset from UTC; Wildberries reports write Moscow time without a zone.
const MOSCOW_OFFSET_HOURS: i64 = 3;

/// A report time (`2022-03-04T18:08:31`, `2022-03-04T18:08:31.123`, `2022-03-04`, or with a
/// zone) as an instant. Without a zone it is Moscow time (UTC+3), as the reports document.
pub fn report_time(text: &str) -> Result<DateTime<Utc>, ReportValueError> {
    let bad = || ReportValueError::NotATime(text.chars().take(40).collect());
    if text.trim().is_empty() {
        return Err(ReportValueError::Empty);
    }
    if let Ok(zoned) = DateTime::parse_from_rfc3339(text) {
        return Ok(zoned.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d").map(|d| d.and_hms_opt(0, 0, 0).expect("midnight")))
        .map_err(|_| bad())?;
    Ok(Utc.from_utc_datetime(&naive) - chrono::Duration::hours(MOSCOW_OFFSET_HOURS))
}

/// A report time that may be Wildberries' "never" (`0001-01-01T00:00:00`): `None` then.
pub fn optional_report_time(text: &str) -> Result<Option<DateTime<Utc>>, ReportValueError> {
    if text.trim().is_empty() || text.starts_with("0001-01-01") {
        return Ok(None);
    }
    report_time(text).map(Some)
}

/// The day a report time falls on in Moscow, where the seller's days begin and end.
pub fn moscow_day(at: DateTime<Utc>) -> NaiveDate {
    (at + chrono::Duration::hours(MOSCOW_OFFSET_HOURS)).date_naive()
}

/// What a row of the sales report is, by its `saleID`'s first letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SaleKind {
    /// `S…`: the buyer kept the item (a buyout).
    Sale,
    /// `R…`: the buyer returned it.
    Return,
}

impl SaleKind {
    pub fn of(sale_id: &str) -> Result<Self, ReportValueError> {
        match sale_id.as_bytes().first() {
            Some(b'S') => Ok(Self::Sale),
            Some(b'R') => Ok(Self::Return),
            None => Err(ReportValueError::Empty),
            Some(_) => Err(ReportValueError::UnknownSaleKind(sale_id.chars().take(40).collect())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_become_hundredths_exactly() {
        let cases = [
            ("1284.01", 128_401),
            ("1887", 188_700),
            ("0.1", 10),
            ("-93", -9_300),
            ("0.125", 13),
            ("-0.125", -13),
            ("0.124", 12),
            ("1.5e3", 150_000),
            ("12345E-4", 123),
            ("0", 0),
            ("-0.004", 0),
            // 0.1 + 0.2 is not 0.3 in floating point; here it is exact.
            ("0.30000000000000004", 30),
        ];
        for (text, expected) in cases {
            assert_eq!(hundredths(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn what_is_not_a_decimal_is_refused() {
        for text in ["", "-", "1.", ".5", "1,5", "1.2.3", "NaN", "1e", "12a", "1e999"] {
            assert!(hundredths(text).is_err(), "{text}");
        }
        assert!(matches!(
            hundredths("100000000000000"),
            Err(ReportValueError::OutOfRange(_))
        ));
    }

    #[test]
    fn report_times_are_moscow_time_unless_zoned() {
        let at = report_time("2022-03-04T18:08:31").unwrap();
        assert_eq!(at, Utc.with_ymd_and_hms(2022, 3, 4, 15, 8, 31).unwrap());
        assert_eq!(
            report_time("2022-03-04").unwrap(),
            Utc.with_ymd_and_hms(2022, 3, 3, 21, 0, 0).unwrap()
        );
        assert_eq!(
            report_time("2022-03-04T18:08:31.12345").unwrap().timestamp(),
            at.timestamp()
        );
        assert_eq!(
            report_time("2022-03-04T18:08:31Z").unwrap(),
            at + chrono::Duration::hours(3)
        );
        assert_eq!(optional_report_time("0001-01-01T00:00:00"), Ok(None));
        assert!(report_time("yesterday").is_err());
        assert_eq!(moscow_day(at), NaiveDate::from_ymd_opt(2022, 3, 4).unwrap());
        assert_eq!(
            moscow_day(Utc.with_ymd_and_hms(2022, 3, 4, 22, 0, 0).unwrap()),
            NaiveDate::from_ymd_opt(2022, 3, 5).unwrap()
        );
    }

    #[test]
    fn sale_ids_say_whether_it_is_a_sale_or_a_return() {
        assert_eq!(SaleKind::of("S9993700024"), Ok(SaleKind::Sale));
        assert_eq!(SaleKind::of("R9993700024"), Ok(SaleKind::Return));
        assert!(SaleKind::of("D123").is_err());
        assert!(SaleKind::of("").is_err());
    }
}
