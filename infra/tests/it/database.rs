//! Connecting: a missing database is created; an unreachable server is a clear error.

use gomarket_infra::database::{DatabaseError, PoolSettings, connect};
use gomarket_infra::migrations::{self, EVENT_STORE_MIGRATIONS};
use sqlx::{Connection, Executor, PgConnection};
use std::time::Duration;

fn url_for(database: &str) -> String {
    let admin = gomarket_testkit::admin_url();
    let server = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(server, _)| server)
        .to_owned();
    format!("{server}/{database}")
}

#[tokio::test]
async fn a_missing_database_is_created_and_migrations_are_idempotent() {
    let name = format!("gomarket_created_{}", uuid::Uuid::new_v4().simple());
    let pool = connect(&url_for(&name), PoolSettings::default())
        .await
        .expect("created and connected");
    migrations::run(&pool, &[EVENT_STORE_MIGRATIONS]).await.unwrap();
    migrations::run(&pool, &[EVENT_STORE_MIGRATIONS])
        .await
        .expect("second run is a no-op");
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE tablename IN ('events', 'projection_checkpoints')")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(tables, 2);
    pool.close().await;
    let mut admin = PgConnection::connect(&gomarket_testkit::admin_url()).await.unwrap();
    admin
        .execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
        .await
        .unwrap();
}

#[tokio::test]
async fn events_are_append_only() {
    let db = gomarket_testkit::TestDatabase::new(&[EVENT_STORE_MIGRATIONS]).await;
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         VALUES ('Probe', 'a', 1, 'Probed', '1', '{}', '{}')",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let update = sqlx::query("UPDATE events SET payload = '{\"x\":1}'")
        .execute(&db.pool)
        .await;
    assert!(update.is_err(), "updates are refused");
    let delete = sqlx::query("DELETE FROM events").execute(&db.pool).await;
    assert!(delete.is_err(), "deletes are refused");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn an_unreachable_server_names_the_url_without_its_password() {
    let settings = PoolSettings {
        acquire_timeout: Duration::from_secs(2),
        ..PoolSettings::default()
    };
    let error = connect("postgres://postgres:hunter2@127.0.0.1:1/gomarket", settings)
        .await
        .unwrap_err();
    assert!(matches!(error, DatabaseError::Unreachable { .. }));
    let message = error.to_string();
    assert!(
        message.contains("postgres://postgres:***@127.0.0.1:1/gomarket"),
        "{message}"
    );
    assert!(!message.contains("hunter2"));
}

/// A caller cancelled while its `BEGIN` is in flight (an aborted import, a client gone) must
/// not leave the session inside a transaction for the pool's next borrower: that borrower's
/// write would report success and never be seen. The pool has one connection, so the next
/// borrower gets the very session the cancelled `BEGIN` ran on.
#[tokio::test]
async fn a_begin_cancelled_in_flight_leaves_no_transaction_to_the_next_borrower() {
    use gomarket_infra::database::begin;
    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use std::str::FromStr;

    let db = gomarket_testkit::TestDatabase::new(&[EVENT_STORE_MIGRATIONS]).await;
    sqlx::query("CREATE TABLE marks (n int)")
        .execute(&db.pool)
        .await
        .unwrap();
    let name = format!("cancelled-begin-{}", uuid::Uuid::new_v4().simple());
    let options = PgConnectOptions::from_str(&db.url).unwrap().application_name(&name);
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    sqlx::query("SELECT 1").execute(&pool).await.unwrap();

    // Step the begin one poll at a time, and after each poll wait a while for its session to
    // be inside the transaction; once it is, drop the begin before it is polled again.
    let (session, observer) = (name.as_str(), &db.pool);
    let state = move || async move {
        sqlx::query_scalar::<_, String>("SELECT state FROM pg_stat_activity WHERE application_name = $1")
            .bind(session)
            .fetch_optional(observer)
            .await
            .unwrap()
    };
    let mut beginning = Box::pin(begin(&pool));
    let mut inside = false;
    'stepping: for _ in 0..20 {
        assert!(
            futures::poll!(beginning.as_mut()).is_pending(),
            "the begin ended before it was seen inside its transaction"
        );
        for _ in 0..100 {
            if state().await.as_deref() == Some("idle in transaction") {
                inside = true;
                break 'stepping;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    assert!(inside, "the session was never seen inside the transaction");
    drop(beginning);

    sqlx::query("INSERT INTO marks VALUES (1)")
        .execute(&pool)
        .await
        .unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM marks")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        seen, 1,
        "the next borrower's write is committed, seen from another session"
    );
    assert_eq!(
        state().await.as_deref(),
        Some("idle"),
        "the session is left outside any transaction"
    );
    pool.close().await;
}
