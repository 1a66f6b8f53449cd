//! Events appended in bulk (`append_many`): a small batch by `INSERT`, a large one by `COPY`.
//! Either way every payload must come back exactly as written (text that would end a COPY
//! field or row included), at the sequences asked, with the feed's columns filled; and a batch
//! that meets an event already stored at one of its sequences must store nothing.

use chrono::{TimeZone, Utc};
use gomarket_domain::marketplace::account::AccountId;
use gomarket_domain::marketplace::values::NmId;
use gomarket_domain::sales::order::{MarketplaceOrder, OrderEvent, RowMatch};
use gomarket_domain::sales::values::{BasisPoints, SignedKopecks};
use gomarket_infra::event_store::EventMetadata;
use gomarket_infra::event_store::batch::{AggregateWrite, BatchError, append_many};
use gomarket_infra::migrations::EVENT_STORE_MIGRATIONS;
use gomarket_testkit::TestDatabase;
use uuid::Uuid;

/// Text that COPY's format would misread unless escaped, and text that needs no escape.
const AWKWARD: [&str; 6] = [
    "tab\there",
    "line\nbreak",
    "back\\slash \\N",
    "carriage\rreturn",
    "quote \" and \\\" escaped",
    "Коледино, склад №2",
];

fn placed(n: usize, sequence: usize) -> OrderEvent {
    OrderEvent::OrderPlaced {
        account_id: AccountId::from(Uuid::from_u128(7)),
        srid: format!("srid-{n}-{sequence}"),
        nm_id: NmId::new(100_000 + n as i64).unwrap(),
        barcode: format!("20000000{n:05}"),
        vendor_code: AWKWARD[n % AWKWARD.len()].to_owned(),
        warehouse: AWKWARD[(n + sequence) % AWKWARD.len()].to_owned(),
        region: "Центральный федеральный округ".to_owned(),
        ordered_at: Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, sequence as u32).unwrap(),
        total_price: SignedKopecks::new(123_400 + n as i64),
        discount: BasisPoints::new(2_500),
        marketplace_discount: BasisPoints::new(1_000),
        price_with_discount: SignedKopecks::new(92_550),
        finished_price: SignedKopecks::new(-83_295),
        matched: RowMatch {
            listing_id: None,
            product_id: None,
        },
    }
}

/// `aggregates` streams of `per_stream` events each, after `after_version`.
fn writes(prefix: &str, aggregates: usize, per_stream: usize, after_version: i64) -> Vec<AggregateWrite<OrderEvent>> {
    (0..aggregates)
        .map(|n| AggregateWrite {
            aggregate_id: format!("{prefix}-{n}"),
            after_version,
            events: (0..per_stream).map(|s| placed(n, s + after_version as usize)).collect(),
        })
        .collect()
}

async fn stored(db: &TestDatabase, prefix: &str) -> Vec<(String, i64, String, OrderEvent, bool)> {
    let rows: Vec<(String, i64, String, serde_json::Value, bool)> = sqlx::query_as(
        "SELECT aggregate_id, sequence, event_type, payload,
                tx_id IS NOT NULL AND event_id IS NOT NULL AND recorded_at IS NOT NULL AND metadata ->> 'actor' = 'user:test'
           FROM events WHERE aggregate_id LIKE $1 || '-%' ORDER BY position",
    )
    .bind(prefix)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(id, sequence, event_type, payload, filled)| {
            (
                id,
                sequence,
                event_type,
                serde_json::from_value(payload).unwrap(),
                filled,
            )
        })
        .collect()
}

#[tokio::test]
async fn small_and_large_batches_store_every_payload_as_written_or_nothing() {
    let db = TestDatabase::new(&[EVENT_STORE_MIGRATIONS]).await;
    let metadata = EventMetadata::new("test-batch", "user:test", "RecordOrderRow");
    // 4 events go by INSERT; 2 000 (about 1.3 MB of text, more than one send) by COPY.
    for (prefix, aggregates, per_stream) in [("small", 2, 2), ("large", 400, 5)] {
        let batch = writes(prefix, aggregates, per_stream, 0);
        let mut tx = gomarket_infra::database::begin(&db.pool).await.unwrap();
        let count = append_many::<MarketplaceOrder>(&mut tx, &batch, &metadata)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(count, aggregates * per_stream, "{prefix}: every event counted");

        let expected: Vec<(String, i64, OrderEvent)> = batch
            .iter()
            .flat_map(|w| {
                w.events
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (w.aggregate_id.clone(), i as i64 + 1, e.clone()))
            })
            .collect();
        let back = stored(&db, prefix).await;
        assert_eq!(back.len(), expected.len(), "{prefix}: every event stored once");
        for ((id, sequence, event_type, event, filled), (want_id, want_sequence, want_event)) in
            back.into_iter().zip(expected)
        {
            assert_eq!(
                (&id, sequence),
                (&want_id, want_sequence),
                "{prefix}: in order, at its sequence"
            );
            assert_eq!(event_type, "OrderPlaced");
            assert_eq!(event, want_event, "{prefix}: payload comes back as written");
            assert!(filled, "{prefix}: feed columns and metadata filled");
        }
    }

    // A large batch of new streams and one stream whose sequence 3 is taken: nothing stored.
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let mut batch = writes("late", 150, 1, 0);
    batch.push(AggregateWrite {
        aggregate_id: "large-7".to_owned(),
        after_version: 2,
        events: vec![placed(7, 2)],
    });
    let mut tx = gomarket_infra::database::begin(&db.pool).await.unwrap();
    let refused = append_many::<MarketplaceOrder>(&mut tx, &batch, &metadata).await;
    assert!(matches!(refused, Err(BatchError::Conflict)), "{refused:?}");
    tx.rollback().await.unwrap();
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(after, before, "a refused batch stores nothing");
}
