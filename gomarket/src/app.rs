//! Wiring: connect, migrate, build the schema and router, run the roles until shutdown.

use crate::MIGRATIONS;
use crate::cli::ServeArgs;
use crate::http::{AppState, router};
use crate::schema::{self, SchemaLimits};
use anyhow::Context as _;
use gomarket_domain::catalog::{Product, ProductServices};
use gomarket_domain::clock::SystemClock;
use gomarket_infra::database::{self, PoolSettings};
use gomarket_infra::event_store::{CommandBus, EventFeed};
use gomarket_infra::migrations;
use gomarket_infra::shutdown::Shutdown;
use gomarket_infra::telemetry::Metrics;
use gomarket_projections::ProjectionRunner;
use gomarket_projections::catalog::ProductsProjection;
use gomarket_query_api::ApiSettings;
use sqlx::PgPool;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

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

/// Starts every projector on the in-process feed; each stops on `shutdown`.
pub fn spawn_projectors(pool: &PgPool, metrics: &Metrics, shutdown: &Shutdown) -> Vec<JoinHandle<()>> {
    let feed = EventFeed::new(pool.clone());
    vec![tokio::spawn(
        ProjectionRunner::new(ProductsProjection, feed, metrics.clone()).run(shutdown.clone()),
    )]
}

/// The HTTP application with every role, bound and ready to run.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    pool: PgPool,
    metrics: Metrics,
    run_projectors: bool,
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
        let schema = schema::builder(SchemaLimits {
            max_depth: args.graphql_max_depth,
            max_complexity: args.graphql_max_complexity,
            introspection: args.introspection,
        })
        .data(pool.clone())
        .data(Arc::new(products))
        .data(ApiSettings {
            consistency_timeout: Duration::from_millis(args.consistency_timeout_ms),
        })
        .finish();
        let state = AppState {
            schema,
            pool: pool.clone(),
            metrics: metrics.clone(),
            graphiql: args.graphiql,
            ready_max_lag: Duration::from_secs(args.ready_max_lag_seconds),
        };
        let listener = TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        Ok(Self {
            listener,
            router: router(state, args.max_body_bytes),
            pool,
            metrics,
            run_projectors: args.run_projectors,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Serves until `shutdown`, then drains in-flight requests and stops the projectors.
    pub async fn run(self, shutdown: Shutdown) -> anyhow::Result<()> {
        let projectors = if self.run_projectors {
            spawn_projectors(&self.pool, &self.metrics, &shutdown)
        } else {
            Vec::new()
        };
        let mut http_shutdown = shutdown.clone();
        tracing::info!(address = %self.local_addr(), "serving GraphQL on http://{}/graphql", self.local_addr());
        let served = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(async move { http_shutdown.triggered().await })
            .await
            .context("HTTP server failed");
        for projector in projectors {
            if let Err(error) = projector.await {
                tracing::error!(%error, "projector task ended abnormally");
            }
        }
        tracing::info!("stopped");
        served
    }
}
