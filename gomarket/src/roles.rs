//! The background roles, wired: projectors, the relay, the sync run manager and scheduler,
//! the push worker — each spawned on its own task until shutdown, the same way inside
//! `gomarket serve` and in the one-role commands (`gomarket projector`, `relay`, `scheduler`,
//! `worker`), which [`run_role`] runs with their health endpoints.

use crate::app;
use crate::cli::{DrainArgs, ImportArgs, MarketplaceArgs, OpsArgs, RedisArgs, SchedulerArgs, SecurityArgs};
use crate::ops::OpsServer;
use crate::signals::{drain, shutdown_on_signal};
use anyhow::Context as _;
use gomarket_infra::event_store::EventFeed;
use gomarket_infra::kafka::{KafkaConfig, Relay, RelayHealth, SUPPLIER_CONTEXTS};
use gomarket_infra::marketplace::Marketplaces;
use gomarket_infra::shared_state::read_cache::ProgressPublisher;
use gomarket_infra::shutdown::Shutdown;
use gomarket_infra::supplier::import::Importer;
use gomarket_infra::sync::SyncService;
use gomarket_infra::telemetry::Metrics;
use gomarket_processes::alerting::AlertingProcess;
use gomarket_processes::push_worker::PushWorker;
use gomarket_processes::sales_ingest::SalesIngester;
use gomarket_processes::scheduler::Scheduler;
use gomarket_processes::sync_run::SyncRunManager;
use gomarket_processes::{Process, imports};
use gomarket_projections::alerts::AlertsProjection;
use gomarket_projections::catalog::ProductsProjection;
use gomarket_projections::kafka_feed::KafkaProjector;
use gomarket_projections::marketplace::ListingsProjection;
use gomarket_projections::rebuild::{RebuildProgress, RebuildReport, rebuild};
use gomarket_projections::sales::{SalesProjection, roll_windows};
use gomarket_projections::{EventConsumer, ProjectionRunner};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Every projection of the platform, by name.
pub const PROJECTIONS: &[&str] = &[
    ProductsProjection::NAME,
    ListingsProjection::NAME,
    SalesProjection::NAME,
    AlertsProjection::NAME,
];

/// How often the sales performance windows are checked for a new Moscow day.
const WINDOW_ROLL_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs a feed consumer (a projection, or a process manager) in-process or from Kafka, where
/// it reads the topics of `contexts`.
pub fn spawn_consumer<P: EventConsumer>(
    projection: P,
    contexts: &[&str],
    pool: &PgPool,
    kafka: Option<&KafkaConfig>,
    metrics: &Metrics,
    shutdown: &Shutdown,
) -> anyhow::Result<JoinHandle<()>> {
    spawn_publishing_consumer(projection, contexts, pool, kafka, metrics, None, shutdown)
}

/// [`spawn_consumer`], publishing its progress after every commit when `progress` is given.
fn spawn_publishing_consumer<P: EventConsumer>(
    projection: P,
    contexts: &[&str],
    pool: &PgPool,
    kafka: Option<&KafkaConfig>,
    metrics: &Metrics,
    progress: Option<&Arc<ProgressPublisher>>,
    shutdown: &Shutdown,
) -> anyhow::Result<JoinHandle<()>> {
    let feed = EventFeed::new(pool.clone());
    Ok(match kafka {
        None => {
            let runner = ProjectionRunner::new(projection, feed, metrics.clone());
            let runner = match progress {
                Some(progress) => runner.with_progress(progress.clone()),
                None => runner,
            };
            tokio::spawn(runner.run(shutdown.clone()))
        }
        Some(config) => {
            let name = projection.name();
            let projector = KafkaProjector::new(projection, feed, config, contexts, metrics.clone())
                .with_context(|| format!("joining the Kafka consumer group of projection {name}"))?;
            let projector = match progress {
                Some(progress) => projector.with_progress(progress.clone()),
                None => projector,
            };
            tokio::spawn(projector.run(shutdown.clone()))
        }
    })
}

/// Starts the projections named in `only` (all when `None`).
pub fn spawn_projectors(
    pool: &PgPool,
    kafka: Option<&KafkaConfig>,
    only: Option<&str>,
    metrics: &Metrics,
    shutdown: &Shutdown,
) -> anyhow::Result<Vec<JoinHandle<()>>> {
    spawn_projectors_publishing(pool, kafka, only, metrics, None, shutdown)
}

/// [`spawn_projectors`], each publishing its progress (the shared read cache's invalidation)
/// when `progress` is given.
pub fn spawn_projectors_publishing(
    pool: &PgPool,
    kafka: Option<&KafkaConfig>,
    only: Option<&str>,
    metrics: &Metrics,
    progress: Option<&Arc<ProgressPublisher>>,
    shutdown: &Shutdown,
) -> anyhow::Result<Vec<JoinHandle<()>>> {
    if let Some(name) = only.filter(|name| !PROJECTIONS.contains(name)) {
        anyhow::bail!("unknown projection {name:?}; known: {}", PROJECTIONS.join(", "));
    }
    let wanted = |name: &str| only.is_none_or(|only| only == name);
    if let Some(progress) = progress {
        // The read cache follows only projections whose projector publishes: these do.
        for name in PROJECTIONS.iter().filter(|name| wanted(name)) {
            progress.advanced(name);
        }
    }
    let mut tasks = Vec::new();
    if wanted(ProductsProjection::NAME) {
        tasks.push(spawn_publishing_consumer(
            ProductsProjection::default(),
            &["catalog"],
            pool,
            kafka,
            metrics,
            progress,
            shutdown,
        )?);
    }
    if wanted(ListingsProjection::NAME) {
        tasks.push(spawn_publishing_consumer(
            ListingsProjection::default(),
            &["marketplace"],
            pool,
            kafka,
            metrics,
            progress,
            shutdown,
        )?);
    }
    if wanted(SalesProjection::NAME) {
        tasks.push(spawn_publishing_consumer(
            SalesProjection::default(),
            &["sales"],
            pool,
            kafka,
            metrics,
            progress,
            shutdown,
        )?);
        tasks.push(tokio::spawn(roll_windows(
            pool.clone(),
            WINDOW_ROLL_EVERY,
            shutdown.clone(),
        )));
    }
    if wanted(AlertsProjection::NAME) {
        tasks.push(spawn_publishing_consumer(
            AlertsProjection::default(),
            &["sales"],
            pool,
            kafka,
            metrics,
            progress,
            shutdown,
        )?);
    }
    Ok(tasks)
}

/// Starts the outbox relay (it waits for leadership before publishing); it reports through
/// `health`.
pub fn spawn_relay(
    pool: &PgPool,
    kafka: &KafkaConfig,
    metrics: &Metrics,
    health: RelayHealth,
    shutdown: &Shutdown,
) -> anyhow::Result<JoinHandle<()>> {
    let relay = Relay::new(EventFeed::new(pool.clone()), kafka.clone(), metrics.clone())
        .context("creating the Kafka producer")?
        .with_health(health);
    Ok(tokio::spawn(relay.run(shutdown.clone())))
}

/// Rebuilds the named projection (see `gomarket replay`), printing progress to stderr.
pub async fn replay(pool: &PgPool, projection: &str) -> anyhow::Result<RebuildReport> {
    let feed = EventFeed::new(pool.clone());
    let metrics = Metrics::new();
    let mut last_shown = 0;
    let show = |progress: RebuildProgress| {
        if progress.applied >= last_shown + 10_000 || progress.applied >= progress.total_at_start {
            last_shown = progress.applied;
            eprintln!(
                "replay {projection}: {}/{} events",
                progress.applied, progress.total_at_start
            );
        }
    };
    match projection {
        ProductsProjection::NAME => Ok(rebuild(&ProductsProjection::default(), &feed, &metrics, show).await?),
        ListingsProjection::NAME => Ok(rebuild(&ListingsProjection::default(), &feed, &metrics, show).await?),
        SalesProjection::NAME => Ok(rebuild(&SalesProjection::default(), &feed, &metrics, show).await?),
        AlertsProjection::NAME => Ok(rebuild(&AlertsProjection::default(), &feed, &metrics, show).await?),
        other => anyhow::bail!("unknown projection {other:?}; known: {}", PROJECTIONS.join(", ")),
    }
}

/// Runs the marketplace push worker until `shutdown` (`gomarket worker`).
pub fn spawn_worker(marketplaces: Arc<Marketplaces>, args: &MarketplaceArgs, shutdown: &Shutdown) -> JoinHandle<()> {
    tokio::spawn(PushWorker::new(marketplaces, args.worker()).run(shutdown.clone()))
}

/// Runs the sales ingest until `shutdown` (`gomarket ingest`).
pub fn spawn_ingest(marketplaces: Arc<Marketplaces>, args: &MarketplaceArgs, shutdown: &Shutdown) -> JoinHandle<()> {
    tokio::spawn(SalesIngester::new(marketplaces, args.ingest()).run(shutdown.clone()))
}

/// The topics the sync run manager reads: its own context's, the marketplace's (listings) and
/// the suppliers' (imports).
fn sync_run_contexts() -> Vec<&'static str> {
    let mut contexts = vec!["sync", "marketplace"];
    contexts.extend_from_slice(SUPPLIER_CONTEXTS);
    contexts
}

/// The topics the alerting process reads: every context whose facts start or end an alert.
fn alerting_contexts() -> Vec<&'static str> {
    let mut contexts = vec!["sync", "marketplace", "sales"];
    contexts.extend_from_slice(SUPPLIER_CONTEXTS);
    contexts
}

/// Starts the scheduler, the sync run manager and the alerting process.
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
    let alerting = AlertingProcess::new(Arc::new(app::alert_service(pool, metrics)), sync.clone());
    let manager = Process(SyncRunManager::new(sync, importer, marketplaces));
    Ok(vec![
        tokio::spawn(scheduler.run(shutdown.clone())),
        spawn_consumer(manager, &sync_run_contexts(), pool, kafka, metrics, shutdown)?,
        spawn_consumer(alerting, &alerting_contexts(), pool, kafka, metrics, shutdown)?,
    ])
}

/// `gomarket projector`: the projections (or only `name`) until a signal.
pub async fn projector(
    url: &str,
    max_connections: u32,
    kafka: Option<KafkaConfig>,
    name: Option<String>,
    redis: &RedisArgs,
    ops: OpsArgs,
) -> anyhow::Result<()> {
    let pool = app::connect_and_migrate(url, max_connections).await?;
    let (metrics, shutdown) = (Metrics::new(), shutdown_on_signal());
    let ops = OpsServer::start(ops.ops_listen, &pool, &metrics, None, &shutdown).await?;
    let progress = redis.store(&metrics)?.map(ProgressPublisher::start);
    let tasks = spawn_projectors_publishing(
        &pool,
        kafka.as_ref(),
        name.as_deref(),
        &metrics,
        progress.as_ref(),
        &shutdown,
    )?;
    drain(tasks, ops).await
}

/// `gomarket relay`: the outbox relay (once it leads) until a signal.
pub async fn relay(url: &str, max_connections: u32, kafka: KafkaConfig, ops: OpsArgs) -> anyhow::Result<()> {
    let pool = app::connect_and_migrate(url, max_connections).await?;
    let (metrics, shutdown, health) = (Metrics::new(), shutdown_on_signal(), RelayHealth::default());
    let ops = OpsServer::start(ops.ops_listen, &pool, &metrics, Some(health.clone()), &shutdown).await?;
    let relay = spawn_relay(&pool, &kafka, &metrics, health, &shutdown)?;
    drain(vec![relay], ops).await
}

/// How a role that works on marketplace accounts is started.
type AccountRole = fn(Arc<Marketplaces>, &MarketplaceArgs, &Shutdown) -> JoinHandle<()>;

/// `gomarket worker` (the marketplace push worker, `spawn_worker`) or `gomarket ingest` (the
/// sales ingest, `spawn_ingest`) until a signal.
pub async fn account_role(
    url: &str,
    max_connections: u32,
    marketplace: MarketplaceArgs,
    security: SecurityArgs,
    ops: OpsArgs,
    spawn: AccountRole,
) -> anyhow::Result<()> {
    let pool = app::connect_and_migrate(url, max_connections).await?;
    let metrics = Metrics::new();
    let secrets = app::secret_store(&pool, &security).await?;
    let marketplaces = app::marketplaces(&pool, &metrics, secrets, &marketplace);
    let shutdown = shutdown_on_signal();
    let ops = OpsServer::start(ops.ops_listen, &pool, &metrics, None, &shutdown).await?;
    let role = spawn(Arc::new(marketplaces), &marketplace, &shutdown);
    drain(vec![role], ops).await
}

/// What the scheduler role's services are configured from.
#[derive(Debug)]
pub struct SchedulerServices {
    pub marketplace: MarketplaceArgs,
    pub import: ImportArgs,
    pub security: SecurityArgs,
}

/// `gomarket scheduler`: the scheduler and the sync run manager (whose runs' imports run
/// here, and may finish after the signal) until a signal.
pub async fn scheduler(
    url: &str,
    max_connections: u32,
    kafka: Option<KafkaConfig>,
    scheduler: SchedulerArgs,
    services: SchedulerServices,
    drain_args: DrainArgs,
    ops: OpsArgs,
) -> anyhow::Result<()> {
    let pool = app::connect_and_migrate(url, max_connections).await?;
    let metrics = Metrics::new();
    let secrets = app::secret_store(&pool, &services.security).await?;
    let importer = Arc::new(app::importer(&pool, &metrics, &services.import));
    let sync_services = (
        Arc::new(app::sync_service(&pool, &metrics)),
        importer.clone(),
        Arc::new(app::marketplaces(&pool, &metrics, secrets, &services.marketplace)),
    );
    let shutdown = shutdown_on_signal();
    let ops = OpsServer::start(ops.ops_listen, &pool, &metrics, None, &shutdown).await?;
    let mut tasks = spawn_sync(&pool, sync_services, kafka.as_ref(), &scheduler, &metrics, &shutdown)?;
    let mut stopped = shutdown.clone();
    tasks.push(tokio::spawn(async move {
        stopped.triggered().await;
        imports::wait_for_imports(&importer, drain_args.import_drain()).await;
    }));
    drain(tasks, ops).await
}
