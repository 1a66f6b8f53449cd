//! The sync roles: the scheduler (starts due runs) and the process manager that drives each
//! run (imports, plan, pushes, outcomes). Both run inside `serve` and in `gomarket scheduler`.

pub mod runner;
pub mod scheduler;

use crate::cli::SchedulerArgs;
use gomarket_infra::kafka::KafkaConfig;
use gomarket_infra::marketplaces::Marketplaces;
use gomarket_infra::shutdown::Shutdown;
use gomarket_infra::suppliers::import::Importer;
use gomarket_infra::sync::SyncService;
use gomarket_infra::telemetry::Metrics;
use runner::SyncRunner;
use scheduler::Scheduler;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// The bounded contexts whose events the process manager follows.
const RUNNER_CONTEXTS: &[&str] = &["sync", "marketplace", "other"];

/// Starts the scheduler and the sync process manager.
pub fn spawn_sync(
    pool: &PgPool,
    services: (Arc<SyncService>, Arc<Importer>, Arc<Marketplaces>),
    kafka: Option<&KafkaConfig>,
    args: &SchedulerArgs,
    metrics: &Metrics,
    shutdown: &Shutdown,
) -> anyhow::Result<Vec<JoinHandle<()>>> {
    let (sync, importer, marketplaces) = services;
    let interval = Duration::from_millis(args.scheduler_interval_ms.max(10));
    let scheduler = Scheduler::new(pool.clone(), sync.clone(), interval);
    let runner = SyncRunner::new(sync, importer, marketplaces);
    Ok(vec![
        tokio::spawn(scheduler.run(shutdown.clone())),
        crate::app::spawn_consumer(runner, RUNNER_CONTEXTS, pool, kafka, metrics, shutdown)?,
    ])
}
