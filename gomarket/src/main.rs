//! `gomarket`: the one binary. See `gomarket --help`.
#![forbid(unsafe_code)]

use anyhow::Context as _;
use clap::Parser;
use gomarket::app::{self, Application};
use gomarket::cli::{Cli, Command, UserCommand};
use gomarket_infra::secrets::SecretStore;
use gomarket_infra::shutdown::{self, ShutdownTrigger};
use gomarket_infra::telemetry::Metrics;
use std::process::ExitCode;
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
            args.kafka = kafka;
            let application = Application::build(&url, max_connections, &args).await?;
            let (trigger, shutdown) = shutdown::channel();
            tokio::spawn(stop_on_signal(trigger));
            application.run(shutdown).await
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
        Command::Projector { name } => {
            let pool = app::connect_and_migrate(&url, max_connections).await?;
            let (trigger, shutdown) = shutdown::channel();
            tokio::spawn(stop_on_signal(trigger));
            for task in app::spawn_projectors(&pool, kafka.as_ref(), name.as_deref(), &Metrics::new(), &shutdown)? {
                task.await?;
            }
            Ok(())
        }
        Command::User(UserCommand::Create { email, roles }) => {
            let pool = app::connect_and_migrate(&url, max_connections).await?;
            app::create_user_offline(&pool, &email, roles).await
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
        Command::Worker { marketplace, security } => {
            let pool = app::connect_and_migrate(&url, max_connections).await?;
            let secrets = SecretStore::new(pool.clone(), gomarket::keys::secret_keys(&security, &pool).await?);
            let marketplaces = app::marketplaces(&pool, &Metrics::new(), secrets, &marketplace);
            let (trigger, shutdown) = shutdown::channel();
            tokio::spawn(stop_on_signal(trigger));
            app::spawn_worker(std::sync::Arc::new(marketplaces), &marketplace, &shutdown).await?;
            Ok(())
        }
        Command::Scheduler {
            scheduler,
            marketplace,
            import,
            security,
        } => {
            let pool = app::connect_and_migrate(&url, max_connections).await?;
            let metrics = Metrics::new();
            let secrets = SecretStore::new(pool.clone(), gomarket::keys::secret_keys(&security, &pool).await?);
            let services = (
                std::sync::Arc::new(app::sync_service(&pool, &metrics)),
                std::sync::Arc::new(app::importer(&pool, &metrics, &import)),
                std::sync::Arc::new(app::marketplaces(&pool, &metrics, secrets, &marketplace)),
            );
            let (trigger, shutdown) = shutdown::channel();
            tokio::spawn(stop_on_signal(trigger));
            let tasks = gomarket::sync::spawn_sync(&pool, services, kafka.as_ref(), &scheduler, &metrics, &shutdown)?;
            for task in tasks {
                task.await?;
            }
            Ok(())
        }
        Command::Relay => {
            let kafka = kafka.context("the relay needs Kafka: set GOMARKET_KAFKA_BROKERS")?;
            let pool = app::connect_and_migrate(&url, max_connections).await?;
            let (trigger, shutdown) = shutdown::channel();
            tokio::spawn(stop_on_signal(trigger));
            app::spawn_relay(&pool, &kafka, &Metrics::new(), Default::default(), &shutdown)?.await?;
            Ok(())
        }
    }
}

/// Triggers shutdown on Ctrl-C or SIGTERM.
async fn stop_on_signal(trigger: ShutdownTrigger) {
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
    tracing::info!("shutdown requested; draining");
    trigger.trigger();
}
