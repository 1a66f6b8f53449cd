//! Stock as suppliers write it: numbers ("12", "12 шт", "12.0"), bounds (">10", "<5") and
//! words ("много", "нет", "есть").

use thiserror::Error;

/// What "много" (plenty) counts as: a conservative number a marketplace can be promised.
pub const PLENTY_UNITS: u32 = 10;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StockError {
    #[error("{0:?} is not a stock quantity")]
    Unreadable(String),
    #[error("a stock quantity must not be negative")]
    Negative,
}

/// Units in stock. Empty means none. `>N` counts as N+1 (more than N, at least that), `<N`
/// as N-1 (fewer, at most that), words map to 0, 1 or [`PLENTY_UNITS`].
pub fn parse_stock(raw: &str) -> Result<u32, StockError> {
    let text = raw.trim().to_lowercase();
    let unreadable = || StockError::Unreadable(raw.trim().chars().take(40).collect());
    match text.as_str() {
        "" | "-" | "нет" | "нет в наличии" | "отсутствует" | "0" | "false" | "no" => {
            return Ok(0);
        }
        "мало" | "есть" | "да" | "в наличии" | "+" | "true" | "yes" => return Ok(1),
        "много" | "достаточно" | "много в наличии" => return Ok(PLENTY_UNITS),
        _ => {}
    }
    let (bound, rest) = match text.chars().next() {
        Some('>') => (1_i64, text[1..].trim_start_matches('=').trim()),
        Some('<') => (-1_i64, text[1..].trim_start_matches('=').trim()),
        _ => (0, text.as_str()),
    };
    let number: String = rest
        .trim_end_matches(|c: char| c.is_alphabetic() || c == '.' || c.is_whitespace())
        .to_owned();
    if number.starts_with('-') {
        return Err(StockError::Negative);
    }
    let number = match number.split_once(['.', ',']) {
        Some((whole, fraction)) if fraction.bytes().all(|b| b == b'0') => whole.to_owned(),
        Some(_) => return Err(unreadable()),
        None => number,
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) || number.len() > 9 {
        return Err(unreadable());
    }
    let value: i64 = number.parse().map_err(|_| unreadable())?;
    let value = (value + bound).max(0);
    u32::try_from(value).map_err(|_| unreadable())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers_bounds_and_words() {
        for (raw, units) in [
            ("12", 12),
            (" 12 шт", 12),
            ("12.0", 12),
            ("12 шт.", 12),
            (">10", 11),
            ("> 10", 11),
            (">=10", 11),
            ("<5", 4),
            ("<0", 0),
            ("много", PLENTY_UNITS),
            ("Много", PLENTY_UNITS),
            ("нет", 0),
            ("", 0),
            ("есть", 1),
        ] {
            assert_eq!(parse_stock(raw), Ok(units), "{raw:?}");
        }
        assert_eq!(parse_stock("-3"), Err(StockError::Negative));
        assert!(parse_stock("12.5").is_err());
        assert!(parse_stock("abc").is_err());
        assert!(parse_stock("99999999999").is_err());
    }

    proptest! {
        #[test]
        fn plain_counts_read_as_themselves(n in 0u32..1_000_000) {
            prop_assert_eq!(parse_stock(&n.to_string()), Ok(n));
            prop_assert_eq!(parse_stock(&format!(">{n}")), Ok(n + 1));
        }
    }
}
