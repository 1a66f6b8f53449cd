//! Options of authentication, secrets and the HTTP edge (part of `serve`).

use clap::Args;
use gomarket_infra::supplier::import::feed_policy::FeedPolicy;

/// Keys and token lifetimes. Secret values are never shown in `--help`.
#[derive(Debug, Clone, Args)]
pub struct SecurityArgs {
    /// Key that signs access tokens (HS256): at least 32 bytes, as text or `base64:<...>`.
    /// Unset: a key generated once and kept in the database (development only).
    #[arg(long, env = "GOMARKET_JWT_SECRET", hide_env_values = true, value_name = "KEY")]
    pub jwt_secret: Option<String>,

    /// Earlier signing keys still accepted while their tokens live (comma-separated), for
    /// rotation: move the old key here when setting a new GOMARKET_JWT_SECRET.
    #[arg(
        long,
        env = "GOMARKET_JWT_PREVIOUS_SECRETS",
        hide_env_values = true,
        value_name = "KEYS"
    )]
    pub jwt_previous_secrets: Option<String>,

    /// AES-256 key of the secrets store: base64 of 32 bytes. Unset: a key generated once and
    /// kept in the database (development only).
    #[arg(long, env = "GOMARKET_SECRET_KEY", hide_env_values = true, value_name = "BASE64")]
    pub secret_key: Option<String>,

    /// Earlier secrets-store keys that still decrypt (comma-separated base64), for rotation.
    #[arg(
        long,
        env = "GOMARKET_SECRET_PREVIOUS_KEYS",
        hide_env_values = true,
        value_name = "KEYS"
    )]
    pub secret_previous_keys: Option<String>,

    /// Password of the `admin` user created on the very first start (when no user exists).
    /// Unset: a random one is printed once to the console.
    #[arg(
        long,
        env = "GOMARKET_ADMIN_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD"
    )]
    pub admin_password: Option<String>,

    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "GOMARKET_ACCESS_TOKEN_TTL_SECONDS", default_value_t = 900)]
    pub access_token_ttl_seconds: u64,

    /// Lifetime of refresh tokens, in seconds.
    #[arg(long, env = "GOMARKET_REFRESH_TOKEN_TTL_SECONDS", default_value_t = 30 * 24 * 3600)]
    pub refresh_token_ttl_seconds: u64,

    /// Failed logins of one account, within the lockout window, before it is locked.
    #[arg(long, env = "GOMARKET_LOGIN_MAX_FAILURES", default_value_t = 5)]
    pub login_max_failures: i32,

    /// Failed logins from one client address, within the lockout window, before it is locked.
    #[arg(long, env = "GOMARKET_LOGIN_ADDRESS_MAX_FAILURES", default_value_t = 50)]
    pub login_address_max_failures: i32,

    /// Window of failed-login counting and length of a lock, in seconds.
    #[arg(long, env = "GOMARKET_LOGIN_LOCKOUT_SECONDS", default_value_t = 300)]
    pub login_lockout_seconds: u64,

    /// Password hashes and checks (Argon2, 19 MiB each) computed at once; more wait in line.
    #[arg(long, env = "GOMARKET_PASSWORD_WORKERS", default_value_t = 2,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub password_workers: u16,

    /// Password checks waiting for a worker before further logins are refused (`RATE_LIMITED`).
    #[arg(long, env = "GOMARKET_PASSWORD_QUEUE", default_value_t = 16)]
    pub password_queue: usize,
}

impl Default for SecurityArgs {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            jwt_previous_secrets: None,
            secret_key: None,
            secret_previous_keys: None,
            admin_password: None,
            access_token_ttl_seconds: 900,
            refresh_token_ttl_seconds: 30 * 24 * 3600,
            login_max_failures: 5,
            login_address_max_failures: 50,
            login_lockout_seconds: 300,
            password_workers: 2,
            password_queue: 16,
        }
    }
}

/// Limits of the HTTP edge.
#[derive(Debug, Clone, Args)]
pub struct EdgeArgs {
    /// Origins allowed to call the API from a browser (comma-separated, e.g.
    /// `https://admin.example.ru`). Unset: no cross-origin access.
    #[arg(long, env = "GOMARKET_CORS_ORIGINS", value_name = "ORIGINS")]
    pub cors_origins: Option<String>,

    /// Longest time one GraphQL request may take, in milliseconds.
    #[arg(long, env = "GOMARKET_REQUEST_TIMEOUT_MS", default_value_t = 30_000)]
    pub request_timeout_ms: u64,

    /// Sustained GraphQL requests per second per authenticated principal.
    #[arg(long, env = "GOMARKET_RATE_LIMIT_PER_SECOND", default_value_t = 50.0)]
    pub rate_limit_per_second: f64,

    /// Burst of GraphQL requests per principal above the sustained rate.
    #[arg(long, env = "GOMARKET_RATE_LIMIT_BURST", default_value_t = 200.0)]
    pub rate_limit_burst: f64,

    /// Sustained GraphQL requests per second per client address.
    #[arg(long, env = "GOMARKET_RATE_LIMIT_IP_PER_SECOND", default_value_t = 100.0)]
    pub rate_limit_ip_per_second: f64,

    /// Burst of GraphQL requests per client address.
    #[arg(long, env = "GOMARKET_RATE_LIMIT_IP_BURST", default_value_t = 400.0)]
    pub rate_limit_ip_burst: f64,

    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    #[arg(long, env = "GOMARKET_TRUST_FORWARDED_FOR", default_value_t = false, action = clap::ArgAction::Set)]
    pub trust_forwarded_for: bool,

    /// Most operations in one batched GraphQL request (a JSON array body).
    #[arg(long, env = "GOMARKET_GRAPHQL_MAX_BATCH", default_value_t = 10,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub graphql_max_batch: u16,

    /// Queries running at once (the rest wait their turn). Default: half the database pool.
    #[arg(long, env = "GOMARKET_MAX_CONCURRENT_READS", value_name = "N")]
    pub max_concurrent_reads: Option<usize>,

    /// Mutations running at once (the rest wait their turn). Default: a quarter of the pool.
    #[arg(long, env = "GOMARKET_MAX_CONCURRENT_WRITES", value_name = "N")]
    pub max_concurrent_writes: Option<usize>,

    /// Run only registered query texts (`gomarket persisted-queries register`), sent by hash
    /// or in full: every other query is refused with `PERSISTED_QUERY_NOT_IN_LIST`. For
    /// production, where the clients are known.
    #[arg(long, env = "GOMARKET_PERSISTED_QUERIES_ONLY", default_value_t = false, action = clap::ArgAction::Set)]
    pub persisted_queries_only: bool,
}

impl Default for EdgeArgs {
    fn default() -> Self {
        Self {
            cors_origins: None,
            request_timeout_ms: 30_000,
            rate_limit_per_second: 50.0,
            rate_limit_burst: 200.0,
            rate_limit_ip_per_second: 100.0,
            rate_limit_ip_burst: 400.0,
            trust_forwarded_for: false,
            graphql_max_batch: 10,
            max_concurrent_reads: None,
            max_concurrent_writes: None,
            persisted_queries_only: false,
        }
    }
}

/// Limits of supplier imports.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// Largest feed download accepted, in bytes; a larger feed fails its import.
    #[arg(long, env = "GOMARKET_FEED_MAX_BYTES", default_value_t = 2 * 1024 * 1024 * 1024)]
    pub feed_max_bytes: u64,

    /// Offers applied per database transaction.
    #[arg(long, env = "GOMARKET_IMPORT_BATCH_SIZE", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub import_batch_size: u64,

    /// The folder `file://` supplier feeds may be read from (symlinks resolved). Unset: no
    /// `file://` feed over the API (`gomarket import --file` reads any file).
    #[arg(long, env = "GOMARKET_FEED_DIR", value_name = "DIR")]
    pub feed_dir: Option<std::path::PathBuf>,

    /// Let feeds be fetched from loopback, private and link-local addresses (development only:
    /// otherwise a supplier URL could probe the server's own network).
    #[arg(long, env = "GOMARKET_FEED_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub feed_allow_private: bool,
}

impl Default for ImportArgs {
    fn default() -> Self {
        Self {
            feed_max_bytes: 2 * 1024 * 1024 * 1024,
            import_batch_size: 1000,
            feed_dir: None,
            feed_allow_private: false,
        }
    }
}

impl ImportArgs {
    pub fn settings(&self) -> gomarket_infra::supplier::import::ImporterSettings {
        use gomarket_infra::supplier::import::ImporterSettings;
        let defaults = ImporterSettings::default();
        ImporterSettings {
            batch_size: usize::try_from(self.import_batch_size).unwrap_or(1000),
            fetch: gomarket_infra::supplier::import::source::FetchSettings {
                max_bytes: self.feed_max_bytes,
                policy: FeedPolicy {
                    feed_dir: self.feed_dir.clone(),
                    allow_private: self.feed_allow_private,
                    any_file: false,
                },
                ..defaults.fetch
            },
        }
    }
}
