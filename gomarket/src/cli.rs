//! The command line. Every option has an environment variable; `--help` lists both.

pub use crate::cli_marketplace::MarketplaceArgs;
pub use crate::cli_redis::RedisArgs;
pub use crate::cli_roles::{DrainArgs, GatewayArgs, OpsArgs};
pub use crate::cli_security::{EdgeArgs, ImportArgs, SecurityArgs};
use clap::{Args, Parser, Subcommand};
use gomarket_infra::kafka::{KafkaConfig, properties_from_env};
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

    #[command(flatten)]
    pub kafka: KafkaArgs,

    /// Log filter (tracing EnvFilter syntax), e.g. `info` or `gomarket=debug,sqlx=warn`.
    #[arg(long, env = "GOMARKET_LOG", default_value = "info,sqlx=warn", global = true)]
    pub log: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// PostgreSQL URL. Also read from GOMARKET_DATABASE_URL, then DATABASE_URL; default
    /// postgres://postgres@127.0.0.1:5432/gomarket. The database is created if missing. When
    /// none is given and nothing answers at the default, `serve` starts a private PostgreSQL
    /// from the system's binaries (GOMARKET_POSTGRES_DATA_DIR, GOMARKET_POSTGRES_BIN_DIR).
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Largest number of PostgreSQL connections this process opens.
    #[arg(long, env = "GOMARKET_DB_MAX_CONNECTIONS", default_value_t = 16, global = true)]
    pub db_max_connections: u32,
}

impl DatabaseArgs {
    /// `--database-url`, else `GOMARKET_DATABASE_URL`, else `DATABASE_URL`, else the default.
    pub fn url(&self) -> String {
        self.configured_url().unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
    }

    /// The URL the user gave, if any (never second-guessed: no private cluster replaces it).
    pub fn configured_url(&self) -> Option<String> {
        self.database_url
            .clone()
            .or_else(|| std::env::var("GOMARKET_DATABASE_URL").ok().filter(|v| !v.is_empty()))
            .or_else(|| std::env::var("DATABASE_URL").ok().filter(|v| !v.is_empty()))
    }
}

#[derive(Debug, Clone, Args)]
pub struct KafkaArgs {
    /// Kafka bootstrap servers (`host:port,...`). Unset: events flow to the projectors
    /// in-process. Set: the relay publishes them to Kafka and projectors consume from there.
    #[arg(long, env = "GOMARKET_KAFKA_BROKERS", global = true, value_name = "SERVERS")]
    pub kafka_brokers: Option<String>,

    /// Topic prefix: topics are `<prefix>.<context>.events`.
    #[arg(long, env = "GOMARKET_KAFKA_TOPIC_PREFIX", default_value = "gomarket", global = true)]
    pub kafka_topic_prefix: String,

    /// Partitions of the topics the relay creates.
    #[arg(long, env = "GOMARKET_KAFKA_PARTITIONS", default_value_t = 6, global = true)]
    pub kafka_partitions: i32,

    /// Replication factor of the topics the relay creates.
    #[arg(long, env = "GOMARKET_KAFKA_REPLICATION_FACTOR", default_value_t = 1, global = true)]
    pub kafka_replication_factor: i32,

    /// The broker implementation: `kafka` (Apache Kafka and alike) or `tansu` (the test
    /// broker, whose producer must send one record per batch).
    #[arg(long, env = "GOMARKET_KAFKA_BROKER_PROFILE", default_value = "kafka", global = true, value_parser = gomarket_infra::kafka::BrokerProfile::parse)]
    pub kafka_broker_profile: gomarket_infra::kafka::BrokerProfile,

    /// A librdkafka property `name=value` applied over the defaults (repeatable). Also read
    /// from GOMARKET_KAFKA_PROPERTY_<NAME> variables, `.` written as `_`
    /// (GOMARKET_KAFKA_PROPERTY_SESSION_TIMEOUT_MS=6000).
    #[arg(long = "kafka-property", value_name = "NAME=VALUE", global = true, value_parser = gomarket_infra::kafka::parse_property)]
    pub kafka_properties: Vec<(String, String)>,
}

impl KafkaArgs {
    /// The Kafka configuration, if brokers are configured.
    pub fn config(&self) -> Option<KafkaConfig> {
        let brokers = self.kafka_brokers.as_deref().map(str::trim).filter(|b| !b.is_empty())?;
        let mut config = KafkaConfig::new(brokers);
        config.topic_prefix = self.kafka_topic_prefix.clone();
        config.partitions = self.kafka_partitions;
        config.replication_factor = self.kafka_replication_factor;
        config.broker_profile = self.kafka_broker_profile;
        config.properties = properties_from_env(std::env::vars());
        config.properties.extend(self.kafka_properties.iter().cloned());
        Some(config)
    }
}

// Parsed once per process: the size of the serve variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every role in one process: GraphQL API (commands and queries) and projectors.
    Serve(ServeArgs),
    /// Run only the command side of the GraphQL API (mutations, and the imports they start),
    /// for scale-out behind `gomarket gateway`.
    CommandApi(ApiArgs),
    /// Run only the query side of the GraphQL API (queries, subscriptions), for scale-out
    /// behind `gomarket gateway`.
    QueryApi(ApiArgs),
    /// Run only the edge: one `/graphql` for clients, mutations sent to the command side,
    /// queries and subscriptions to the query side.
    Gateway(GatewayArgs),
    /// Exit 0 when this machine's GoMarket answers `/healthz` (a container health check).
    Healthcheck {
        /// The URL to check. Default: `/healthz` on GOMARKET_OPS_LISTEN, else GOMARKET_LISTEN,
        /// else 127.0.0.1:8080 (a wildcard address is asked on loopback).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Run only the projectors (read-model builders), for scale-out: in-process from the
    /// store, or as members of each projection's Kafka consumer group when Kafka is configured.
    Projector {
        /// Run only this projection (default: all).
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// With Redis, each commit moves the projection's generation (the read cache's
        /// invalidation).
        #[command(flatten)]
        redis: RedisArgs,
        #[command(flatten)]
        ops: OpsArgs,
    },
    /// Run only the outbox relay (store → Kafka); standbys wait for the active one's lock.
    Relay {
        #[command(flatten)]
        ops: OpsArgs,
    },
    /// Run only the marketplace push worker: uploads cards, pushes prices and stocks, follows
    /// their outcome. Several may run: each account is pushed by one at a time.
    Worker {
        #[command(flatten)]
        marketplace: MarketplaceArgs,
        #[command(flatten)]
        security: SecurityArgs,
        #[command(flatten)]
        ops: OpsArgs,
    },
    /// Run only the sales ingest: reads each Wildberries account's orders, sales, stocks and
    /// commission reports into facts. Several may run: each account is read by one at a time.
    Ingest {
        #[command(flatten)]
        marketplace: MarketplaceArgs,
        #[command(flatten)]
        security: SecurityArgs,
        #[command(flatten)]
        ops: OpsArgs,
    },
    /// Run only the sync scheduler (one leader across replicas; standbys take over within a
    /// tick) and the process manager that drives sync runs.
    Scheduler {
        #[command(flatten)]
        scheduler: SchedulerArgs,
        #[command(flatten)]
        marketplace: MarketplaceArgs,
        #[command(flatten)]
        import: ImportArgs,
        #[command(flatten)]
        drain: DrainArgs,
        #[command(flatten)]
        security: SecurityArgs,
        #[command(flatten)]
        ops: OpsArgs,
    },
    /// Rebuild a read model from the event store into fresh tables while the live ones keep
    /// serving, then swap them in atomically.
    Replay {
        /// The projection to rebuild (`products` or `listings`).
        #[arg(long, value_name = "NAME")]
        projection: String,
    },
    /// Print the GraphQL schema (SDL) and exit.
    Schema,
    /// Import a supplier's feed now (progress on stderr, a summary on stdout; exit 1 if the
    /// import fails).
    Import {
        /// The supplier's name or id.
        #[arg(long, value_name = "NAME_OR_ID")]
        supplier: String,
        /// Read this file (for the Wholesaler set: this folder) instead of the supplier's URL.
        #[arg(long, value_name = "PATH")]
        file: Option<std::path::PathBuf>,
        /// Report what would change without writing product events.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        limits: ImportArgs,
    },
    /// Write a generated supplier feed with Cyrillic text, HTML, variants and broken offers.
    GenFeed {
        /// Feed format.
        #[arg(long, value_enum)]
        format: FeedFormat,
        /// Number of offers.
        #[arg(long)]
        offers: usize,
        /// Seed: the same seed gives the same feed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Every n-th offer is broken (0: none).
        #[arg(long, default_value_t = 50)]
        broken_every: usize,
        /// Encode in windows-1251 instead of UTF-8.
        #[arg(long)]
        windows_1251: bool,
        /// Write here instead of stdout.
        #[arg(long, short, value_name = "PATH")]
        output: Option<std::path::PathBuf>,
    },
    /// Manage users offline, directly against the database.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the secrets store offline, directly against the database.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Manage the allow-list of GraphQL queries that GOMARKET_PERSISTED_QUERIES_ONLY=true runs.
    #[command(subcommand)]
    PersistedQueries(PersistedQueriesCommand),
}

#[derive(Debug, Subcommand)]
pub enum PersistedQueriesCommand {
    /// Register each file's text as one allowed query (the exact bytes a client sends: the
    /// hash covers every character). Prints each hash (the `sha256Hash` clients send).
    Register {
        /// Files holding one GraphQL document each.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<std::path::PathBuf>,
    },
}

/// Formats `gen-feed` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FeedFormat {
    Yml,
    Wholesaler,
    AnMsc,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from standard input when piped (first line), from
    /// GOMARKET_USER_PASSWORD, or generated and printed once.
    Create {
        /// The login (an e-mail address or a user name).
        #[arg(long)]
        email: String,
        /// A role (repeatable): admin, manager, operator, viewer.
        #[arg(long = "role", required = true, value_parser = parse_role)]
        roles: Vec<gomarket_domain::identity::Role>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Re-encrypt every stored secret under the active key (GOMARKET_SECRET_KEY), reading
    /// them with the previous keys (GOMARKET_SECRET_PREVIOUS_KEYS); afterwards the previous
    /// keys can be dropped. Prints how many secrets were re-encrypted.
    Rotate {
        #[command(flatten)]
        security: SecurityArgs,
    },
}

fn parse_role(raw: &str) -> Result<gomarket_domain::identity::Role, String> {
    use gomarket_domain::identity::Role;
    Role::ALL
        .into_iter()
        .find(|r| r.as_str().eq_ignore_ascii_case(raw.trim()))
        .ok_or_else(|| format!("unknown role {raw:?}; one of admin, manager, operator, viewer"))
}

/// Options of the GraphQL API roles (`serve`, `command-api`, `query-api`).
#[derive(Debug, Clone, Args)]
pub struct ApiArgs {
    /// Address the HTTP server listens on (`/graphql`, `/graphql/ws`, `/healthz`, `/readyz`,
    /// `/metrics`). Default: 127.0.0.1:8080 for `serve`, 127.0.0.1:8081 for `command-api`,
    /// 127.0.0.1:8082 for `query-api`, so the sides and `gateway` (8080) run side by side on
    /// one machine with no configuration.
    #[arg(long, env = "GOMARKET_LISTEN", value_name = "ADDRESS")]
    pub listen: Option<SocketAddr>,

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

    /// Batches of analytics events a process keeps for live `analyticsEvents` subscribers
    /// (each up to `GOMARKET_ANALYTICS_BATCH_EVENTS` events); a subscriber further behind is
    /// ended with `SUBSCRIBER_TOO_SLOW` and resumes from its cursor.
    #[arg(long, env = "GOMARKET_ANALYTICS_BUFFER_BATCHES", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub analytics_buffer_batches: u32,

    /// Events the analytics tail reads from the store at most per batch.
    #[arg(long, env = "GOMARKET_ANALYTICS_BATCH_EVENTS", default_value_t = 200,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub analytics_batch_events: u32,

    #[command(flatten)]
    pub security: SecurityArgs,

    #[command(flatten)]
    pub edge: EdgeArgs,

    #[command(flatten)]
    pub redis: RedisArgs,

    #[command(flatten)]
    pub import: ImportArgs,

    #[command(flatten)]
    pub marketplace: MarketplaceArgs,

    #[command(flatten)]
    pub drain: DrainArgs,

    /// Which side of the API this process is; set by the subcommand.
    #[arg(skip)]
    pub side: ApiSide,

    /// Filled from the global Kafka options.
    #[arg(skip)]
    pub kafka: Option<KafkaConfig>,
}

/// The part of the GraphQL API a process serves. Every side answers every operation (so a
/// client pointed at one directly still works); the gateway sends each operation to its side,
/// and the side is reported in the `GoMarket-Side` response header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ApiSide {
    /// `serve`: commands and queries in one process.
    #[default]
    Both,
    /// `command-api`: mutations; it also runs the imports they start.
    Commands,
    /// `query-api`: queries and subscriptions.
    Queries,
}

impl ApiSide {
    /// Where this side listens unless told otherwise (see [`ApiArgs::listen`]).
    pub fn default_listen(self) -> SocketAddr {
        let port = match self {
            Self::Both => 8080,
            Self::Commands => 8081,
            Self::Queries => 8082,
        };
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Both => "both",
            Self::Commands => "command",
            Self::Queries => "query",
        }
    }
}

/// `gomarket serve`: the API and, unless turned off, every background role.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub api: ApiArgs,

    /// Run the projectors in this process (turn off when `gomarket projector` runs elsewhere).
    #[arg(long, env = "GOMARKET_RUN_PROJECTORS", default_value_t = true, action = clap::ArgAction::Set)]
    pub run_projectors: bool,

    /// Run the Kafka relay in this process when Kafka is configured (turn off when
    /// `gomarket relay` runs elsewhere).
    #[arg(long, env = "GOMARKET_RUN_RELAY", default_value_t = true, action = clap::ArgAction::Set)]
    pub run_relay: bool,

    /// Run the marketplace push worker in this process (turn off when `gomarket worker`
    /// runs elsewhere).
    #[arg(long, env = "GOMARKET_RUN_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub run_worker: bool,

    /// Run the sales ingest in this process (turn off when `gomarket ingest` runs
    /// elsewhere).
    #[arg(long, env = "GOMARKET_RUN_INGEST", default_value_t = true, action = clap::ArgAction::Set)]
    pub run_ingest: bool,

    /// Run the sync scheduler and the sync runs' process manager in this process (turn off
    /// when `gomarket scheduler` runs elsewhere).
    #[arg(long, env = "GOMARKET_RUN_SCHEDULER", default_value_t = true, action = clap::ArgAction::Set)]
    pub run_scheduler: bool,

    #[command(flatten)]
    pub scheduler: SchedulerArgs,
}

impl ServeArgs {
    /// One side of the API alone (`command-api`, `query-api`): no background role runs in it.
    pub fn api_only(mut api: ApiArgs, side: ApiSide) -> Self {
        api.side = side;
        Self {
            api,
            run_projectors: false,
            run_relay: false,
            run_worker: false,
            run_ingest: false,
            run_scheduler: false,
            scheduler: SchedulerArgs::default(),
        }
    }
}

/// The sync scheduler's settings.
#[derive(Debug, Clone, Args)]
pub struct SchedulerArgs {
    /// How often the scheduler looks for due policies (and a standby for a dead leader).
    #[arg(long, env = "GOMARKET_SCHEDULER_INTERVAL_MS", default_value_t = 1000)]
    pub scheduler_interval_ms: u64,
}

impl Default for SchedulerArgs {
    fn default() -> Self {
        Self {
            scheduler_interval_ms: 1000,
        }
    }
}

impl ApiArgs {
    /// The address to listen on: the configured one, else the side's default.
    pub fn listen_address(&self) -> SocketAddr {
        self.listen.unwrap_or_else(|| self.side.default_listen())
    }
}

impl Default for ApiArgs {
    fn default() -> Self {
        Self {
            listen: None,
            graphiql: true,
            introspection: true,
            consistency_timeout_ms: 5000,
            ready_max_lag_seconds: 30,
            max_body_bytes: 4 * 1024 * 1024,
            graphql_max_depth: 12,
            graphql_max_complexity: 1000,
            analytics_buffer_batches: 256,
            analytics_batch_events: 200,
            security: SecurityArgs::default(),
            edge: EdgeArgs::default(),
            redis: RedisArgs::default(),
            import: ImportArgs::default(),
            marketplace: MarketplaceArgs::default(),
            drain: DrainArgs::default(),
            side: ApiSide::Both,
            kafka: None,
        }
    }
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            api: ApiArgs::default(),
            run_projectors: true,
            run_relay: true,
            run_worker: true,
            run_ingest: true,
            run_scheduler: true,
            scheduler: SchedulerArgs::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_gateways_defaults_reach_the_sides_defaults() {
        let Command::Gateway(gateway) = Cli::try_parse_from(["gomarket", "gateway"]).unwrap().command else {
            panic!("gateway")
        };
        let url = |side: ApiSide| format!("http://{}", side.default_listen());
        assert_eq!(gateway.command_api_url, url(ApiSide::Commands));
        assert_eq!(gateway.query_api_url, url(ApiSide::Queries));
        assert_eq!(gateway.listen, ApiSide::Both.default_listen());
    }

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn roles_parse_case_insensitively() {
        use gomarket_domain::identity::Role;
        assert_eq!(parse_role("Manager"), Ok(Role::Manager));
        assert!(parse_role("root").is_err());
        let cli = Cli::try_parse_from(["gomarket", "user", "create", "--email", "a@b.ru", "--role", "viewer"]).unwrap();
        assert!(matches!(cli.command, Command::User(UserCommand::Create { .. })));
    }

    #[test]
    fn serve_defaults_match_parsed_defaults() {
        let cli = Cli::try_parse_from(["gomarket", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("serve")
        };
        let (args, defaults) = (args.api, ApiArgs::default());
        assert_eq!(args.listen_address(), defaults.listen_address());
        assert_eq!(defaults.listen_address().to_string(), "127.0.0.1:8080");
        assert_eq!(args.consistency_timeout_ms, defaults.consistency_timeout_ms);
        assert_eq!(args.max_body_bytes, defaults.max_body_bytes);
        assert_eq!(
            args.security.access_token_ttl_seconds,
            defaults.security.access_token_ttl_seconds
        );
        assert_eq!(args.security.login_max_failures, defaults.security.login_max_failures);
        assert_eq!(args.edge.request_timeout_ms, defaults.edge.request_timeout_ms);
        assert_eq!(args.edge.rate_limit_burst, defaults.edge.rate_limit_burst);
    }
}
