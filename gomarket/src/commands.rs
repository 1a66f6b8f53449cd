//! Every command of the binary, dispatched: `main.rs` parses the command line and calls
//! [`run`]; the API commands build the [`Application`], the one-role commands start their
//! role ([`crate::roles`]), the rest are small offline tasks.

use crate::app::{self, Application};
use crate::cli::{ApiSide, Cli, Command, PersistedQueriesCommand, SecretsCommand, ServeArgs, UserCommand};
use crate::ops;
use crate::roles;
use crate::signals::shutdown_on_signal;
use anyhow::Context as _;
use gomarket_infra::database::private_unless_answering;

/// Runs the command `cli` names.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = cli.database.url();
    let max_connections = cli.database.db_max_connections;
    let kafka = cli.kafka.config();
    match cli.command {
        Command::Schema => {
            print!("{}", crate::schema::sdl());
            Ok(())
        }
        Command::Migrate => {
            app::connect_and_migrate(&url, max_connections).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Serve(mut args) => {
            args.api.kafka = kafka;
            let private = match cli.database.configured_url() {
                Some(_) => None,
                None => private_unless_answering(&url).await?,
            };
            let Some(cluster) = private else {
                return serve_side(args, &url, max_connections).await;
            };
            let served = serve_side(args, &cluster.url(), max_connections).await;
            // Stopped whatever happened, so the next `serve` finds a cleanly shut-down cluster.
            let stopped = cluster.stop().await;
            served?;
            Ok(stopped?)
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
            let gateway = crate::gateway::Gateway::bind(&args).await?;
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
            let report = roles::replay(&pool, &projection).await?;
            eprintln!(
                "replay {projection}: done, {} events applied, tables swapped",
                report.applied
            );
            Ok(())
        }
        Command::Projector { name, redis, ops } => {
            roles::projector(&url, max_connections, kafka, name, &redis, ops).await
        }
        Command::PersistedQueries(PersistedQueriesCommand::Register { files }) => {
            let pool = app::connect_and_migrate(&url, max_connections).await?;
            for file in files {
                let query = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
                let hash = app::register_persisted_query(&pool, &query).await?;
                println!("{hash}  {}", file.display());
            }
            Ok(())
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
            crate::import_cli::import(&pool, &supplier, file, dry_run, &limits).await
        }
        Command::GenFeed {
            format,
            offers,
            seed,
            broken_every,
            windows_1251,
            output,
        } => {
            let mut spec = gomarket_infra::supplier::generate::FeedSpec::new(offers, seed);
            spec.broken_every = (broken_every >= 2).then_some(broken_every);
            spec.windows_1251 = windows_1251;
            crate::import_cli::gen_feed(format, &spec, output.as_deref())
        }
        Command::Worker {
            marketplace,
            security,
            ops,
        } => roles::account_role(&url, max_connections, marketplace, security, ops, roles::spawn_worker).await,
        Command::Ingest {
            marketplace,
            security,
            ops,
        } => roles::account_role(&url, max_connections, marketplace, security, ops, roles::spawn_ingest).await,
        Command::Scheduler {
            scheduler,
            marketplace,
            import,
            drain,
            security,
            ops,
        } => {
            let services = roles::SchedulerServices {
                marketplace,
                import,
                security,
            };
            roles::scheduler(&url, max_connections, kafka, scheduler, services, drain, ops).await
        }
        Command::Relay { ops } => {
            let kafka = kafka.context("the relay needs Kafka: set GOMARKET_KAFKA_BROKERS")?;
            roles::relay(&url, max_connections, kafka, ops).await
        }
    }
}

/// Serves the API (`serve`, `command-api`, `query-api`) until a signal, then drains.
async fn serve_side(args: ServeArgs, url: &str, max_connections: u32) -> anyhow::Result<()> {
    let application = Application::build(url, max_connections, &args).await?;
    application.run(shutdown_on_signal()).await
}
