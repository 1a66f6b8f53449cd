//! `gomarket`: the one binary. See `gomarket --help`.
#![forbid(unsafe_code)]

use anyhow::Context as _;
use clap::Parser;
use gomarket::app::{self, Application};
use gomarket::cli::{ApiSide, Cli, Command, SecretsCommand, ServeArgs, UserCommand};
use gomarket::ops::{self, OpsServer};
use gomarket_infra::kafka::RelayHealth;
use gomarket_infra::shutdown::{self, Shutdown, ShutdownTrigger};
use gomarket_infra::telemetry::Metrics;
use std::process::ExitCode;
use tokio::task::JoinHandle;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&cli.log).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line an operator can act on: the chain of causes, outermost first.
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = cli.database.url();
    let max_connections = cli.database.db_max_connections;
    let kafka = cli.kafka.config();
    match cli.command {
        Command::Schema => {
            print!("{}", gomarket::schema::sdl());
            Ok(())
        }
        Command::Migrate => {
            app::connect_and_migrate(&url, max_connections).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Serve(mut args) => {
            args.api.kafka = kafka;
            serve_side(args, &url, max_connections).await
        }
        Command::CommandApi(mut api) => {
            api.kafka = kafka;
            serve_side(ServeArgs::api_only(api, ApiSide::Commands), &url, max_connections).await
        }
        Command::QueryApi(mut api) => {
            api.kafka = kafka;
            serve_side(ServeArgs::api_only(api, ApiSide::Queries), &url, max_connections).await
        }
        Command::Gateway(args) => {
            let gateway = gomarket::gateway::Gateway::bind(&args).await?;
            gateway.run(shutdown_on_signal()).await
        }
        Command::Healthcheck { url } => {
            let url = match url {
                Some(url) => url,
                None => ops::default_health_url(
                    std::env::var("GOMARKET_OPS_LISTEN").ok().as_deref(),
                    std::env::var("GOMARKET_LISTEN").ok().as_deref(),
                )?,
            };
            ops::healthcheck(&url).await
        }
        Command::Replay { projection } => {
            let pool = app::connect_and_migrate(&url, max_connections).await?;
            let report = app::replay(&pool, &projection).await?;
            eprintln!(
                "replay {projection}: done, {} events applied, tables swapped",
                report.applied
            );
            Ok(())
        }
        Command::Projector { name, ops } => {
            let pool = app::connect_and_migrate(&url, max_connections).await?;
            let (metrics, shutdown) = (Metrics::new(), shutdown_on_signal());
            let ops = OpsServer::start(ops.ops_listen, &pool, &metrics, None, &shutdown).await?;
            let tasks = app::spawn_projectors(&pool, kafka.as_ref(), name.as_deref(), &metrics, &shutdown)?;
            drain(tasks, ops).await
        }
        Command::User(UserCommand::Create { email, roles }) => {
            let pool = app::connect_and_migrate(&url, max_connections).await?;
            app::create_user_offline(&pool, &email, roles).await
        }
        Command::Secrets(SecretsCommand::Rotate { security }) => {
            anyhow::ensure!(
                security.secret_key.as_deref().is_some_and(|k| !k.is_empty()),
                "set GOMARKET_SECRET_KEY to the new key and GOMARKET_SECRET_PREVIOUS_KEYS to the keys it replaces"
            );
            let pool = app::connect_and_migrate(&url, max_connections).await?;
            let store = app::secret_store(&pool, &security).await?;
            let rotated = store
                .rotate()
                .await
                .context("re-encrypting the secrets (is every key they use in GOMARKET_SECRET_PREVIOUS_KEYS?)")?;
            println!("re-encrypted {rotated} secret(s) under the active key");
            Ok(())
        }
        Command::Import {
            supplier,
            file,
            dry_run,
            limits,
        } => {
            let pool = app::connect_and_migrate(&url, max_connections).await?;
            gomarket::import_cli::import(&pool, &supplier, file, dry_run, &limits).await
        }
        Command::GenFeed {
            format,
            offers,
            seed,
            broken_every,
            windows_1251,
            output,
        } => {
            let mut spec = gomarket_infra::suppliers::generate::FeedSpec::new(offers, seed);
            spec.broken_every = (broken_every >= 2).then_some(broken_every);
            spec.windows_1251 = windows_1251;
            gomarket::import_cli::gen_feed(format, &spec, output.as_deref())
        }
        Command::Worker {
            marketplace,
            security,
            ops,
        } => {
            let pool = app::connect_and_migrate(&url, max_connections).await?;
            let metrics = Metrics::new();
            let secrets = app::secret_store(&pool, &security).await?;
            let marketplaces = app::marketplaces(&pool, &metrics, secrets, &marketplace);
            let shutdown = shutdown_on_signal();
            let ops = OpsServer::start(ops.ops_listen, &pool, &metrics, None, &shutdown).await?;
            let worker = app::spawn_worker(std::sync::Arc::new(marketplaces), &marketplace, &shutdown);
            drain(vec![worker], ops).await
        }
        Command::Scheduler {
            scheduler,
            marketplace,
            import,
            drain: drain_args,
            security,
            ops,
        } => {
            let pool = app::connect_and_migrate(&url, max_connections).await?;
            let metrics = Metrics::new();
            let secrets = app::secret_store(&pool, &security).await?;
            let importer = std::sync::Arc::new(app::importer(&pool, &metrics, &import));
            let services = (
                std::sync::Arc::new(app::sync_service(&pool, &metrics)),
                importer.clone(),
                std::sync::Arc::new(app::marketplaces(&pool, &metrics, secrets, &marketplace)),
            );
            let shutdown = shutdown_on_signal();
            let ops = OpsServer::start(ops.ops_listen, &pool, &metrics, None, &shutdown).await?;
            let mut tasks =
                gomarket::sync::spawn_sync(&pool, services, kafka.as_ref(), &scheduler, &metrics, &shutdown)?;
            // The sync runs' imports run here too: after the signal, let them finish.
            let mut stopped = shutdown.clone();
            tasks.push(tokio::spawn(async move {
                stopped.triggered().await;
                app::wait_for_imports(&importer, drain_args.import_drain()).await;
            }));
            drain(tasks, ops).await
        }
        Command::Relay { ops } => {
            let kafka = kafka.context("the relay needs Kafka: set GOMARKET_KAFKA_BROKERS")?;
            let pool = app::connect_and_migrate(&url, max_connections).await?;
            let (metrics, shutdown, health) = (Metrics::new(), shutdown_on_signal(), RelayHealth::default());
            let ops = OpsServer::start(ops.ops_listen, &pool, &metrics, Some(health.clone()), &shutdown).await?;
            let relay = app::spawn_relay(&pool, &kafka, &metrics, health, &shutdown)?;
            drain(vec![relay], ops).await
        }
    }
}

/// Serves the API (`serve`, `command-api`, `query-api`) until a signal, then drains.
async fn serve_side(args: ServeArgs, url: &str, max_connections: u32) -> anyhow::Result<()> {
    let application = Application::build(url, max_connections, &args).await?;
    application.run(shutdown_on_signal()).await
}

/// A shutdown signal that fires on Ctrl-C or SIGTERM.
fn shutdown_on_signal() -> Shutdown {
    let (trigger, shutdown) = shutdown::channel();
    tokio::spawn(stop_on_signal(trigger));
    shutdown
}

/// Waits for a background role's tasks to finish their work after the signal (a projector
/// commits its offsets, the relay its position), then takes its health endpoints down.
async fn drain(tasks: Vec<JoinHandle<()>>, ops: Option<OpsServer>) -> anyhow::Result<()> {
    let mut failed = None;
    for task in tasks {
        if let Err(error) = task.await {
            failed = Some(error);
        }
    }
    if let Some(ops) = ops {
        ops.stop();
    }
    match failed {
        Some(error) => Err(error.into()),
        None => {
            tracing::info!("stopped");
            Ok(())
        }
    }
}

/// Triggers shutdown on Ctrl-C or SIGTERM.
async fn stop_on_signal(trigger: ShutdownTrigger) {
    signal().await;
    tracing::info!("shutdown requested; draining (a second Ctrl-C or SIGTERM stops at once)");
    trigger.trigger();
    // Draining may wait for imports; whoever asks twice does not want to wait.
    signal().await;
    eprintln!("second signal: stopping now, without draining");
    std::process::exit(130);
}

/// The next Ctrl-C or SIGTERM.
async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
