//! GoMarket at a catalog's real size: loading it through the pipeline, and reading it.
//!
//!   cargo bench -p gomarket --bench scale                      # 100 000 offers
//!   cargo bench -p gomarket --bench scale -- --offers 1000000  # on demand
//!
//! (`scripts/bench` runs this and the peer comparison.) Needs PostgreSQL like the tests. The
//! catalog is kept in database `gomarket_bench_<offers>` and loaded again only with
//! `--reload` (or when missing): loading a million offers takes minutes.
//!
//! Prints, in the order of BENCHMARKS.md:
//! 1. the load: import with every consumer in-process (events committed, read models
//!    complete, peak RSS), the unchanged re-import, and the limit: `COPY` of the same rows;
//! 2. catalog reads from `--clients` clients for `--seconds` each: through HTTP and GraphQL,
//!    and the same SQL alone.

// The benchmark's parts live beside it in `benches/scale/` (a crate root's modules would
// otherwise be looked for in `benches/`).
#[path = "scale/cpu.rs"]
mod cpu;
#[path = "scale/http.rs"]
mod http;
#[path = "scale/load.rs"]
mod load;
#[path = "scale/queries.rs"]
mod queries;
#[path = "common/rss.rs"]
mod rss;
#[path = "scale/stats.rs"]
mod stats;
#[path = "scale/writes.rs"]
mod writes;

use clap::Parser;
use gomarket::app::Application;
use gomarket_infra::shutdown;
use sqlx::{Connection, Executor};
use std::time::Duration;

const PASSWORD: &str = "benchmark admin password";

#[derive(Debug, Parser)]
struct Args {
    /// Offers in the generated feed (about 2 % are broken and rejected).
    #[arg(long, env = "GOMARKET_BENCH_OFFERS", default_value_t = 100_000)]
    offers: usize,
    /// Load the catalog again even if the database has it.
    #[arg(long)]
    reload: bool,
    /// Seconds each read is measured for.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// PostGraphile over the same database (`scripts/bench` starts it): each read is also
    /// measured there.
    #[arg(long)]
    peer: Option<String>,
    /// Only the reads whose name contains this.
    #[arg(long)]
    only: Option<String>,
    /// Load (or reuse) the catalog, measure no reads.
    #[arg(long)]
    no_reads: bool,
    /// Measure no writes (they add products to the catalog).
    #[arg(long)]
    no_writes: bool,
    /// Ignored (cargo bench passes it).
    #[arg(long, hide = true)]
    bench: bool,
}

fn database_url(admin_url: &str, name: &str) -> String {
    let (server, _) = admin_url.rsplit_once('/').expect("a database URL names a database");
    format!("{server}/{name}")
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let admin_url = gomarket_testkit::admin_url();
    let name = format!("gomarket_bench_{}", args.offers);
    let url = database_url(&admin_url, &name);

    if args.reload || !load::loaded(&url, args.offers).await {
        let report = load::load(&admin_url, &url, &name, args.offers, PASSWORD).await;
        println!("## Load: {} offers, {} products created", report.offers, report.created);
        println!("| measurement | result |\n|---|---|");
        println!(
            "| cold import, events committed | {:.1} s ({:.0} products/s) |",
            report.committed.as_secs_f64(),
            report.created as f64 / report.committed.as_secs_f64()
        );
        println!(
            "| consumers behind when the import committed | {} events |",
            report.behind_at_commit
        );
        println!(
            "| cold import until every read model is complete | {:.1} s ({:.2}× the commit) |",
            report.complete.as_secs_f64(),
            report.complete.as_secs_f64() / report.committed.as_secs_f64()
        );
        println!(
            "| `COPY` of the same {} rows into the products table (the limit) | {:.1} s |",
            report.copied_rows,
            report.copy.as_secs_f64()
        );
        println!(
            "| import end to end ÷ `COPY` | **{:.2}** |",
            report.complete.as_secs_f64() / report.copy.as_secs_f64()
        );
        println!(
            "| unchanged re-import | {:.1} s, {} events |",
            report.reimport.as_secs_f64(),
            report.reimport_events
        );
        println!("| peak RSS of the process | {:.0} MiB |", report.peak_rss_mib);
    }

    let seconds = Duration::from_secs(args.seconds);
    if !args.no_reads {
        let (app, stop) = serve(&url).await;
        let products: i64 = sqlx::query_scalar("SELECT count(*) FROM products")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        reads(&args, &app.pool, &app.endpoint, products, seconds).await;
        stop.await;
    }
    if !args.no_writes {
        // On a store of their own: writes must not change the catalog the reads measure.
        let name = "gomarket_bench_writes";
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
        admin
            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await
            .unwrap();
        let url = database_url(&admin_url, name);
        let (app, stop) = serve(&url).await;
        measure_writes(&args, &app.pool, &url, &app.endpoint, seconds).await;
        stop.await;
    }
}

/// A running `serve` on database `url`.
struct Served {
    pool: sqlx::PgPool,
    endpoint: String,
}

async fn serve(url: &str) -> (Served, impl std::future::Future<Output = ()>) {
    let app = Application::build(url, 20, &load::serve_args(PASSWORD)).await.unwrap();
    let served = Served {
        pool: app.pool().clone(),
        endpoint: format!("http://{}/graphql", app.local_addr()),
    };
    let (stop, signal) = shutdown::channel();
    let server = tokio::spawn(app.run(signal));
    (served, async move {
        stop.trigger();
        server.await.unwrap().unwrap();
    })
}

async fn measure_writes(args: &Args, pool: &sqlx::PgPool, url: &str, endpoint: &str, seconds: Duration) {
    let token = login(endpoint).await;
    let before = cpu::CpuSample::now();
    let (created, ids) = writes::creates(endpoint, &token, args.clients, seconds).await;
    // The projector's work for a write is part of its cost: counted, not left to the next run.
    writes::caught_up(pool).await;
    let after_creates = cpu::CpuSample::now();
    // After the creates: the raw inserts write the same events' payloads.
    let raw = writes::raw_insert_pace(pool, url, args.clients, seconds).await;
    let after_raw = cpu::CpuSample::now();
    let repriced = writes::reprices(endpoint, &token, &ids, args.clients, seconds).await;
    writes::caught_up(pool).await;
    let after_reprices = cpu::CpuSample::now();
    println!("\n## Writes: {} clients, {} s each\n", args.clients, args.seconds);
    println!(
        "| measurement | per second | p50 | p99 | ÷ raw insert pace | PostgreSQL CPU per write | this process's CPU per write (server and clients) |\n|---|---|---|---|---|---|---|"
    );
    let per_write = |spent: Duration, count: f64| format!("{:.3} ms", spent.as_secs_f64() * 1000.0 / count);
    let raw_cpu = after_raw.since(after_creates);
    let raw_count = raw.tps * raw.seconds;
    println!(
        "| raw single-row inserts into a copy of `events` (pgbench) | {:.0} | | | 1.00 | {} | (pgbench: a process of its own) |",
        raw.tps,
        per_write(raw_cpu.postgres, raw_count)
    );
    for (name, run, spent) in [
        ("`createProduct` over HTTP", &created, after_creates.since(before)),
        (
            "`changeProductPrice` over HTTP",
            &repriced,
            after_reprices.since(after_raw),
        ),
    ] {
        let count = run.latencies.0.len() as f64;
        println!(
            "| {name} | {:.0} | {:.1} ms | {:.1} ms | **{:.2}** | {} | {} |",
            run.per_second,
            run.latencies.quantile_ms(0.5),
            run.latencies.quantile_ms(0.99),
            run.per_second / raw.tps,
            per_write(spent.postgres, count),
            per_write(spent.this_process, count)
        );
    }
    println!("\n| steady rate | achieved | lag p50 | lag p99 | lag max |\n|---|---|---|---|---|");
    for rate in [200, 500] {
        let (achieved, lag) = writes::lag_at(pool, endpoint, &token, rate, Duration::from_secs(10)).await;
        println!(
            "| {rate} creates/s, 10 s | {achieved:.0}/s | {:.1} ms | **{:.1} ms** | {:.1} ms |",
            lag.quantile_ms(0.5),
            lag.quantile_ms(0.99),
            lag.quantile_ms(1.0)
        );
    }
}

async fn reads(args: &Args, pool: &sqlx::PgPool, endpoint: &str, products: i64, seconds: Duration) {
    let peer = args.peer.as_deref();
    let cases = queries::cases(pool, products, peer).await;
    println!(
        "\n## Reads: {products} products, {} clients, {} s each\n",
        args.clients, args.seconds
    );
    println!(
        "| query | API p50 | API p99 | SQL alone p50 | SQL alone p99 | PostGraphile p50 | PostGraphile p99 | API ÷ SQL (p99) | API ÷ PostGraphile (p99) |\n|---|---|---|---|---|---|---|---|---|"
    );
    for case in cases
        .iter()
        .filter(|c| args.only.as_deref().is_none_or(|only| c.name.contains(only)))
    {
        let token = login(endpoint).await;
        let api = queries::through_api(endpoint, &token, case, args.clients, seconds).await;
        let sql = queries::sql_alone(pool, case, args.clients, seconds).await;
        let other = match peer {
            Some(url) => queries::through_peer(url, case, args.clients, seconds).await,
            None => None,
        };
        let (peer_p50, peer_p99, ratio) = match &other {
            Some(l) => (
                format!("{:.1} ms", l.quantile_ms(0.5)),
                format!("{:.1} ms", l.quantile_ms(0.99)),
                format!("{:.3}", api.quantile_ms(0.99) / l.quantile_ms(0.99)),
            ),
            None => ("–".into(), "–".into(), "–".into()),
        };
        println!(
            "| {} | {:.1} ms | **{:.1} ms** | {:.1} ms | {:.1} ms | {peer_p50} | {peer_p99} | {:.2} | {ratio} |",
            case.name,
            api.quantile_ms(0.5),
            api.quantile_ms(0.99),
            sql.quantile_ms(0.5),
            sql.quantile_ms(0.99),
            api.quantile_ms(0.99) / sql.quantile_ms(0.99)
        );
        eprintln!("  {}: API {} | SQL {}", case.name, api.summary(), sql.summary());
    }
}

async fn login(endpoint: &str) -> String {
    http::login(endpoint, PASSWORD).await
}
