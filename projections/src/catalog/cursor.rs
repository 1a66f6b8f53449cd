//! Keyset cursors: a page ends at (sort key, id) and the next starts strictly after it, so
//! pages never overlap or skip rows, whatever is inserted meanwhile.
//!
//! A cursor is read back as the key its sort order needs, never as whatever its JSON looks
//! like: a forged cursor with a key of another type (or text PostgreSQL cannot hold) is
//! refused as malformed instead of reaching SQL.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;
use uuid::Uuid;

/// The value of the sort column at a cursor.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub(crate) enum SortKey {
    Int(i64),
    Time(DateTime<Utc>),
    Text(String),
    /// A relevance rank: the match tier, then the creation time within it.
    Ranked(i64, DateTime<Utc>),
}

/// Which [`SortKey`] a sort order's cursors hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Int,
    Time,
    Text,
    Ranked,
}

impl KeyKind {
    fn read(self, value: Value) -> Option<SortKey> {
        let time = |value: &Value| {
            DateTime::parse_from_rfc3339(value.as_str()?)
                .ok()
                .map(|at| at.with_timezone(&Utc))
        };
        match self {
            Self::Int => value.as_i64().map(SortKey::Int),
            Self::Time => time(&value).map(SortKey::Time),
            Self::Text => match value {
                Value::String(text) if !text.contains('\0') => Some(SortKey::Text(text)),
                _ => None,
            },
            Self::Ranked => match value.as_array().map(Vec::as_slice) {
                Some([tier, at]) => Some(SortKey::Ranked(tier.as_i64()?, time(at)?)),
                _ => None,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cursor {
    /// The sort order the cursor was issued for.
    pub sort: String,
    pub key: SortKey,
    pub id: Uuid,
}

/// A cursor as it travels.
#[derive(Serialize, Deserialize)]
struct Wire<S, K> {
    #[serde(rename = "s")]
    sort: S,
    #[serde(rename = "k")]
    key: K,
    id: Uuid,
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
        let wire = Wire {
            sort: &self.sort,
            key: &self.key,
            id: self.id,
        };
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&wire).expect("cursor serializes"))
    }

    /// Reads a cursor issued for sort order `sort`, whose key is a `kind`.
    pub fn decode(raw: &str, sort: &str, kind: KeyKind) -> Result<Self, CursorError> {
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| CursorError::Malformed)?;
        let wire: Wire<String, Value> = serde_json::from_slice(&bytes).map_err(|_| CursorError::Malformed)?;
        if wire.sort != sort {
            return Err(CursorError::OtherSort {
                issued_for: wire.sort,
                requested: sort.to_owned(),
            });
        }
        Ok(Self {
            key: kind.read(wire.key).ok_or(CursorError::Malformed)?,
            sort: wire.sort,
            id: wire.id,
        })
    }
}

#[cfg(test)]
#[path = "cursor_fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    fn forged(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn round_trips_and_checks_sort() {
        let cursor = Cursor {
            sort: "PRICE_ASC".into(),
            key: SortKey::Int(1500),
            id: Uuid::nil(),
        };
        let encoded = cursor.encode();
        assert_eq!(Cursor::decode(&encoded, "PRICE_ASC", KeyKind::Int), Ok(cursor));
        assert!(matches!(
            Cursor::decode(&encoded, "TITLE_ASC", KeyKind::Text),
            Err(CursorError::OtherSort { .. })
        ));
        assert_eq!(
            Cursor::decode("!!", "PRICE_ASC", KeyKind::Int),
            Err(CursorError::Malformed)
        );
    }

    #[test]
    fn time_keys_keep_microseconds() {
        let at = DateTime::parse_from_rfc3339("2026-11-23T10:00:00.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        for (key, kind) in [
            (SortKey::Time(at), KeyKind::Time),
            (SortKey::Ranked(2, at), KeyKind::Ranked),
        ] {
            let cursor = Cursor {
                sort: "CREATED_AT_ASC".into(),
                key: key.clone(),
                id: Uuid::nil(),
            };
            assert_eq!(
                Cursor::decode(&cursor.encode(), "CREATED_AT_ASC", kind).unwrap().key,
                key
            );
        }
    }

    #[test]
    fn a_title_that_looks_like_a_time_stays_a_title() {
        let cursor = Cursor {
            sort: "TITLE_ASC".into(),
            key: SortKey::Text("2026-11-23T10:00:00Z".into()),
            id: Uuid::nil(),
        };
        assert_eq!(Cursor::decode(&cursor.encode(), "TITLE_ASC", KeyKind::Text), Ok(cursor));
    }

    #[test]
    fn forged_keys_of_the_wrong_type_are_malformed() {
        let id = Uuid::nil();
        for (json, kind) in [
            (
                format!(r#"{{"s":"CREATED_AT_ASC","k":"not a time","id":"{id}"}}"#),
                KeyKind::Time,
            ),
            (
                format!(r#"{{"s":"TITLE_ASC","k":"a\u0000","id":"{id}"}}"#),
                KeyKind::Text,
            ),
            (format!(r#"{{"s":"TITLE_ASC","k":12,"id":"{id}"}}"#), KeyKind::Text),
            (format!(r#"{{"s":"PRICE_ASC","k":"12","id":"{id}"}}"#), KeyKind::Int),
            (format!(r#"{{"s":"PRICE_ASC","k":1.5,"id":"{id}"}}"#), KeyKind::Int),
            (format!(r#"{{"s":"RELEVANCE","k":[1],"id":"{id}"}}"#), KeyKind::Ranked),
        ] {
            let sort = serde_json::from_str::<Value>(&json).unwrap()["s"]
                .as_str()
                .unwrap()
                .to_owned();
            assert_eq!(
                Cursor::decode(&forged(&json), &sort, kind),
                Err(CursorError::Malformed),
                "{json}"
            );
        }
    }
}
