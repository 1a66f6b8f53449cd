//! Fuzzing cursor decoding: whatever a client sends as `after`, decoding returns a cursor whose
//! key has the type its sort order needs (and text PostgreSQL can hold), or an error — never a
//! panic. A bounded run is part of `cargo test`; `GOMARKET_FUZZ_SECONDS=600` keeps generating
//! for that long (see docs/operations.md, "Fuzzing").

use super::{Cursor, CursorError, KeyKind, SortKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const KINDS: [(&str, KeyKind); 5] = [
    ("PRICE_ASC", KeyKind::Int),
    ("CREATED_AT_ASC", KeyKind::Time),
    ("TITLE_ASC", KeyKind::Text),
    ("RELEVANCE", KeyKind::Ranked),
    ("STOCK_DESC", KeyKind::Int),
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        any::<String>().prop_map(Value::from),
        Just(json!("2026-11-23T10:00:00.123456Z")),
        Just(json!("a\u{0}b")),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,3}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// What a client may send: any text, base64 of any bytes, or base64 of a plausible wire
/// object with a key of any shape and a sort that may or may not match.
fn raw_cursor() -> impl Strategy<Value = String> {
    let sort = prop_oneof![
        prop::sample::select(KINDS.iter().map(|(s, _)| (*s).to_owned()).collect::<Vec<_>>()),
        any::<String>()
    ];
    let id = prop_oneof![
        Just(uuid::Uuid::nil().to_string()),
        any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).to_string()),
        any::<String>()
    ];
    prop_oneof![
        any::<String>(),
        prop::collection::vec(any::<u8>(), 0..200).prop_map(|b| URL_SAFE_NO_PAD.encode(b)),
        (sort, json_value(), id)
            .prop_map(|(s, k, id)| URL_SAFE_NO_PAD.encode(json!({ "s": s, "k": k, "id": id }).to_string())),
    ]
}

fn check(raw: &str) {
    for (sort, kind) in KINDS {
        match Cursor::decode(raw, sort, kind) {
            Ok(cursor) => {
                assert_eq!(cursor.sort, sort);
                let fits = match (&cursor.key, kind) {
                    (SortKey::Int(_), KeyKind::Int) | (SortKey::Time(_), KeyKind::Time) => true,
                    (SortKey::Ranked(..), KeyKind::Ranked) => true,
                    (SortKey::Text(text), KeyKind::Text) => !text.contains('\0'),
                    _ => false,
                };
                assert!(fits, "{raw}: {cursor:?} is not a {kind:?} key");
                // What was accepted encodes back to a cursor that decodes the same.
                assert_eq!(Cursor::decode(&cursor.encode(), sort, kind), Ok(cursor));
            }
            Err(CursorError::Malformed | CursorError::OtherSort { .. }) => {}
        }
    }
}

#[test]
fn any_after_decodes_to_a_well_typed_cursor_or_an_error() {
    let until = std::env::var("GOMARKET_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(|seconds| Instant::now() + Duration::from_secs(seconds));
    loop {
        let mut runner = TestRunner::new(Config {
            cases: 3000,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&raw_cursor(), |raw| {
                check(&raw);
                Ok(())
            })
            .unwrap();
        if until.is_none_or(|until| Instant::now() >= until) {
            break;
        }
    }
}
