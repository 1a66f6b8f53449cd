//! Loading the benchmark catalog through the real pipeline, measured: a generated YML feed
//! imported by `serve`'s importer while its consumers (products, listings, the sync runner)
//! build their read models in the same process, then the same feed again (unchanged), then
//! the limit: a `COPY` of the same rows into a fresh copy of the `products` table, with its
//! search trigger and every index.

use crate::rss::peak_rss_mib;
use futures::StreamExt;
use gomarket::app::Application;
use gomarket::cli::ServeArgs;
use gomarket::roles::PROJECTIONS;
use gomarket_infra::event_store::{EventFeed, EventMetadata};
use gomarket_infra::shutdown;
use gomarket_infra::supplier::generate::{FeedSpec, write_yml};
use gomarket_processes::ProcessManager as _;
use gomarket_processes::sync_run::SyncRunManager;
use gomarket_projections::measure_lag;
use gomarket_testkit::fixtures::register_file_supplier;
use sqlx::{Connection, Executor, PgConnection, PgPool};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

/// What loading measured.
#[derive(Debug)]
pub struct LoadReport {
    pub offers: usize,
    pub created: u64,
    /// The import's events committed.
    pub committed: Duration,
    /// Every consumer has applied every event.
    pub complete: Duration,
    /// Consumer lag when the import had committed, and how long the rest took.
    pub behind_at_commit: i64,
    pub reimport: Duration,
    pub reimport_events: u64,
    pub copy: Duration,
    pub copied_rows: u64,
    pub peak_rss_mib: f64,
}

/// The feed of `offers` offers in `target/bench`, generated once.
pub fn feed(offers: usize) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("feed-{offers}.yml"));
    if !path.exists() {
        let partial = path.with_extension("partial");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&partial).unwrap());
        write_yml(&FeedSpec::new(offers, 1), &mut out).unwrap();
        drop(out);
        std::fs::rename(&partial, &path).unwrap();
    }
    path
}

pub fn serve_args(password: &str) -> ServeArgs {
    let mut args = ServeArgs::default();
    args.api.listen = Some("127.0.0.1:0".parse().unwrap());
    args.api.security.admin_password = Some(password.to_owned());
    args.api.edge.rate_limit_ip_per_second = 1e9;
    args.api.edge.rate_limit_ip_burst = 1e9;
    args.api.edge.rate_limit_per_second = 1e9;
    args.api.edge.rate_limit_burst = 1e9;
    args.run_worker = false;
    args
}

/// The URL of database `gomarket_bench_<offers>` on the tests' server, the catalog loaded
/// into it first when it is not there yet (the benchmarks that read it share one copy).
// `scale` itself loads with `--reload` and does not call this.
#[allow(dead_code)]
pub async fn catalog(offers: usize, password: &str) -> String {
    let admin_url = gomarket_testkit::admin_url();
    let name = format!("gomarket_bench_{offers}");
    let (server, _) = admin_url.rsplit_once('/').unwrap();
    let url = format!("{server}/{name}");
    if !loaded(&url, offers).await {
        eprintln!("loading {offers} offers into {name} (as benches/scale does)");
        load(&admin_url, &url, &name, offers, password).await;
    }
    url
}

/// Whether database `url` already holds a loaded catalog of `offers` offers.
pub async fn loaded(url: &str, offers: usize) -> bool {
    let Ok(mut connection) = PgConnection::connect(url).await else {
        return false;
    };
    sqlx::query_scalar::<_, i64>("SELECT offers FROM bench_loaded")
        .fetch_optional(&mut connection)
        .await
        .ok()
        .flatten()
        == Some(offers as i64)
}

/// Recreates database `name` on the server of `admin_url` and loads `offers` offers into it.
pub async fn load(admin_url: &str, url: &str, name: &str, offers: usize, password: &str) -> LoadReport {
    let feed = feed(offers);
    let mut admin = PgConnection::connect(admin_url).await.unwrap();
    admin
        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await
        .unwrap();
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();

    let app = Application::build(url, 20, &serve_args(password)).await.unwrap();
    let pool = app.pool().clone();
    let importer = app.importer();
    let (stop, signal) = shutdown::channel();
    let server = tokio::spawn(app.run(signal));

    let supplier = register_file_supplier(&importer.registry(), "Bench").await;
    let metadata = EventMetadata::new("bench", "system:bench", "StartImport");
    wait_caught_up(&pool).await;

    let started = Instant::now();
    let run = importer
        .start(supplier, false, Some(feed.clone()), metadata.clone())
        .await
        .unwrap();
    let counts = importer.run(&run, |_| {}).await.unwrap();
    let committed = started.elapsed();
    let behind_at_commit = behind(&pool).await;
    eprintln!(
        "load: {} created, events committed after {:.1} s, consumers {behind_at_commit} events behind",
        counts.created,
        committed.as_secs_f64()
    );
    wait_caught_up(&pool).await;
    let complete = started.elapsed();
    eprintln!("load: every read model complete after {:.1} s", complete.as_secs_f64());

    let started = Instant::now();
    let run = importer.start(supplier, false, Some(feed), metadata).await.unwrap();
    let again = importer.run(&run, |_| {}).await.unwrap();
    let reimport = started.elapsed();
    let peak_rss_mib = peak_rss_mib();
    wait_caught_up(&pool).await;
    stop.trigger();
    server.await.unwrap().unwrap();

    let (copy, copied_rows) = copy_baseline(&pool).await;
    pool.execute(format!("CREATE TABLE bench_loaded AS SELECT {offers}::bigint AS offers").as_str())
        .await
        .unwrap();
    pool.execute("VACUUM ANALYZE").await.unwrap();
    LoadReport {
        offers,
        created: counts.created,
        committed,
        complete,
        behind_at_commit,
        reimport,
        reimport_events: again.created + again.updated,
        copy,
        copied_rows,
        peak_rss_mib,
    }
}

fn consumers() -> Vec<&'static str> {
    let mut names = PROJECTIONS.to_vec();
    names.push(SyncRunManager::NAME);
    names
}

async fn behind(pool: &PgPool) -> i64 {
    let feed = EventFeed::new(pool.clone());
    let mut most = 0;
    for name in consumers() {
        most = most.max(measure_lag(&feed, name).await.unwrap().events);
    }
    most
}

/// Waits until every consumer has applied every event. It looks five times a second: each look
/// asks every consumer's lag, work taken from the two cores the read models are built on.
async fn wait_caught_up(pool: &PgPool) {
    while behind(pool).await > 0 {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The columns a product row is written with (the search vector comes from the trigger).
const COLUMNS: &str = "id, sku, title, brand, description, category, barcodes, price_kopecks, stock, status, version, \
                       created_at, updated_at, supplier_id, supplier_sku, stock_by_warehouse, available, content";

/// `COPY` of every product row into a fresh `products_copy` (same columns, indexes and search
/// trigger): the time the read model alone takes to write, read from a file written first.
async fn copy_baseline(pool: &PgPool) -> (Duration, u64) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench/products.copy");
    let mut connection = pool.acquire().await.unwrap();
    let mut out = tokio::fs::File::create(&file).await.unwrap();
    let mut stream = connection
        .copy_out_raw(&format!(
            "COPY (SELECT {COLUMNS} FROM products) TO STDOUT (FORMAT binary)"
        ))
        .await
        .unwrap();
    while let Some(chunk) = stream.next().await {
        out.write_all(&chunk.unwrap()).await.unwrap();
    }
    drop(stream);
    out.flush().await.unwrap();
    for statement in [
        "DROP TABLE IF EXISTS products_copy",
        "CREATE TABLE products_copy (LIKE products INCLUDING ALL)",
        "CREATE TRIGGER products_copy_search BEFORE INSERT ON products_copy
             FOR EACH ROW EXECUTE FUNCTION products_search_vector()",
        "CHECKPOINT",
    ] {
        connection.execute(statement).await.unwrap();
    }
    let started = Instant::now();
    let mut copy_in = connection
        .copy_in_raw(&format!("COPY products_copy ({COLUMNS}) FROM STDIN (FORMAT binary)"))
        .await
        .unwrap();
    let reader = tokio::io::BufReader::with_capacity(1 << 20, tokio::fs::File::open(&file).await.unwrap());
    copy_in.read_from(reader).await.unwrap();
    let rows = copy_in.finish().await.unwrap();
    let elapsed = started.elapsed();
    connection.execute("DROP TABLE products_copy").await.unwrap();
    let _ = std::fs::remove_file(file);
    (elapsed, rows)
}
