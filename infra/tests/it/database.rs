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
