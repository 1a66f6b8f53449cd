//! Prices as suppliers write them: "1 234,50", "1234.5", "1 234 ₽", "1234 руб.", whole roubles.

use crate::catalog::Kopecks;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PriceError {
    #[error("no price given")]
    Empty,
    #[error("{0:?} is not a price")]
    NotANumber(String),
    #[error("a price must not be negative")]
    Negative,
    #[error("{0:?} has more than two decimals")]
    TooPrecise(String),
    #[error("the price is implausibly large")]
    TooLarge,
}

/// Parses a rouble amount into kopecks, exactly (no floating point).
///
/// Spaces (also non-breaking and thin ones) group thousands; a lone `,` or `.` is the decimal
/// separator; with both, the later one is. A currency word or sign after the number is
/// ignored (`₽`, `р.`, `руб.`, `RUB`, `RUR`).
pub fn parse_price_kopecks(raw: &str) -> Result<Kopecks, PriceError> {
    let mut text: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '\u{a0}')
        .collect();
    text = text.to_lowercase();
    for suffix in ["₽", "руб.", "руб", "р.", "р", "rub", "rur"] {
        if let Some(stripped) = text.strip_suffix(suffix) {
            text = stripped.to_owned();
            break;
        }
    }
    if text.is_empty() {
        return Err(PriceError::Empty);
    }
    if text.starts_with('-') {
        return Err(PriceError::Negative);
    }
    let decimal_at = match (text.rfind(','), text.rfind('.')) {
        (Some(c), Some(d)) => Some(c.max(d)),
        (Some(i), None) | (None, Some(i)) => Some(i),
        (None, None) => None,
    };
    let (whole, fraction) = match decimal_at {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => (text.as_str(), ""),
    };
    // Thousands separators may remain in the whole part ("1.234,50"); nowhere else.
    let whole: String = whole.chars().filter(|c| *c != ',' && *c != '.').collect();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(&whole) || !(fraction.is_empty() || digits(fraction)) {
        return Err(PriceError::NotANumber(raw.trim().chars().take(40).collect()));
    }
    if fraction.len() > 2 {
        return Err(PriceError::TooPrecise(raw.trim().chars().take(40).collect()));
    }
    if whole.len() > 12 {
        return Err(PriceError::TooLarge);
    }
    let roubles: i64 = whole.parse().map_err(|_| PriceError::TooLarge)?;
    let kopecks: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().unwrap_or(0) * 10,
        _ => fraction.parse::<i64>().unwrap_or(0),
    };
    roubles
        .checked_mul(100)
        .and_then(|k| k.checked_add(kopecks))
        .and_then(|k| Kopecks::new(k).ok())
        .ok_or(PriceError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn k(raw: &str) -> i64 {
        parse_price_kopecks(raw).unwrap().get()
    }

    #[test]
    fn written_forms() {
        assert_eq!(k("1 234,50"), 123_450);
        assert_eq!(k("1234.5"), 123_450);
        assert_eq!(k("1234"), 123_400);
        assert_eq!(k("1\u{a0}234,05 ₽"), 123_405);
        assert_eq!(k("99 руб."), 9_900);
        assert_eq!(k("1.234,50"), 123_450);
        assert_eq!(k("1,234.50"), 123_450);
        assert_eq!(k("0"), 0);
        assert_eq!(k(" 7,9 RUB"), 790);
    }

    #[test]
    fn refusals() {
        assert_eq!(parse_price_kopecks(""), Err(PriceError::Empty));
        assert_eq!(parse_price_kopecks("  "), Err(PriceError::Empty));
        assert_eq!(parse_price_kopecks("-5"), Err(PriceError::Negative));
        assert!(matches!(parse_price_kopecks("abc"), Err(PriceError::NotANumber(_))));
        assert!(matches!(
            parse_price_kopecks("12,3,4"),
            Err(PriceError::NotANumber(_)) | Ok(_)
        ));
        assert!(matches!(parse_price_kopecks("1.999"), Err(PriceError::TooPrecise(_))));
        assert!(matches!(parse_price_kopecks("1e5"), Err(PriceError::NotANumber(_))));
        assert_eq!(parse_price_kopecks("99999999999999"), Err(PriceError::TooLarge));
        assert!(matches!(parse_price_kopecks("NULL"), Err(PriceError::NotANumber(_))));
    }

    proptest! {
        #[test]
        fn every_kopeck_amount_round_trips_in_both_notations(roubles in 0i64..10_000_000, kop in 0i64..100) {
            let expected = roubles * 100 + kop;
            prop_assert_eq!(k(&format!("{roubles},{kop:02}")), expected);
            prop_assert_eq!(k(&format!("{roubles}.{kop:02}")), expected);
            let grouped = roubles.to_string().as_bytes().rchunks(3).rev()
                .map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(" ");
            prop_assert_eq!(k(&format!("{grouped},{kop:02} ₽")), expected);
        }
    }
}
