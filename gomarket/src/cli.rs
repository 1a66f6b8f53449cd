//! The command line. Every option has an environment variable; `--help` lists both.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/gomarket";

#[derive(Debug, Parser)]
#[command(
    name = "gomarket",
    version,
    about = "GoMarket: supplier catalogs in, marketplace cards, prices and stocks out.",
    long_about = "GoMarket imports supplier catalogs, normalizes them into one product catalog and \
                  publishes cards, prices and stocks to marketplaces. Event-sourced: every change is \
                  an event in PostgreSQL; read models are projections served over GraphQL."
)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Log filter (tracing EnvFilter syntax), e.g. `info` or `gomarket=debug,sqlx=warn`.
    #[arg(long, env = "GOMARKET_LOG", default_value = "info,sqlx=warn", global = true)]
    pub log: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// PostgreSQL URL. Also read from GOMARKET_DATABASE_URL, then DATABASE_URL; default
    /// postgres://postgres@127.0.0.1:5432/gomarket. The database is created if missing.
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Largest number of PostgreSQL connections this process opens.
    #[arg(long, env = "GOMARKET_DB_MAX_CONNECTIONS", default_value_t = 16, global = true)]
    pub db_max_connections: u32,
}

impl DatabaseArgs {
    /// `--database-url`, else `GOMARKET_DATABASE_URL`, else `DATABASE_URL`, else the default.
    pub fn url(&self) -> String {
        self.database_url
            .clone()
            .or_else(|| std::env::var("GOMARKET_DATABASE_URL").ok().filter(|v| !v.is_empty()))
            .or_else(|| std::env::var("DATABASE_URL").ok().filter(|v| !v.is_empty()))
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every role in one process: GraphQL API (commands and queries) and projectors.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Run only the projectors (read-model builders), for scale-out.
    Projector,
    /// Print the GraphQL schema (SDL) and exit.
    Schema,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address the HTTP server listens on (`/graphql`, `/graphql/ws`, `/healthz`, `/readyz`, `/metrics`).
    #[arg(long, env = "GOMARKET_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Serve the GraphiQL IDE on GET /graphql (turn off in production).
    #[arg(long, env = "GOMARKET_GRAPHIQL", default_value_t = true, action = clap::ArgAction::Set)]
    pub graphiql: bool,

    /// Allow schema introspection (turn off in production).
    #[arg(long, env = "GOMARKET_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,

    /// Longest a query with `consistentWith` waits for the read model, in milliseconds (≤ 5000).
    #[arg(long, env = "GOMARKET_CONSISTENCY_TIMEOUT_MS", default_value_t = 5000,
          value_parser = clap::value_parser!(u64).range(1..=5000))]
    pub consistency_timeout_ms: u64,

    /// /readyz fails when a projection's oldest unapplied event is older than this, in seconds.
    #[arg(long, env = "GOMARKET_READY_MAX_LAG_SECONDS", default_value_t = 30)]
    pub ready_max_lag_seconds: u64,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "GOMARKET_MAX_BODY_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// GraphQL query depth limit.
    #[arg(long, env = "GOMARKET_GRAPHQL_MAX_DEPTH", default_value_t = 12)]
    pub graphql_max_depth: usize,

    /// GraphQL query complexity limit (one point per selected field).
    #[arg(long, env = "GOMARKET_GRAPHQL_MAX_COMPLEXITY", default_value_t = 1000)]
    pub graphql_max_complexity: usize,

    /// Run the projectors in this process (turn off when `gomarket projector` runs elsewhere).
    #[arg(long, env = "GOMARKET_RUN_PROJECTORS", default_value_t = true, action = clap::ArgAction::Set)]
    pub run_projectors: bool,
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".parse().expect("valid default address"),
            graphiql: true,
            introspection: true,
            consistency_timeout_ms: 5000,
            ready_max_lag_seconds: 30,
            max_body_bytes: 4 * 1024 * 1024,
            graphql_max_depth: 12,
            graphql_max_complexity: 1000,
            run_projectors: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_defaults_match_parsed_defaults() {
        let cli = Cli::try_parse_from(["gomarket", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("serve")
        };
        let defaults = ServeArgs::default();
        assert_eq!(args.listen, defaults.listen);
        assert_eq!(args.consistency_timeout_ms, defaults.consistency_timeout_ms);
        assert_eq!(args.max_body_bytes, defaults.max_body_bytes);
    }
}
