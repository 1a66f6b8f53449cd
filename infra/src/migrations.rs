//! Every crate's SQL migrations, embedded in the binary and applied at start.
//!
//! Each crate owns the migrations of its tables (`infra/migrations` for the event store,
//! `projections/migrations` for read models); versions are timestamps so the two interleave in
//! the order they were written. The list is built here from `include_str!`, so no migration
//! directory is needed at run time.

use futures::future::BoxFuture;
use sqlx::PgPool;
use sqlx::error::BoxDynError;
use sqlx::migrate::{MigrateError, Migration, MigrationSource, MigrationType, Migrator};
use std::borrow::Cow;

/// One embedded migration: (version, description, SQL).
pub type EmbeddedMigration = (i64, &'static str, &'static str);

/// The event store's own migrations.
pub const EVENT_STORE_MIGRATIONS: &[EmbeddedMigration] = &[
    (
        20261123000001,
        "event store",
        include_str!("../migrations/20261123000001_event_store.sql"),
    ),
    (
        20261123000002,
        "projection checkpoints",
        include_str!("../migrations/20261123000002_projection_checkpoints.sql"),
    ),
    (
        20261124000001,
        "identity credentials",
        include_str!("../migrations/20261124000001_identity.sql"),
    ),
    (
        20261124000002,
        "secrets store",
        include_str!("../migrations/20261124000002_secrets.sql"),
    ),
    (
        20261124000003,
        "supplier offers and import rejections",
        include_str!("../migrations/20261124000003_imports.sql"),
    ),
    (
        20261124000004,
        "supplier feed freshness",
        include_str!("../migrations/20261124000004_feed_freshness.sql"),
    ),
    (
        20261124000005,
        "supplier feed HTTP validators",
        include_str!("../migrations/20261124000005_feed_validators.sql"),
    ),
    (
        20261124000006,
        "sync process manager bookkeeping",
        include_str!("../migrations/20261124000006_sync.sql"),
    ),
    (
        20261204000001,
        "sales ingest bookkeeping",
        include_str!("../migrations/20261204000001_sales_ingest.sql"),
    ),
    (
        20261204000201,
        "alerting bookkeeping",
        include_str!("../migrations/20261204000201_alerting.sql"),
    ),
    (
        20261205000001,
        "persisted queries allow-list",
        include_str!("../migrations/20261205000001_persisted_queries.sql"),
    ),
    (
        20261205000002,
        "supplier offers: no index on the last import",
        include_str!("../migrations/20261205000002_supplier_offers_last_import_unindexed.sql"),
    ),
    (
        20261205000003,
        "imports and runs listed by parent; running imports",
        include_str!("../migrations/20261205000003_import_and_run_history.sql"),
    ),
];

#[derive(Debug)]
struct Embedded(Vec<Migration>);

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move { Ok(self.0) })
    }
}

/// Builds the migrator over the given sets (each crate contributes one).
pub async fn migrator(sets: &[&[EmbeddedMigration]]) -> Result<Migrator, MigrateError> {
    let mut migrations: Vec<Migration> = sets
        .iter()
        .flat_map(|set| set.iter())
        .map(|&(version, description, sql)| {
            Migration::new(
                version,
                Cow::Borrowed(description),
                MigrationType::Simple,
                Cow::Borrowed(sql),
                false,
            )
        })
        .collect();
    migrations.sort_by_key(|m| m.version);
    Migrator::new(Embedded(migrations)).await
}

/// Applies every pending migration. Safe to run from several processes at once: sqlx takes an
/// advisory lock around the run.
pub async fn run(pool: &PgPool, sets: &[&[EmbeddedMigration]]) -> Result<(), MigrateError> {
    migrator(sets).await?.run(pool).await
}

/// A stable fingerprint of the migration sets, used to name test template databases.
pub async fn fingerprint(sets: &[&[EmbeddedMigration]]) -> Result<String, MigrateError> {
    let migrator = migrator(sets).await?;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for migration in migrator.iter() {
        for byte in migration.checksum.iter().chain(migration.version.to_le_bytes().iter()) {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    Ok(format!("{hash:016x}"))
}
