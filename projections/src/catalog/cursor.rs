//! Keyset cursors: a page ends at (sort key, id) and the next starts strictly after it, so
//! pages never overlap or skip rows, whatever is inserted meanwhile.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

/// The value of the sort column at a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum SortKey {
    Int(i64),
    Time(DateTime<Utc>),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Cursor {
    /// The sort order the cursor was issued for.
    #[serde(rename = "s")]
    pub sort: String,
    #[serde(rename = "k")]
    pub key: SortKey,
    pub id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CursorError {
    #[error("not a cursor issued by this server")]
    Malformed,
    #[error("the cursor was issued for sort order {issued_for}, not {requested}")]
    OtherSort { issued_for: String, requested: String },
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("cursor serializes"))
    }

    pub fn decode(raw: &str, sort: &str) -> Result<Self, CursorError> {
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| CursorError::Malformed)?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| CursorError::Malformed)?;
        if cursor.sort != sort {
            return Err(CursorError::OtherSort {
                issued_for: cursor.sort,
                requested: sort.to_owned(),
            });
        }
        Ok(cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_checks_sort() {
        let cursor = Cursor {
            sort: "PRICE_ASC".into(),
            key: SortKey::Int(1500),
            id: Uuid::nil(),
        };
        let encoded = cursor.encode();
        assert_eq!(Cursor::decode(&encoded, "PRICE_ASC"), Ok(cursor));
        assert!(matches!(
            Cursor::decode(&encoded, "TITLE_ASC"),
            Err(CursorError::OtherSort { .. })
        ));
        assert_eq!(Cursor::decode("!!", "PRICE_ASC"), Err(CursorError::Malformed));
    }

    #[test]
    fn time_keys_keep_microseconds() {
        let at = DateTime::parse_from_rfc3339("2026-11-23T10:00:00.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        let cursor = Cursor {
            sort: "CREATED_AT_ASC".into(),
            key: SortKey::Time(at),
            id: Uuid::nil(),
        };
        assert_eq!(
            Cursor::decode(&cursor.encode(), "CREATED_AT_ASC").unwrap().key,
            SortKey::Time(at)
        );
    }
}
