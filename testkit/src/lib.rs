//! Test support: every test gets its own PostgreSQL database, cloned from a template that was
//! migrated once, so tests run in parallel without seeing each other's rows.
//!
//! [`fixtures`] has catalog commands for seeding events; [`eventually()`] waits for a
//! condition (never a fixed sleep where a condition exists).
//!
//! The server is `GOMARKET_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), which must allow creating databases.
#![forbid(unsafe_code)]

pub mod browser;
pub mod eventually;
pub mod fixtures;
pub mod prism;
pub mod redis;

pub use eventually::{eventually, until};

use gomarket_infra::kafka::{BrokerProfile, KafkaConfig, properties_from_env};
use gomarket_infra::migrations::{self, EmbeddedMigration};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, Executor, PgConnection, PgPool};
use std::time::Duration;
use uuid::Uuid;

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Arbitrary key of the advisory lock that serializes template builds across test processes.
const TEMPLATE_LOCK_KEY: i64 = 0x676f_6d61_726b_6574;

/// A fresh, migrated database that is dropped when the value is.
pub struct TestDatabase {
    pub pool: PgPool,
    pub url: String,
    name: String,
    admin_url: String,
}

impl std::fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDatabase").field("name", &self.name).finish()
    }
}

/// The server URL with its database name replaced.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    format!("{server}/{database}{query}")
}

pub fn admin_url() -> String {
    std::env::var("GOMARKET_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

impl TestDatabase {
    /// A new database with the given migration sets applied.
    pub async fn new(sets: &[&[EmbeddedMigration]]) -> Self {
        let admin_url = admin_url();
        let template = ensure_template(&admin_url, sets).await;
        let name = format!("gomarket_test_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("tests need PostgreSQL at {admin_url}: {e}"));
        let create = format!("CREATE DATABASE {name} TEMPLATE {template}");
        // Cloning fails while another session is briefly connected to the template.
        retry_while_in_use(&mut admin, &template, &create).await;
        let url = with_database(&admin_url, &name);
        let pool = PgPoolOptions::new()
            .max_connections(20)
            .connect(&url)
            .await
            .expect("connect to the test database");
        Self {
            pool,
            url,
            name,
            admin_url,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Builds `gomarket_tpl_<fingerprint>` once per migration content; concurrent test processes
/// wait on an advisory lock while one of them builds it.
async fn ensure_template(admin_url: &str, sets: &[&[EmbeddedMigration]]) -> String {
    let fingerprint = migrations::fingerprint(sets).await.expect("migrations resolve");
    let template = format!("gomarket_tpl_{fingerprint}");
    let mut admin = PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("tests need PostgreSQL at {admin_url}: {e}"));
    admin
        .execute(format!("SELECT pg_advisory_lock({TEMPLATE_LOCK_KEY})").as_str())
        .await
        .expect("take template lock");
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(&template)
        .fetch_one(&mut admin)
        .await
        .expect("look up template");
    if !exists {
        // Build under a temporary name and rename, so a half-migrated template never exists.
        let building = format!("{template}_building");
        admin
            .execute(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)").as_str())
            .await
            .expect("drop stale template build");
        admin
            .execute(format!("CREATE DATABASE {building}").as_str())
            .await
            .expect("create template");
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect(&with_database(admin_url, &building))
            .await
            .expect("connect to template");
        migrations::run(&pool, sets).await.expect("migrate template");
        pool.close().await;
        // The migration session may take a moment to end on the server after closing.
        retry_while_in_use(
            &mut admin,
            &building,
            &format!("ALTER DATABASE {building} RENAME TO {template}"),
        )
        .await;
    }
    admin
        .execute(format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK_KEY})").as_str())
        .await
        .expect("release template lock");
    template
}

/// Runs `statement` on `database` (a template or one being built, which no test uses),
/// retrying for up to 5 s while another session is connected to it (SQLSTATE 55006). A closed
/// connection's backend may take a moment to end, longer on a loaded server; after the first
/// refusal such leftovers are ended rather than waited for.
async fn retry_while_in_use(admin: &mut PgConnection, database: &str, statement: &str) {
    for attempt in 0..50 {
        match admin.execute(statement).await {
            Ok(_) => return,
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("55006") => {
                if attempt > 0 {
                    sqlx::query(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                          WHERE datname = $1 AND pid <> pg_backend_pid()",
                    )
                    .bind(database)
                    .execute(&mut *admin)
                    .await
                    .expect("end leftover sessions");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{statement}: {e}"),
        }
    }
    panic!("{statement}: database still in use after 5 s");
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop the database from a separate thread with its own runtime: `Drop` cannot await,
        // and the test's runtime is blocked here. FORCE ends the pool's open sessions.
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async move {
                    if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                        let _ = admin
                            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                            .await;
                    }
                });
            }
        })
        .join();
    }
}

/// The broker Kafka tests use. There is deliberately no skipping: without a broker the test
/// fails and says how to get one.
pub fn kafka_brokers() -> String {
    std::env::var("GOMARKET_TEST_KAFKA_BROKERS")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| {
            panic!(
                "this test needs a Kafka-protocol broker: run scripts/test (it starts one), or set \
             GOMARKET_TEST_KAFKA_BROKERS=host:port"
            )
        })
}

/// Kafka settings for one test: the test broker, a topic prefix of its own (so tests never see
/// each other's topics or consumer groups), librdkafka overrides from
/// `GOMARKET_KAFKA_PROPERTY_*`, the broker profile from `GOMARKET_KAFKA_BROKER_PROFILE`.
pub fn kafka_config(partitions: i32) -> KafkaConfig {
    let mut config = KafkaConfig::new(kafka_brokers());
    config.topic_prefix = format!("t{}", Uuid::new_v4().simple());
    config.partitions = partitions;
    if let Ok(profile) = std::env::var("GOMARKET_KAFKA_BROKER_PROFILE") {
        config.broker_profile = BrokerProfile::parse(&profile).expect("GOMARKET_KAFKA_BROKER_PROFILE");
    }
    config.properties = properties_from_env(std::env::vars());
    config
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_database_name() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u@h:5432/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h:5432", "x"), "postgres://u@h:5432/x");
    }
}
