//! A supplier's imports and a policy's runs, listed a page at a time, on a store whose history
//! is long: every import records its progress once a batch, so the store holds far more of an
//! import's events than imports. A page must cost its own rows (the partial indexes by parent),
//! not a walk of every event of the type, and must page exactly: newest first, each import once.

use crate::feed_plans::{assert_uses, nodes, plans};
use gomarket_domain::supplier::Import;
use gomarket_domain::sync::run::SyncRun;
use gomarket_infra::event_store::started_for::{self, IMPORTS_OF_SUPPLIER, RUNS_OF_POLICY, StartedFor};
use gomarket_infra::migrations::EVENT_STORE_MIGRATIONS;
use gomarket_infra::sync::RUN_KNOWN;
use gomarket_testkit::TestDatabase;
use sqlx::{Executor, PgPool};
use uuid::Uuid;

const IMPORTS: u128 = 250;
const EVENTS_PER_IMPORT: i64 = 1_000;
const SUPPLIERS: u128 = 5;
const RUNS: u128 = 100;
const EVENTS_PER_RUN: i64 = 100;

fn supplier(n: u128) -> String {
    Uuid::from_u128(0x5000 + n).to_string()
}

fn import(k: u128) -> Uuid {
    Uuid::from_u128(0x1_0000 + k)
}

fn run(k: u128) -> Uuid {
    Uuid::from_u128(0x2_0000 + k)
}

/// Appends aggregate `id` of `aggregate_type` with `events` events, the first naming `parent`
/// as `started` does, the rest progress.
async fn append(pool: &PgPool, aggregate_type: &str, started: StartedFor, id: Uuid, parent: &str, events: i64) {
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         SELECT $1, $2, s, CASE WHEN s = 1 THEN $3 ELSE 'Progressed' END, '1',
                CASE WHEN s = 1 THEN jsonb_build_object($3::text, jsonb_build_object($4::text, $5::text))
                     ELSE jsonb_build_object('Progressed', jsonb_build_object('seen', s)) END,
                '{}'::jsonb
           FROM generate_series(1, $6::bigint) AS s",
    )
    .bind(aggregate_type)
    .bind(id.to_string())
    .bind(started.first_event)
    .bind(started.field)
    .bind(parent)
    .bind(events)
    .execute(pool)
    .await
    .expect("append");
}

/// 250 imports of 5 suppliers in turn, a thousand events each; 100 runs of 2 policies, a
/// hundred events each, and the policies' 5 000 events each; statistics refreshed.
async fn fill(pool: &PgPool) {
    for k in 0..IMPORTS {
        let parent = supplier(k % SUPPLIERS);
        append(
            pool,
            "Import",
            IMPORTS_OF_SUPPLIER,
            import(k),
            &parent,
            EVENTS_PER_IMPORT,
        )
        .await;
    }
    for k in 0..RUNS {
        let parent = supplier(k % 2);
        append(pool, "SyncRun", RUNS_OF_POLICY, run(k), &parent, EVENTS_PER_RUN).await;
    }
    // Two policies that started and finished 2 500 runs each.
    for policy in 0..2_u128 {
        sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             SELECT 'SyncPolicy', $1, s, CASE WHEN s % 2 = 1 THEN 'PolicyRunStarted' ELSE 'PolicyRunFinished' END, '1',
                    jsonb_build_object(CASE WHEN s % 2 = 1 THEN 'PolicyRunStarted' ELSE 'PolicyRunFinished' END,
                                       jsonb_build_object('run_id', 'run-' || $1 || '-' || (s + 1) / 2)),
                    '{}'::jsonb
               FROM generate_series(1, 5000) AS s",
        )
        .bind(supplier(policy))
        .execute(pool)
        .await
        .expect("append policy");
    }
    pool.execute("ANALYZE events").await.expect("analyze");
}

#[tokio::test]
async fn a_page_of_imports_or_runs_reads_its_own_rows_whatever_the_history() {
    let db = TestDatabase::new(&[EVENT_STORE_MIGRATIONS]).await;
    fill(&db.pool).await;

    // Paging: the first supplier's 50 imports (every fifth), newest first, each once.
    let first = supplier(0);
    let expected: Vec<Uuid> = (0..IMPORTS).rev().filter(|k| k % SUPPLIERS == 0).map(import).collect();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = started_for::page::<Import>(&db.pool, IMPORTS_OF_SUPPLIER, &first, after, 20)
            .await
            .unwrap()
            .expect("the cursor is one of the supplier's imports");
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 20);
        after = page.last().copied();
        seen.extend(page);
    }
    assert_eq!(seen, expected);
    assert_eq!(
        started_for::count::<Import>(&db.pool, IMPORTS_OF_SUPPLIER, &first)
            .await
            .unwrap(),
        50
    );
    let others = started_for::page::<Import>(&db.pool, IMPORTS_OF_SUPPLIER, &first, Some(import(1)), 20)
        .await
        .unwrap();
    assert_eq!(others, None, "another supplier's import is not a cursor of this one");
    let runs = started_for::page::<SyncRun>(&db.pool, RUNS_OF_POLICY, &supplier(1), None, 3)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(runs, vec![run(99), run(97), run(95)]);

    // Plans, custom and generic: the page, the cursor's probe and the count.
    let mut connection = db.pool.acquire().await.unwrap().detach();
    let parent = format!("'{first}'");
    let cursor = format!("'{}'", import(125));
    let middle: i64 = sqlx::query_scalar(&started_for::cursor_sql::<Import>(IMPORTS_OF_SUPPLIER))
        .bind(&first)
        .bind(import(125).to_string())
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let index = "events_imports_of_supplier_idx";
    let sql = started_for::page_sql::<Import>(IMPORTS_OF_SUPPLIER);
    let newest = plans(&mut connection, &sql, &format!("{parent}, {}, 21", i64::MAX)).await;
    assert_uses("the newest page of imports", &newest, index, 40);
    let further = plans(&mut connection, &sql, &format!("{parent}, {middle}, 21")).await;
    assert_uses("a page of imports after a cursor", &further, index, 40);
    let count = plans(
        &mut connection,
        &started_for::count_sql::<Import>(IMPORTS_OF_SUPPLIER),
        &parent,
    )
    .await;
    assert_uses("the count of imports", &count, index, 80);
    let probe = plans(
        &mut connection,
        &started_for::cursor_sql::<Import>(IMPORTS_OF_SUPPLIER),
        &format!("{parent}, {cursor}"),
    )
    .await;
    for (mode, plan, buffers) in &probe {
        assert!(
            nodes(plan).iter().all(|n| n["Node Type"] != "Seq Scan") && *buffers <= 10,
            "the cursor's probe ({mode}) touched {buffers} buffers: {plan:#}"
        );
    }
    let runs = plans(
        &mut connection,
        &started_for::page_sql::<SyncRun>(RUNS_OF_POLICY),
        &format!("'{}', {}, 21", supplier(1), i64::MAX),
    )
    .await;
    assert_uses("the newest page of runs", &runs, "events_runs_of_policy_idx", 40);
    // `syncRunProgress` for a run that is not stored yet: its policy's event is probed.
    let run_started = format!("'run-{}-1200'", supplier(1));
    let known: bool = sqlx::query_scalar(RUN_KNOWN)
        .bind(format!("run-{}-1200", supplier(1)))
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(known, "a run its policy started is known");
    let probe = plans(&mut connection, RUN_KNOWN, &run_started).await;
    assert_uses("whether a run is known", &probe, "events_policy_run_started_idx", 15);
}
