//! What an import applies and what it says it applied, against a real PostgreSQL:
//! a feed that cannot be read to its end applies nothing (YML, AN_MSC, every file of the
//! Wholesaler set); an import stopped half-way shows exactly the counts it committed; hostile
//! text (NUL, bytes an encoding does not define) rejects its offer with a reason that says
//! so, and never fails the store; a reader that panics or fails on either pass fails the
//! import and marks nothing unavailable.

use crate::support::{self, file_supplier, import_file, metadata};
use gomarket_domain::supplier::{FeedKind, ImportCounts, ImportStatus};
use gomarket_infra::supplier::FeedError;
use gomarket_infra::supplier::generate::{FeedSpec, write_yml};
use gomarket_infra::supplier::generate_csv::{write_an_msc, write_wholesaler};
use gomarket_infra::supplier::import::Importer;
use gomarket_infra::supplier::import::reading::{FeedItems, FormatReaders, LocalFiles, OpenReader};
use gomarket_testkit::{TestDatabase, eventually};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

async fn setup(batch_size: usize) -> (TestDatabase, Arc<Importer>) {
    let db = TestDatabase::new(&[gomarket_infra::migrations::EVENT_STORE_MIGRATIONS]).await;
    let importer = support::importer(&db, batch_size);
    (db, Arc::new(importer))
}

/// Product events, supplier offers and rejections stored so far: what an import changed.
async fn footprint(db: &TestDatabase) -> (i64, i64, i64) {
    let count = |sql: &'static str| async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&db.pool).await.unwrap() };
    (
        count("SELECT count(*) FROM events WHERE aggregate_type = 'Product'").await,
        count("SELECT count(*) FROM supplier_offers").await,
        count("SELECT count(*) FROM import_rejections").await,
    )
}

fn write(path: &Path, write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>)) -> PathBuf {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    write(&mut out);
    std::io::Write::flush(&mut out).unwrap();
    path.to_owned()
}

/// `spec` written as a YML feed to `dir/name`.
fn yml_file(dir: &Path, name: &str, spec: &FeedSpec) -> PathBuf {
    write(&dir.join(name), |out| {
        write_yml(spec, out).unwrap();
    })
}

/// Cuts `path` to the first half of its bytes.
fn cut_in_half(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
}

#[tokio::test]
async fn a_feed_cut_in_half_applies_nothing_in_any_format() {
    let (db, importer) = setup(100).await;
    let dir = support::tempdir();
    let spec = FeedSpec::new(2000, 7);

    // YML, the reproduction: the first half of `gen-feed --seed 7`.
    let yml = file_supplier(&importer, "YML", FeedKind::Yml).await;
    let file = yml_file(&dir, "feed.yml", &spec);
    cut_in_half(&file);
    let (counts, status, failure) = import_file(&importer, yml, &file).await;
    assert_eq!(status, ImportStatus::Failed);
    assert_eq!(counts, ImportCounts::default());
    let failure = failure.unwrap();
    assert!(failure.contains("malformed near line"), "{failure}");
    assert_eq!(footprint(&db).await, (0, 0, 0), "nothing of the first half applied");

    // AN_MSC: the cut leaves its last row without a line break.
    let an_msc = file_supplier(&importer, "AN", FeedKind::AnMscCsv).await;
    let file = write(&dir.join("an_price_and_num_rrc.csv"), |out| {
        write_an_msc(&spec, out).unwrap();
    });
    cut_in_half(&file);
    let (counts, status, failure) = import_file(&importer, an_msc, &file).await;
    assert_eq!((status, counts), (ImportStatus::Failed, ImportCounts::default()));
    assert!(failure.as_deref().unwrap().contains("cut off"), "{failure:?}");
    assert_eq!(footprint(&db).await, (0, 0, 0));

    // Wholesaler: whichever of its files is cut, the set applies nothing — the info file
    // (streamed) as much as the descriptions (read for every row).
    let wholesaler = file_supplier(&importer, "Wholesaler", FeedKind::WholesalerCsv).await;
    for cut in ["all_prod_info.csv", "all_prod_d33_.csv", "all_prod_prices.csv"] {
        let folder = dir.join(format!("wholesaler-{cut}"));
        std::fs::create_dir_all(&folder).unwrap();
        write_wholesaler(&spec, &folder).unwrap();
        cut_in_half(&folder.join(cut));
        let (counts, status, failure) = import_file(&importer, wholesaler, &folder).await;
        assert_eq!(
            (status, counts),
            (ImportStatus::Failed, ImportCounts::default()),
            "{cut}"
        );
        assert!(failure.as_deref().unwrap().contains("cut off"), "{cut}: {failure:?}");
        assert_eq!(footprint(&db).await, (0, 0, 0), "{cut}");
    }

    // The whole feed still imports.
    let file = yml_file(&dir, "whole.yml", &spec);
    let (counts, status, _) = import_file(&importer, yml, &file).await;
    assert_eq!(status, ImportStatus::Completed);
    assert_eq!(counts.created, 1960);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_cut_update_changes_nothing_of_an_imported_catalog() {
    let (db, importer) = setup(100).await;
    let dir = support::tempdir();
    let supplier = file_supplier(&importer, "Север", FeedKind::Yml).await;
    let spec = FeedSpec::new(1000, 3);
    let file = yml_file(&dir, "feed.yml", &spec);
    import_file(&importer, supplier, &file).await;
    let before = footprint(&db).await;

    // Every price up by 10 %, and the upload broken off half-way.
    let mut repriced = spec.clone();
    repriced.repriced = (0..1000).collect();
    let file = yml_file(&dir, "repriced.yml", &repriced);
    cut_in_half(&file);
    let (counts, status, _) = import_file(&importer, supplier, &file).await;
    assert_eq!((status, counts), (ImportStatus::Failed, ImportCounts::default()));
    assert_eq!(footprint(&db).await, before, "no price of the first half changed");
    let _ = std::fs::remove_dir_all(dir);
}

/// Counts of what import `import_id` committed, from the committed state itself: products
/// with events since `since` (split into created and updated), offers it saw unchanged, its
/// rejections.
async fn committed(db: &TestDatabase, import_id: uuid::Uuid, since: i64) -> (u64, u64, u64, u64) {
    let (created, updated): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE first), count(*) FILTER (WHERE NOT first)
           FROM (SELECT aggregate_id, bool_or(event_type = 'ProductImported') AS first
                   FROM events WHERE aggregate_type = 'Product' AND position > $1
                  GROUP BY aggregate_id) AS changed",
    )
    .bind(since)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM supplier_offers WHERE last_import_id = $1")
        .bind(import_id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let rejected: i64 = sqlx::query_scalar("SELECT count(*) FROM import_rejections WHERE import_id = $1")
        .bind(import_id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let unchanged = seen - created - updated;
    (created as u64, updated as u64, unchanged as u64, rejected as u64)
}

/// The imports the sweep of abandoned ones looks at.
async fn running_imports(db: &TestDatabase) -> Vec<uuid::Uuid> {
    sqlx::query_scalar("SELECT import_id FROM running_imports")
        .fetch_all(&db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_import_stopped_half_way_shows_exactly_what_it_committed() {
    let (db, importer) = setup(100).await;
    let dir = support::tempdir();
    let supplier = file_supplier(&importer, "Север", FeedKind::Yml).await;
    let spec = FeedSpec::new(3000, 11);
    let file = yml_file(&dir, "feed.yml", &spec);
    import_file(&importer, supplier, &file).await;
    let since: i64 = sqlx::query_scalar("SELECT max(position) FROM events")
        .fetch_one(&db.pool)
        .await
        .unwrap();

    // Every price changes; the run is stopped (its task dropped at whatever it awaited, as
    // a killed process stops) once some batches have committed.
    let mut repriced = spec.clone();
    repriced.repriced = (0..3000).collect();
    let file = yml_file(&dir, "repriced.yml", &repriced);
    let run = importer
        .start(supplier, false, Some(file.clone()), metadata())
        .await
        .unwrap();
    let import_id = run.import_id;
    let (progress, mut updates) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn({
        let importer = importer.clone();
        async move {
            let report = move |counts: &ImportCounts| {
                let _ = progress.send(counts.updated);
            };
            importer.run(&run, report).await
        }
    });
    while let Some(updated) = updates.recv().await {
        if updated >= 500 {
            break;
        }
    }
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled(), "stopped before its end");

    let shown = importer
        .imports()
        .load(&import_id.to_string())
        .await
        .unwrap()
        .state
        .unwrap();
    assert_eq!(shown.status, ImportStatus::Running);
    let (created, updated, unchanged, rejected) = committed(&db, import_id, since).await;
    assert!((500..2900).contains(&updated), "stopped half-way: {updated} updated");
    let counts = shown.counts;
    assert_eq!(
        (counts.created, counts.updated, counts.unchanged, counts.rejected),
        (created, updated, unchanged, rejected),
        "the import shows what it committed"
    );
    assert_eq!(counts.seen, created + updated + unchanged + rejected);

    assert_eq!(running_imports(&db).await, vec![import_id], "the sweep looks at it");

    // Its runner is gone (the task and its lock dropped): the sweep fails it with the same
    // counts.
    eventually(
        Duration::from_secs(10),
        "the stopped import was never swept",
        || async {
            let swept = importer.fail_abandoned().await.unwrap();
            if swept.contains(&import_id) { Ok(()) } else { Err(swept) }
        },
    )
    .await;
    let failed = importer
        .imports()
        .load(&import_id.to_string())
        .await
        .unwrap()
        .state
        .unwrap();
    assert_eq!(failed.status, ImportStatus::Failed);
    assert_eq!(failed.counts, counts);
    assert!(running_imports(&db).await.is_empty(), "the sweep is done with it");

    // Run again, it converges: every price changed once, and the counts add up.
    let (again, status, _) = import_file(&importer, supplier, &file).await;
    assert_eq!(status, ImportStatus::Completed);
    assert_eq!(again.updated + updated, 2940, "{again:?}");
    assert!(
        running_imports(&db).await.is_empty(),
        "an ended import leaves the running ones"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn hostile_text_rejects_its_offer_with_what_is_wrong_and_never_fails_the_store() {
    let (db, importer) = setup(100).await;
    let dir = support::tempdir();
    let supplier = file_supplier(&importer, "AN", FeedKind::AnMscCsv).await;
    let mut bytes = encoding_rs::WINDOWS_1251
        .encode("code;title;price;color;description\n")
        .0
        .into_owned();
    bytes.extend_from_slice(&encoding_rs::WINDOWS_1251.encode("1;Утюг ").0);
    bytes.extend_from_slice(b"\x98;100;;\n");
    bytes.extend_from_slice(b"2;Nul\x00 name;100;;\n");
    bytes.extend_from_slice(b"3\x00;Nul in id;100;;\n");
    bytes.extend_from_slice(&encoding_rs::WINDOWS_1251.encode("4;Фен;100;си").0);
    bytes.extend_from_slice(b"\x00\x01");
    bytes.extend_from_slice(&encoding_rs::WINDOWS_1251.encode("ний;описание\n").0);
    bytes.extend_from_slice(b"5;Barcode;100;;;\n");
    let file = dir.join("an.csv");
    std::fs::write(&file, &bytes).unwrap();
    let (counts, status, failure) = import_file(&importer, supplier, &file).await;
    assert_eq!(status, ImportStatus::Completed, "{failure:?}");
    assert_eq!((counts.created, counts.rejected), (2, 3), "{counts:?}");
    let rejections: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT line, reason, message FROM import_rejections ORDER BY seq")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let reasons: Vec<(i64, &str)> = rejections.iter().map(|(l, r, _)| (*l, r.as_str())).collect();
    assert_eq!(reasons, [(2, "INVALID_TEXT"), (3, "INVALID_TEXT"), (4, "INVALID_TEXT")]);
    assert!(rejections[0].2.contains("0x98"), "{}", rejections[0].2);
    assert!(rejections[1].2.contains("NUL"), "{}", rejections[1].2);
    assert!(rejections[2].2.contains("id"), "{}", rejections[2].2);
    // The NUL in an optional attribute is dropped, not stored.
    let color: String = sqlx::query_scalar(
        "SELECT payload -> 'ProductImported' -> 'content' -> 'attributes' ->> 'Цвет' FROM events
          WHERE event_type = 'ProductImported' AND payload::text LIKE '%Фен%'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(color, "синий");
    let _ = std::fs::remove_dir_all(dir);
}

/// The real readers, except that the `nth` time a feed is opened (1: the read-through, 2: the
/// apply pass) its reader panics — or fails, with `fail_instead` — at item `at`.
struct FailingReader {
    opened: std::sync::atomic::AtomicUsize,
    nth: usize,
    at: usize,
    fail_instead: bool,
}

impl FailingReader {
    fn new(nth: usize, at: usize, fail_instead: bool) -> Self {
        Self {
            opened: std::sync::atomic::AtomicUsize::new(0),
            nth,
            at,
            fail_instead,
        }
    }
}

impl OpenReader for FailingReader {
    fn open(&self, feed: &LocalFiles) -> Result<FeedItems, FeedError> {
        let items = FormatReaders.open(feed)?;
        if self.opened.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 != self.nth {
            return Ok(items);
        }
        let (at, fail_instead) = (self.at, self.fail_instead);
        Ok(Box::new(items.enumerate().map(move |(i, item)| {
            if i == at {
                if fail_instead {
                    return Err(FeedError::Io(std::io::Error::other("injected read failure")));
                }
                panic!("injected reader panic");
            }
            item
        })))
    }
}

/// Available offers, and product events (marking an offer unavailable records one).
async fn offers_state(db: &TestDatabase) -> (i64, i64) {
    let available: i64 = sqlx::query_scalar("SELECT count(*) FROM supplier_offers WHERE available")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let product_events: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_type = 'Product'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    (available, product_events)
}

#[tokio::test]
async fn a_reader_that_panics_or_fails_fails_the_import_and_marks_nothing_unavailable() {
    let (db, importer) = setup(100).await;
    let dir = support::tempdir();
    let yml = file_supplier(&importer, "Panics", FeedKind::Yml).await;
    let file = yml_file(&dir, "feed.yml", &FeedSpec::new(2000, 11));
    let (counts, status, failure) = import_file(&importer, yml, &file).await;
    assert_eq!(status, ImportStatus::Completed, "{failure:?}");
    let before = offers_state(&db).await;
    assert!(before.0 > 1000, "the first import made offers available: {before:?}");

    // Apply pass: the reader dies after a thousand items. Were its end taken for the feed's
    // end, the offers after them would count as gone and be marked unavailable.
    for (nth, fail_instead, says) in [
        (2, false, "the feed reader stopped unexpectedly"),
        (1, false, "the feed reader stopped unexpectedly"),
        (2, true, "injected read failure"),
        (1, true, "injected read failure"),
    ] {
        let failing = support::importer(&db, 100).with_readers(FailingReader::new(nth, 1000, fail_instead));
        let (_, status, failure) = import_file(&failing, yml, &file).await;
        let case = format!(
            "reader {} on pass {nth}",
            if fail_instead { "failing" } else { "panicking" }
        );
        assert_eq!(status, ImportStatus::Failed, "{case}");
        let failure = failure.unwrap_or_default();
        assert!(failure.contains(says), "{case}: {failure}");
        assert_eq!(offers_state(&db).await, before, "{case}: nothing marked unavailable");
    }

    // And the same feed read by sound readers still completes, changing nothing.
    let (again, status, _) = import_file(&importer, yml, &file).await;
    assert_eq!(status, ImportStatus::Completed);
    assert_eq!(again.created + again.updated, 0, "{again:?} after {counts:?}");
    assert_eq!(offers_state(&db).await, before);
}
