//! Wiring: connect, migrate, build the schema and router, run the roles until shutdown.

use crate::MIGRATIONS;
use crate::cli::{ApiSide, ImportArgs, MarketplaceArgs, SecurityArgs, ServeArgs};
use crate::http::limits::ClassLimits;
use crate::http::{AppState, DatabaseGate, EdgeLimiter, EdgeSettings, RateLimiter, router};
use crate::keys;
use crate::roles::{spawn_ingest, spawn_projectors_publishing, spawn_relay, spawn_sync, spawn_worker};
use crate::schema::{self, SchemaLimits};
use anyhow::Context as _;
use gomarket_api_core::ApiSettings;
use gomarket_domain::catalog::{Product, ProductServices};
use gomarket_domain::clock::SystemClock;
use gomarket_domain::identity::{LoginName, Password, Role, UserId};
use gomarket_infra::alerting::AlertService;
use gomarket_infra::database::{self, PoolSettings};
use gomarket_infra::event_store::{CommandBus, CommandError, EventMetadata};
use gomarket_infra::identity::{IdentityService, IdentitySettings, LoginThrottleSettings, PasswordQueueSettings};
use gomarket_infra::kafka::RelayHealth;
use gomarket_infra::marketplace::Adapters;
use gomarket_infra::marketplace::Marketplaces;
use gomarket_infra::marketplace::ozon::{OzonAdapter, OzonClient};
use gomarket_infra::marketplace::wildberries::{RateLimits, WbClient, WildberriesAdapter};
use gomarket_infra::migrations;
use gomarket_infra::secrets::SecretStore;
use gomarket_infra::shared_state::SharedStore;
use gomarket_infra::shared_state::persisted_queries::PersistedQueries;
use gomarket_infra::shared_state::rate_limit::SharedRateLimit;
use gomarket_infra::shared_state::read_cache::{ProgressPublisher, ReadCache};
use gomarket_infra::shutdown::Shutdown;
use gomarket_infra::supplier::import::Importer;
use gomarket_infra::sync::SyncService;
use gomarket_infra::telemetry::Metrics;
use gomarket_processes::imports;
use gomarket_projections::analytics::TailSettings;
use gomarket_query_api::AnalyticsHub;
use sqlx::PgPool;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Connects (creating the database if missing) and applies pending migrations.
pub async fn connect_and_migrate(url: &str, max_connections: u32) -> anyhow::Result<PgPool> {
    let settings = PoolSettings {
        max_connections,
        ..PoolSettings::default()
    };
    let pool = database::connect(url, settings).await?;
    migrations::run(&pool, MIGRATIONS)
        .await
        .context("applying database migrations")?;
    Ok(pool)
}

/// The HTTP application with every role, bound and ready to run.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    pool: PgPool,
    metrics: Metrics,
    args: ServeArgs,
    relay_health: RelayHealth,
    importer: Arc<Importer>,
    marketplaces: Arc<Marketplaces>,
    sync: Arc<SyncService>,
    /// Redis, when configured.
    shared: Option<SharedStore>,
}

/// The secrets store over `pool`, with the keys of `security` (or the development key).
pub async fn secret_store(pool: &PgPool, security: &SecurityArgs) -> anyhow::Result<SecretStore> {
    Ok(SecretStore::new(pool.clone(), keys::secret_keys(security, pool).await?))
}

/// The marketplace service over `pool`: accounts, mappings, listings, and the marketplace
/// adapters (one set per process, so rate limits are shared by everything in it).
pub fn marketplaces(pool: &PgPool, metrics: &Metrics, secrets: SecretStore, args: &MarketplaceArgs) -> Marketplaces {
    let limits = RateLimits::with_divisor(args.wb_limits_divisor);
    let adapters = Adapters {
        wildberries: WildberriesAdapter::new(WbClient::new(args.endpoints(), limits.clone(), args.retry())),
        ozon: OzonAdapter::new(OzonClient::new(args.ozon_endpoint(), limits, args.retry())),
    };
    Marketplaces::new(pool.clone(), Arc::new(SystemClock), metrics.clone(), secrets, adapters)
}

/// Sync policies and runs over `pool`.
pub fn sync_service(pool: &PgPool, metrics: &Metrics) -> SyncService {
    SyncService::new(pool.clone(), Arc::new(SystemClock), metrics.clone())
}

/// Alerts and their rules over `pool`.
pub fn alert_service(pool: &PgPool, metrics: &Metrics) -> AlertService {
    AlertService::new(pool.clone(), Arc::new(SystemClock), metrics.clone())
}

/// The supplier importer over `pool`.
pub fn importer(pool: &PgPool, metrics: &Metrics, limits: &ImportArgs) -> Importer {
    Importer::new(pool.clone(), Arc::new(SystemClock), metrics.clone(), limits.settings())
}

/// The identity service over `pool`, with keys from `security` (or the development defaults).
pub async fn identity_service(
    pool: &PgPool,
    security: &SecurityArgs,
    metrics: &Metrics,
) -> anyhow::Result<IdentityService> {
    let settings = IdentitySettings {
        access_token_ttl: Duration::from_secs(security.access_token_ttl_seconds),
        refresh_token_ttl: Duration::from_secs(security.refresh_token_ttl_seconds),
        throttle: LoginThrottleSettings {
            max_account_failures: security.login_max_failures,
            max_address_failures: security.login_address_max_failures,
            window: Duration::from_secs(security.login_lockout_seconds),
        },
        password_queue: PasswordQueueSettings {
            workers: usize::from(security.password_workers),
            max_waiting: security.password_queue,
        },
    };
    let jwt = keys::jwt_keys(security, pool).await?;
    Ok(IdentityService::new(
        pool.clone(),
        jwt,
        settings,
        Arc::new(SystemClock),
        metrics.clone(),
    ))
}

/// `gomarket user create`: creates a user directly in the store (no server needed). The
/// password comes from GOMARKET_USER_PASSWORD, else the first line of piped standard input,
/// else it is generated and printed once.
pub async fn create_user_offline(pool: &PgPool, email: &str, roles: Vec<Role>) -> anyhow::Result<()> {
    use std::io::{BufRead as _, IsTerminal as _};
    let login = LoginName::parse(email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
    let supplied = match std::env::var("GOMARKET_USER_PASSWORD").ok().filter(|p| !p.is_empty()) {
        Some(password) => Some(password),
        None if !std::io::stdin().is_terminal() => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password from stdin")?;
            Some(line.trim_end_matches(['\r', '\n']).to_owned()).filter(|p| !p.is_empty())
        }
        None => None,
    };
    let generated = supplied.is_none();
    let password = match supplied {
        Some(raw) => Password::parse(&raw).map_err(|e| anyhow::anyhow!("password {e}"))?,
        None => gomarket_infra::identity::password::random_password(),
    };
    // Offline creation signs no tokens; the identity service needs keys only to exist.
    let identity = identity_service(pool, &SecurityArgs::default(), &Metrics::new()).await?;
    let metadata = EventMetadata::new(uuid::Uuid::now_v7().to_string(), "system:cli", "CreateUser");
    let id = UserId::for_login(&login);
    match identity
        .create_user(login.clone(), password.clone(), roles, &metadata)
        .await
    {
        Ok(_) => {
            println!("created user {login} ({id})");
            if generated {
                println!("password (shown only now): {}", password.expose());
            }
            Ok(())
        }
        Err(CommandError::Refused(refusal)) => anyhow::bail!("{refusal}"),
        Err(CommandError::Conflict) => anyhow::bail!("user {login} was created concurrently"),
        Err(CommandError::Store(e)) => Err(e.into()),
    }
}

/// `gomarket persisted-queries register`: adds `query` to the allow-list after checking it
/// parses; its hash.
pub async fn register_persisted_query(pool: &PgPool, query: &str) -> anyhow::Result<String> {
    anyhow::ensure!(
        query.len() <= gomarket_infra::shared_state::persisted_queries::MAX_QUERY_BYTES,
        "the query is longer than {} bytes",
        gomarket_infra::shared_state::persisted_queries::MAX_QUERY_BYTES
    );
    let document = async_graphql::parser::parse_query(query).context("not a GraphQL document")?;
    let name = match document.operations {
        async_graphql::parser::types::DocumentOperations::Single(_) => None,
        async_graphql::parser::types::DocumentOperations::Multiple(operations) => {
            operations.keys().next().map(|name| name.to_string())
        }
    };
    Ok(gomarket_infra::shared_state::persisted_queries::register(pool, query, name.as_deref()).await?)
}

/// First start: creates `admin` when no user exists, printing a generated password once.
async fn bootstrap_admin(identity: &IdentityService, security: &SecurityArgs) -> anyhow::Result<()> {
    let configured = security
        .admin_password
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(Password::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("GOMARKET_ADMIN_PASSWORD {e}"))?;
    let Some(created) = identity.bootstrap_admin(configured).await? else {
        return Ok(());
    };
    match created.generated_password {
        // Printed to the console, never to the log: log lines are shipped and kept.
        Some(password) => println!(
            "\n  GoMarket first start: created user `admin` with password\n\n      {}\n\n  It is shown only now. Log in with login(email: \"admin\", password: ...) and change it.\n",
            password.expose()
        ),
        None => tracing::info!("first start: created user `admin` with the password from GOMARKET_ADMIN_PASSWORD"),
    }
    Ok(())
}

impl Application {
    /// Connects, migrates, builds the schema and binds the listener (port 0 picks a free one).
    pub async fn build(database_url: &str, db_max_connections: u32, args: &ServeArgs) -> anyhow::Result<Self> {
        let pool = connect_and_migrate(database_url, db_max_connections).await?;
        let metrics = Metrics::new();
        let products = CommandBus::<Product>::new(
            pool.clone(),
            ProductServices {
                clock: Arc::new(SystemClock),
            },
            metrics.clone(),
        );
        let shared = args.api.redis.store(&metrics)?;
        let identity = identity_service(&pool, &args.api.security, &metrics).await?;
        let identity = Arc::new(match &shared {
            Some(store) => identity.with_shared_store(store.clone()),
            None => identity,
        });
        bootstrap_admin(&identity, &args.api.security).await?;
        let secrets = secret_store(&pool, &args.api.security).await?;
        let importer = Arc::new(importer(&pool, &metrics, &args.api.import));
        let marketplaces = Arc::new(marketplaces(&pool, &metrics, secrets.clone(), &args.api.marketplace));
        let sync = Arc::new(sync_service(&pool, &metrics));
        let schema = schema::builder(SchemaLimits {
            max_depth: args.api.graphql_max_depth,
            max_complexity: args.api.graphql_max_complexity,
            introspection: args.api.introspection,
            classes: {
                let security = &args.api.security;
                let password_checks = usize::from(security.password_workers) + security.password_queue;
                let shares = ClassLimits::for_pool(db_max_connections, password_checks);
                ClassLimits {
                    reads: args.api.edge.max_concurrent_reads.unwrap_or(shares.reads),
                    writes: args.api.edge.max_concurrent_writes.unwrap_or(shares.writes),
                    ..shares
                }
            },
        })
        .data(pool.clone())
        .data(Arc::new(products))
        .data(identity.clone())
        .data(secrets)
        .data(importer.registry())
        .data(importer.clone())
        .data(marketplaces.clone())
        .data(sync.clone())
        .data(Arc::new(alert_service(&pool, &metrics)))
        .data(Arc::new(AnalyticsHub::new(
            pool.clone(),
            TailSettings {
                buffered_batches: args.api.analytics_buffer_batches as usize,
                batch_events: i64::from(args.api.analytics_batch_events),
                ..TailSettings::default()
            },
        )))
        .data(ApiSettings {
            consistency_timeout: Duration::from_millis(args.api.consistency_timeout_ms),
        });
        let schema = match (&shared, args.api.redis.read_cache) {
            (Some(store), true) => schema.data(ReadCache::new(store.clone())),
            _ => schema,
        }
        .finish();
        let relay_health = RelayHealth::default();
        let edge = &args.api.edge;
        let state = AppState {
            schema,
            pool: pool.clone(),
            metrics: metrics.clone(),
            graphiql: args.api.graphiql,
            ready_max_lag: Duration::from_secs(args.api.ready_max_lag_seconds),
            kafka: args.api.kafka.is_some(),
            side: args.api.side,
            relay_health: relay_health.clone(),
            identity,
            edge: Arc::new(EdgeSettings {
                request_timeout: Duration::from_millis(edge.request_timeout_ms),
                trust_forwarded_for: edge.trust_forwarded_for,
                cors_origins: edge
                    .cors_origins
                    .as_deref()
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(str::to_owned)
                    .collect(),
                max_body_bytes: args.api.max_body_bytes,
                max_batch_size: usize::from(edge.graphql_max_batch),
                max_complexity: args.api.graphql_max_complexity,
                persisted_queries_only: edge.persisted_queries_only,
            }),
            address_limiter: Arc::new(EdgeLimiter::new(
                RateLimiter::new(edge.rate_limit_ip_per_second, edge.rate_limit_ip_burst),
                shared.clone().map(|store| {
                    SharedRateLimit::new(
                        store,
                        "address",
                        edge.rate_limit_ip_per_second,
                        edge.rate_limit_ip_burst,
                    )
                }),
            )),
            principal_limiter: Arc::new(EdgeLimiter::new(
                RateLimiter::new(edge.rate_limit_per_second, edge.rate_limit_burst),
                shared.clone().map(|store| {
                    SharedRateLimit::new(store, "principal", edge.rate_limit_per_second, edge.rate_limit_burst)
                }),
            )),
            database: Arc::new(DatabaseGate::new(pool.clone())),
            persisted: Arc::new(PersistedQueries::new(pool.clone(), shared.clone())),
            shared: shared.clone(),
        };
        let listen = args.api.listen_address();
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        Ok(Self {
            listener,
            router: router(state),
            pool,
            metrics,
            args: args.clone(),
            relay_health,
            importer,
            marketplaces,
            sync,
            shared,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The supplier importer this process runs imports with (benchmarks drive it directly).
    pub fn importer(&self) -> Arc<Importer> {
        self.importer.clone()
    }

    /// Serves until `shutdown`, then drains in-flight requests and stops the other roles.
    pub async fn run(self, shutdown: Shutdown) -> anyhow::Result<()> {
        let kafka = self.args.api.kafka.as_ref();
        let mut tasks = Vec::new();
        if self.args.run_projectors {
            let progress = self
                .shared
                .clone()
                .filter(|_| self.args.api.redis.read_cache)
                .map(ProgressPublisher::start);
            tasks.extend(spawn_projectors_publishing(
                &self.pool,
                kafka,
                None,
                &self.metrics,
                progress.as_ref(),
                &shutdown,
            )?);
        }
        if let (Some(kafka), true) = (kafka, self.args.run_relay) {
            tasks.push(spawn_relay(
                &self.pool,
                kafka,
                &self.metrics,
                self.relay_health.clone(),
                &shutdown,
            )?);
        }
        // Imports run where they are started: on the command side.
        if self.args.api.side != ApiSide::Queries {
            tasks.push(tokio::spawn(imports::sweep_abandoned(
                self.importer.clone(),
                imports::ABANDONED_IMPORT_SWEEP,
                shutdown.clone(),
            )));
        }
        if self.args.run_scheduler {
            let services = (self.sync.clone(), self.importer.clone(), self.marketplaces.clone());
            tasks.extend(spawn_sync(
                &self.pool,
                services,
                kafka,
                &self.args.scheduler,
                &self.metrics,
                &shutdown,
            )?);
        }
        if self.args.run_worker {
            tasks.push(spawn_worker(
                self.marketplaces.clone(),
                &self.args.api.marketplace,
                &shutdown,
            ));
        }
        if self.args.run_ingest {
            tasks.push(spawn_ingest(
                self.marketplaces.clone(),
                &self.args.api.marketplace,
                &shutdown,
            ));
        }
        let mut http_shutdown = shutdown.clone();
        tracing::info!(
            address = %self.local_addr(),
            side = self.args.api.side.as_str(),
            "serving GraphQL on http://{}/graphql",
            self.local_addr()
        );
        let served = axum::serve(
            self.listener,
            self.router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { http_shutdown.triggered().await })
        .await
        .context("HTTP server failed");
        imports::wait_for_imports(&self.importer, self.args.api.drain.import_drain()).await;
        for task in tasks {
            if let Err(error) = task.await {
                tracing::error!(%error, "background task ended abnormally");
            }
        }
        tracing::info!("stopped");
        served
    }
}
