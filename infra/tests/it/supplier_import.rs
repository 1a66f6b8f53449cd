//! Supplier imports against a real PostgreSQL: exact counts, idempotent re-runs, only the
//! changed offers producing events, vanished offers becoming unavailable, failing feeds.

use gomarket_domain::catalog::{Product, ProductId};
use gomarket_domain::supplier::{FeedEncoding, FeedKind, ImportCounts, ImportStatus, SupplierId};
use gomarket_infra::supplier::generate::{FeedSpec, offer_id, write_yml};
use gomarket_infra::supplier::import::Importer;
use gomarket_testkit::TestDatabase;
use std::path::{Path, PathBuf};

use crate::support::{self, metadata, tempdir};

/// Registers a supplier of `kind` named `name`.
async fn supplier_of(importer: &Importer, name: &str, kind: FeedKind, encoding: FeedEncoding, url: &str) -> SupplierId {
    support::supplier(importer, name, kind, encoding, url).await
}

async fn import(importer: &Importer, supplier: SupplierId, file: &Path, dry_run: bool) -> (ImportCounts, ImportStatus) {
    let recorded = support::import(importer, supplier, file, dry_run).await;
    (recorded.counts, recorded.status)
}

/// A supplier URL for imports that read `--file` instead.
const FEEDS: &str = "https://feeds.invalid/";

async fn setup() -> (TestDatabase, Importer, SupplierId) {
    let db = TestDatabase::new(&[gomarket_infra::migrations::EVENT_STORE_MIGRATIONS]).await;
    let importer = support::importer(&db, 250);
    let id = supplier_of(
        &importer,
        "Север",
        FeedKind::Yml,
        FeedEncoding::Auto,
        "https://feeds.invalid/sever.yml",
    )
    .await;
    (db, importer, id)
}

fn feed_file(dir: &Path, name: &str, spec: &FeedSpec) -> PathBuf {
    let path = dir.join(name);
    write_yml(
        spec,
        &mut std::io::BufWriter::new(std::fs::File::create(&path).unwrap()),
    )
    .unwrap();
    path
}

async fn product_events(db: &TestDatabase) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_type = 'Product'")
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

async fn events_by_type(db: &TestDatabase, since: i64) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT event_type, count(*) FROM events WHERE aggregate_type = 'Product' AND position > $1
          GROUP BY event_type ORDER BY event_type",
    )
    .bind(since)
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

async fn last_position(db: &TestDatabase) -> i64 {
    sqlx::query_scalar("SELECT coalesce(max(position), 0) FROM events")
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_feed_imports_with_exact_counts_and_reimports_as_nothing() {
    let (db, importer, supplier) = setup().await;
    let dir = tempdir();
    let spec = FeedSpec::new(1000, 5);
    let file = feed_file(&dir, "feed.yml", &spec);

    let (counts, status) = import(&importer, supplier, &file, false).await;
    assert_eq!(status, ImportStatus::Completed);
    assert_eq!(
        counts,
        ImportCounts {
            seen: 1000,
            created: 980,
            updated: 0,
            unchanged: 0,
            rejected: 20,
            unavailable: 0,
        }
    );
    assert_eq!(product_events(&db).await, 980);
    let reasons: Vec<(String, i64)> =
        sqlx::query_as("SELECT reason, count(*) FROM import_rejections GROUP BY reason ORDER BY reason")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let mut expected: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for kind in (0..1000).filter_map(|i| spec.broken_kind(i)) {
        *expected.entry(kind.as_str().to_owned()).or_default() += 1;
    }
    assert_eq!(reasons, expected.into_iter().collect::<Vec<_>>());
    assert_eq!(reasons.len(), 6, "every kind of broken offer is there");

    // The same feed again: nothing changes, not one product event.
    let before = product_events(&db).await;
    let (again, _) = import(&importer, supplier, &file, false).await;
    assert_eq!(
        (again.unchanged, again.created, again.updated, again.unavailable),
        (980, 0, 0, 0)
    );
    assert_eq!(product_events(&db).await, before);

    // 1 % of prices and 1 % of stocks changed, 10 offers removed.
    let mut changed = spec.clone();
    let valid: Vec<usize> = (0..1000)
        .filter(|i| spec.broken_kind(*i).is_none() && spec.broken_kind(i + 1).is_none())
        .collect();
    changed.repriced = valid.iter().copied().step_by(98).take(10).collect();
    changed.restocked = valid.iter().copied().skip(3).step_by(98).take(10).collect();
    changed.removed = valid.iter().copied().skip(7).step_by(98).take(10).collect();
    let changed_file = feed_file(&dir, "changed.yml", &changed);
    let since = last_position(&db).await;
    let (counts, _) = import(&importer, supplier, &changed_file, false).await;
    assert_eq!(
        (counts.updated, counts.unavailable, counts.created),
        (20, 10, 0),
        "{counts:?}"
    );
    assert_eq!(
        events_by_type(&db, since).await,
        [
            ("ProductPriceChanged".to_owned(), 10),
            ("ProductSupplyChanged".to_owned(), 20)
        ]
    );
    for index in &changed.removed {
        let id = ProductId::for_supplier_item(supplier.as_uuid(), &offer_id(*index));
        let product: Product = importer_product(&importer, id).await;
        let state = product.state.unwrap();
        assert!(!state.available);
        assert_eq!(state.stock.get(), 0);
    }
}

async fn importer_product(importer: &Importer, id: ProductId) -> Product {
    let bus = gomarket_testkit::fixtures::product_bus(importer.pool());
    bus.load(&id.to_string()).await.unwrap()
}

#[tokio::test]
async fn a_dry_run_counts_without_writing() {
    let (db, importer, supplier) = setup().await;
    let dir = tempdir();
    let file = feed_file(&dir, "feed.yml", &FeedSpec::new(300, 8));
    let (counts, status) = import(&importer, supplier, &file, true).await;
    assert_eq!(status, ImportStatus::Completed);
    assert_eq!((counts.created, counts.rejected), (294, 6));
    assert_eq!(product_events(&db).await, 0);
}

#[tokio::test]
async fn a_truncated_feed_fails_with_its_reason_and_marks_nothing_unavailable() {
    let (db, importer, supplier) = setup().await;
    let dir = tempdir();
    let spec = FeedSpec::new(600, 2);
    let file = feed_file(&dir, "feed.yml", &spec);
    import(&importer, supplier, &file, false).await;
    let bytes = std::fs::read(&file).unwrap();
    let cut = dir.join("cut.yml");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let before = product_events(&db).await;
    let (counts, status) = import(&importer, supplier, &cut, false).await;
    assert_eq!(status, ImportStatus::Failed);
    assert_eq!(counts.unavailable, 0);
    assert_eq!(
        product_events(&db).await,
        before,
        "the first half was unchanged; nothing vanished"
    );
    let failure: String = sqlx::query_scalar(
        "SELECT payload -> 'ImportFailed' ->> 'reason' FROM events WHERE event_type = 'ImportFailed'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(failure.contains("malformed"), "{failure}");

    std::fs::write(
        dir.join("page.html"),
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
    )
    .unwrap();
    let (_, status) = import(&importer, supplier, &dir.join("page.html"), false).await;
    assert_eq!(status, ImportStatus::Failed);
}

#[tokio::test]
async fn an_an_msc_feed_imports_with_stock_per_warehouse() {
    let (db, importer, _) = setup().await;
    let supplier = supplier_of(
        &importer,
        "AN MSC",
        FeedKind::AnMscCsv,
        FeedEncoding::Windows1251,
        FEEDS,
    )
    .await;
    let text = "code;article;title;category_title;tmn;msk;spb;price;retail_price;barcode\n\
                1;A-1;Фен;Фены;много;2;0;990;1990;4006381333931\n\
                2;A-2;Утюг;Утюги;>10;0;1;1 500,50;NULL;\n\
                3;A-3;Кривой;Утюги;1;1;1;1;;123\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
    let dir = tempdir();
    let file = dir.join("an.csv");
    std::fs::write(&file, &bytes).unwrap();
    let (counts, status) = import(&importer, supplier, &file, false).await;
    assert_eq!(status, ImportStatus::Completed);
    assert_eq!((counts.seen, counts.created, counts.rejected), (3, 2, 1));
    let product = importer_product(&importer, ProductId::for_supplier_item(supplier.as_uuid(), "2")).await;
    let state = product.state.unwrap();
    assert_eq!(state.title.as_str(), "Утюг");
    assert_eq!(state.price.get(), 150_050);
    assert_eq!(state.stock.get(), 12);
    assert_eq!(state.stock_by_warehouse["tmn"].get(), 11);
    assert_eq!(product_events(&db).await, 2);
}

#[tokio::test]
async fn a_wholesaler_set_imports_from_its_folder_and_reimports_as_nothing() {
    let (db, importer, _) = setup().await;
    let dir = tempdir();
    let write = |file: &str, text: &str| {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        std::fs::write(dir.join(file), bytes).unwrap();
    };
    write(
        "all_prod_info.csv",
        "global_id;model;name;category;brand\n1;W-1;Массажёр;Здоровье;Gess\n2;W-2;Грелка;Здоровье;Gess\n3;W-3;Без цены;Здоровье;Gess\n",
    );
    write("all_prod_prices.csv", "id товара;цена\n1;100\n2;200\n");
    write("all_prod_prices__.csv", "id товара;наличие\n1;5\n2;много\n");
    write("all_prod_d33_.csv", "1;<b>Тёплый</b>\n");
    let folder = format!("file://{}", dir.display());
    let supplier = supplier_of(
        &importer,
        "Wholesaler",
        FeedKind::WholesalerCsv,
        FeedEncoding::Auto,
        &folder,
    )
    .await;
    let run = importer.start(supplier, false, None, metadata()).await.unwrap();
    let counts = importer.run(&run, |_| {}).await.unwrap();
    assert_eq!((counts.seen, counts.created, counts.rejected), (3, 2, 1));
    let product = importer_product(&importer, ProductId::for_supplier_item(supplier.as_uuid(), "1")).await;
    let state = product.state.unwrap();
    assert_eq!(state.description.unwrap().as_str(), "Тёплый");
    assert_eq!(state.price.get(), 10_000);
    let before = product_events(&db).await;
    let run = importer.start(supplier, false, None, metadata()).await.unwrap();
    let again = importer.run(&run, |_| {}).await.unwrap();
    assert_eq!(again.unchanged, 2);
    assert_eq!(product_events(&db).await, before);
}

async fn assert_rejections_match(db: &TestDatabase, stats: &gomarket_infra::supplier::generate::FeedStats) {
    let reasons: Vec<(String, i64)> =
        sqlx::query_as("SELECT reason, count(*) FROM import_rejections GROUP BY reason ORDER BY reason")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let expected: Vec<(String, i64)> = stats.broken.iter().map(|(k, v)| ((*k).to_owned(), *v as i64)).collect();
    assert_eq!(reasons, expected);
}

#[tokio::test]
async fn generated_csv_feeds_import_with_exact_counts_and_every_broken_kind() {
    use gomarket_infra::supplier::generate_csv::{write_an_msc, write_wholesaler};
    // AN_MSC, windows-1251.
    let (db, importer, _) = setup().await;
    let mut spec = FeedSpec::new(1200, 9);
    spec.windows_1251 = true;
    let dir = tempdir();
    let file = dir.join("an_price_and_num_rrc.csv");
    let stats = write_an_msc(
        &spec,
        &mut std::io::BufWriter::new(std::fs::File::create(&file).unwrap()),
    )
    .unwrap();
    assert_eq!(
        stats.broken.len(),
        7,
        "every kind, bad stock included: {:?}",
        stats.broken
    );
    let an_msc = supplier_of(&importer, "AN", FeedKind::AnMscCsv, FeedEncoding::Auto, FEEDS).await;
    let (counts, status) = import(&importer, an_msc, &file, false).await;
    assert_eq!(status, ImportStatus::Completed);
    assert_eq!((counts.seen, counts.created), (1200, stats.valid as u64), "{counts:?}");
    assert_rejections_match(&db, &stats).await;
    let titles: Vec<String> = sqlx::query_scalar(
        "SELECT payload -> 'ProductImported' ->> 'title' FROM events WHERE event_type = 'ProductImported' LIMIT 5",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert!(
        titles.iter().all(|t| t.chars().any(|c| ('а'..='я').contains(&c))),
        "{titles:?}"
    );

    // Wholesaler, windows-1251, positional info file.
    let (db, importer, _) = setup().await;
    let folder = dir.join("wholesaler");
    std::fs::create_dir_all(&folder).unwrap();
    let stats = write_wholesaler(&spec, &folder).unwrap();
    assert_eq!(stats.broken.len(), 6, "{:?}", stats.broken);
    let wholesaler = supplier_of(
        &importer,
        "Wholesaler",
        FeedKind::WholesalerCsv,
        FeedEncoding::Windows1251,
        FEEDS,
    )
    .await;
    let (counts, status) = import(&importer, wholesaler, &folder, false).await;
    assert_eq!(status, ImportStatus::Completed);
    assert_eq!((counts.seen, counts.created), (1200, stats.valid as u64), "{counts:?}");
    assert_rejections_match(&db, &stats).await;
    let before = product_events(&db).await;
    let (again, _) = import(&importer, wholesaler, &folder, false).await;
    assert_eq!(again.unchanged, stats.valid as u64);
    assert_eq!(product_events(&db).await, before);
}

#[tokio::test]
async fn an_unchanged_inf_time_skips_the_download() {
    use gomarket_infra::supplier::generate_csv::write_an_msc;
    let (db, importer, _) = setup().await;
    let dir = tempdir();
    let file = dir.join("an_price_and_num_rrc.csv");
    let spec = FeedSpec::new(300, 4);
    write_an_msc(
        &spec,
        &mut std::io::BufWriter::new(std::fs::File::create(&file).unwrap()),
    )
    .unwrap();
    std::fs::write(dir.join("an_price_and_num_rrc.inf"), "24.11.26 10:15:00\n").unwrap();
    let supplier = supplier_of(&importer, "AN", FeedKind::AnMscCsv, FeedEncoding::Auto, FEEDS).await;
    let (first, _) = import(&importer, supplier, &file, false).await;
    assert_eq!(first.created, 294);

    // Same .inf time: not read at all (an unreadable feed proves it), nothing marked unavailable.
    std::fs::write(&file, "garbage that is not a feed").unwrap();
    let (skipped, status) = import(&importer, supplier, &file, false).await;
    assert_eq!(status, ImportStatus::Completed);
    assert_eq!(skipped, ImportCounts::default());

    // A newer time: read again (and the garbage fails the import).
    std::fs::write(dir.join("an_price_and_num_rrc.inf"), "25.11.26 08:00:00\n").unwrap();
    let (_, status) = import(&importer, supplier, &file, false).await;
    assert_eq!(status, ImportStatus::Failed);
    assert_eq!(product_events(&db).await, 294);
}
