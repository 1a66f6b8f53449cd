//! What the import tests share: an importer over a test database, a supplier registered in one
//! call, an import run to its recorded outcome, scratch folders.

use gomarket_domain::clock::SystemClock;
use gomarket_domain::supplier::{FeedEncoding, FeedKind, ImportCounts, ImportStatus, SupplierId};
use gomarket_infra::event_store::EventMetadata;
use gomarket_infra::supplier::import::feed_policy::FeedPolicy;
use gomarket_infra::supplier::import::{Importer, ImporterSettings};
use gomarket_infra::telemetry::Metrics;
use gomarket_testkit::TestDatabase;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use gomarket_testkit::fixtures::NO_FEED_URL as NO_URL;

pub fn metadata() -> EventMetadata {
    EventMetadata::new("test-import", "user:test", "StartImport")
}

/// An importer over `db` writing `batch_size` items per transaction, reading feeds from
/// anywhere (they come from temporary files and servers on this host).
pub fn importer(db: &TestDatabase, batch_size: usize) -> Importer {
    let mut settings = ImporterSettings {
        batch_size,
        ..ImporterSettings::default()
    };
    settings.fetch.policy = FeedPolicy::unrestricted();
    Importer::new(db.pool.clone(), Arc::new(SystemClock), Metrics::new(), settings)
}

/// Registers a supplier named `name` whose feed is `kind` at `url`.
pub async fn supplier(
    importer: &Importer,
    name: &str,
    kind: FeedKind,
    encoding: FeedEncoding,
    url: &str,
) -> SupplierId {
    gomarket_testkit::fixtures::register_supplier(&importer.registry(), name, kind, encoding, url).await
}

/// Registers a supplier whose feed each import gives as a file (`--file`).
pub async fn file_supplier(importer: &Importer, name: &str, kind: FeedKind) -> SupplierId {
    supplier(importer, name, kind, FeedEncoding::Auto, NO_URL).await
}

/// What an import recorded on itself.
#[derive(Debug)]
pub struct Recorded {
    pub counts: ImportCounts,
    pub status: ImportStatus,
    pub failure: Option<String>,
}

/// Imports `file` for `supplier` and returns what the import recorded (checking that a
/// completed run answered the same counts it recorded).
pub async fn import(importer: &Importer, supplier: SupplierId, file: &Path, dry_run: bool) -> Recorded {
    let run = importer
        .start(supplier, dry_run, Some(file.to_owned()), metadata())
        .await
        .unwrap();
    let outcome = importer.run(&run, |_| {}).await;
    let state = importer
        .imports()
        .load(&run.import_id.to_string())
        .await
        .unwrap()
        .state
        .unwrap();
    if let Ok(counts) = outcome {
        assert_eq!(counts, state.counts);
    }
    Recorded {
        counts: state.counts,
        status: state.status,
        failure: state.failure,
    }
}

/// Imports `file` (not a dry run): what the import recorded, as counts, status, failure.
pub async fn import_file(
    importer: &Importer,
    supplier: SupplierId,
    file: &Path,
) -> (ImportCounts, ImportStatus, Option<String>) {
    let recorded = import(importer, supplier, file, false).await;
    (recorded.counts, recorded.status, recorded.failure)
}

/// A new empty folder under the system's temporary directory.
pub fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gomarket-import-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
