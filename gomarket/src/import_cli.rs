//! `gomarket import` and `gomarket gen-feed`.

use crate::app::importer;
use crate::cli::{FeedFormat, ImportArgs};
use anyhow::Context as _;
use gomarket_domain::supplier::{ImportCounts, SupplierId, SupplierName};
use gomarket_infra::event_store::EventMetadata;
use gomarket_infra::supplier::generate::{FeedSpec, FeedStats, write_yml};
use gomarket_infra::supplier::generate_csv::{write_an_msc, write_wholesaler};
use gomarket_infra::telemetry::Metrics;
use sqlx::PgPool;
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The supplier named or identified by `name_or_id`.
fn supplier_id(name_or_id: &str) -> anyhow::Result<SupplierId> {
    if let Ok(id) = SupplierId::parse(name_or_id) {
        return Ok(id);
    }
    let name = SupplierName::parse(name_or_id).map_err(|e| anyhow::anyhow!("--supplier {e}"))?;
    Ok(SupplierId::for_name(&name))
}

/// Imports a supplier's feed (or `file` instead), showing progress on stderr and a summary
/// on stdout; an error when the import fails.
pub async fn import(
    pool: &PgPool,
    supplier: &str,
    file: Option<PathBuf>,
    dry_run: bool,
    limits: &ImportArgs,
) -> anyhow::Result<()> {
    let importer = importer(pool, &Metrics::new(), limits);
    let id = supplier_id(supplier)?;
    let metadata = EventMetadata::new(uuid::Uuid::now_v7().to_string(), "system:cli", "StartImport");
    if let Some(file) = &file {
        anyhow::ensure!(file.exists(), "--file {}: no such file or folder", file.display());
    }
    let file = file.map(|f| std::fs::canonicalize(&f).unwrap_or(f));
    // A killed earlier run of this command would otherwise show as running forever.
    if let Err(error) = importer.fail_abandoned().await {
        tracing::warn!(%error, "checking for abandoned imports failed");
    }
    let run = importer
        .start(id, dry_run, file, metadata)
        .await
        .with_context(|| format!("cannot import supplier {supplier:?}"))?;
    let terminal = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut last_shown = Instant::now();
    let outcome = importer
        .run(&run, |counts| {
            if terminal {
                eprint!("\r{}", progress_line(counts, started.elapsed()));
            } else if last_shown.elapsed() >= Duration::from_secs(2) {
                last_shown = Instant::now();
                eprintln!("{}", progress_line(counts, started.elapsed()));
            }
        })
        .await;
    if terminal {
        eprintln!();
    }
    let state = importer
        .imports()
        .load(&run.import_id.to_string())
        .await?
        .state
        .context("the import vanished")?;
    print_summary(
        run.import_id,
        &format!("{:?}", state.status).to_uppercase(),
        &state.counts,
        dry_run,
    );
    outcome
        .map(drop)
        .map_err(|e| anyhow::anyhow!("import {} failed: {e}", run.import_id))
}

fn progress_line(c: &ImportCounts, elapsed: Duration) -> String {
    let rate = c.seen as f64 / elapsed.as_secs_f64().max(0.001);
    format!(
        "offers {:>9}  created {:>8}  updated {:>8}  unchanged {:>8}  rejected {:>6}  ({rate:.0}/s)",
        c.seen, c.created, c.updated, c.unchanged, c.rejected
    )
}

fn print_summary(import_id: uuid::Uuid, status: &str, c: &ImportCounts, dry_run: bool) {
    let mode = if dry_run { " (dry run: nothing written)" } else { "" };
    println!("import {import_id}: {status}{mode}");
    for (label, value) in [
        ("seen", c.seen),
        ("created", c.created),
        ("updated", c.updated),
        ("unchanged", c.unchanged),
        ("rejected", c.rejected),
        ("unavailable", c.unavailable),
    ] {
        println!("  {label:<12} {value:>10}");
    }
}

/// Writes a generated feed to `output` (stdout when `None`); a Wholesaler set goes into the
/// folder `output` (required), as its four files.
pub fn gen_feed(format: FeedFormat, spec: &FeedSpec, output: Option<&Path>) -> anyhow::Result<()> {
    let stats = match (format, output) {
        (FeedFormat::Wholesaler, Some(folder)) => {
            std::fs::create_dir_all(folder).with_context(|| format!("cannot create {}", folder.display()))?;
            write_wholesaler(spec, folder)?
        }
        (FeedFormat::Wholesaler, None) => anyhow::bail!("gen-feed --format wholesaler needs --output FOLDER"),
        (format, Some(path)) => {
            let file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            let stats = write_one(format, spec, &mut out)?;
            out.flush()?;
            stats
        }
        (format, None) => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let stats = write_one(format, spec, &mut out)?;
            out.flush()?;
            stats
        }
    };
    eprintln!(
        "gen-feed: {} offers written, {} valid, broken: {:?}",
        stats.written, stats.valid, stats.broken
    );
    Ok(())
}

fn write_one(format: FeedFormat, spec: &FeedSpec, out: &mut impl std::io::Write) -> std::io::Result<FeedStats> {
    match format {
        FeedFormat::AnMsc => write_an_msc(spec, out),
        _ => write_yml(spec, out),
    }
}
