//! Command-line settings of the marketplace side: the Wildberries and Ozon API base URLs,
//! their retries, and the push worker.

use gomarket_infra::marketplace::ozon::OzonEndpoint;
use gomarket_infra::marketplace::wildberries::WbEndpoints;
use gomarket_processes::push_worker::WorkerSettings;
use gomarket_processes::sales_ingest::IngestSettings;
use std::time::Duration;

#[derive(Debug, Clone, clap::Args)]
pub struct MarketplaceArgs {
    /// Wildberries Content API base URL (sandbox hosts, a mock or a test server work too).
    #[arg(
        long,
        env = "GOMARKET_WB_CONTENT_URL",
        default_value = "https://content-api.wildberries.ru"
    )]
    pub wb_content_url: String,
    /// Wildberries Prices and Discounts API base URL.
    #[arg(
        long,
        env = "GOMARKET_WB_PRICES_URL",
        default_value = "https://discounts-prices-api.wildberries.ru"
    )]
    pub wb_prices_url: String,
    /// Wildberries Marketplace API (stocks, warehouses) base URL.
    #[arg(
        long,
        env = "GOMARKET_WB_MARKETPLACE_URL",
        default_value = "https://marketplace-api.wildberries.ru"
    )]
    pub wb_marketplace_url: String,
    /// Wildberries common API (token check `/ping`) base URL.
    #[arg(
        long,
        env = "GOMARKET_WB_COMMON_URL",
        default_value = "https://common-api.wildberries.ru"
    )]
    pub wb_common_url: String,
    /// Wildberries statistics API (orders, sales, stocks reports) base URL.
    #[arg(
        long,
        env = "GOMARKET_WB_STATISTICS_URL",
        default_value = "https://statistics-api.wildberries.ru"
    )]
    pub wb_statistics_url: String,
    /// Wildberries analytics API (stock history) base URL.
    #[arg(
        long,
        env = "GOMARKET_WB_ANALYTICS_URL",
        default_value = "https://seller-analytics-api.wildberries.ru"
    )]
    pub wb_analytics_url: String,
    /// Wildberries tariffs API (commission by subject) base URL.
    #[arg(
        long,
        env = "GOMARKET_WB_TARIFFS_URL",
        default_value = "https://common-api.wildberries.ru"
    )]
    pub wb_tariffs_url: String,
    /// Ozon Seller API base URL (a mock or a test server works too).
    #[arg(long, env = "GOMARKET_OZON_URL", default_value = "https://api-seller.ozon.ru")]
    pub ozon_url: String,
    /// Pause between the push worker's rounds.
    #[arg(long, env = "GOMARKET_WORKER_INTERVAL_MS", default_value_t = 5000,
          value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub worker_interval_ms: u64,
    /// An uploaded card neither created nor failed after this long is looked up and uploaded
    /// again.
    #[arg(long, env = "GOMARKET_WB_CARD_TIMEOUT_SECONDS", default_value_t = 3600)]
    pub card_timeout_seconds: u64,
    /// Attempts of a marketplace request (Wildberries or Ozon) answered 5xx or timing out.
    #[arg(long, env = "GOMARKET_WB_ATTEMPTS", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..=20))]
    pub wb_attempts: u32,
    /// First backoff after a 5xx or timeout (doubles, jittered, up to 30 s).
    #[arg(long, env = "GOMARKET_WB_BACKOFF_MS", default_value_t = 500)]
    pub wb_backoff_ms: u64,
    /// A push that still did not reach Wildberries after those attempts waits this long before
    /// the worker tries it again; the wait doubles per failed push (jittered, up to 30 min).
    #[arg(long, env = "GOMARKET_WB_RETRY_BASE_MS", default_value_t = 30_000)]
    pub wb_retry_base_ms: u64,
    /// Tests only: every Wildberries rate limit's interval divided by this (1 in production).
    #[arg(long, env = "GOMARKET_WB_LIMITS_DIVISOR", default_value_t = 1, hide = true,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub wb_limits_divisor: u32,
    /// Pause between the sales ingest's rounds (each reads at most one page of each report
    /// whose turn has come under Wildberries' limits).
    #[arg(long, env = "GOMARKET_INGEST_INTERVAL_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub ingest_interval_ms: u64,
    /// How far back the first read of an account's reports goes (Wildberries keeps 90 days).
    #[arg(long, env = "GOMARKET_INGEST_BACKFILL_DAYS", default_value_t = 90,
          value_parser = clap::value_parser!(u32).range(1..=90))]
    pub ingest_backfill_days: u32,
    /// Once a report is read to its end, the next read starts this long before the last
    /// change seen, so rows Wildberries adds late are not missed.
    #[arg(long, env = "GOMARKET_INGEST_OVERLAP_MINUTES", default_value_t = 120,
          value_parser = clap::value_parser!(u32).range(0..=10_080))]
    pub ingest_overlap_minutes: u32,
}

impl Default for MarketplaceArgs {
    fn default() -> Self {
        let endpoints = WbEndpoints::default();
        Self {
            wb_content_url: endpoints.content,
            wb_prices_url: endpoints.prices,
            wb_marketplace_url: endpoints.marketplace,
            wb_common_url: endpoints.common,
            wb_statistics_url: endpoints.statistics,
            wb_analytics_url: endpoints.analytics,
            wb_tariffs_url: endpoints.tariffs,
            ozon_url: OzonEndpoint::default().0,
            worker_interval_ms: 5000,
            card_timeout_seconds: 3600,
            wb_attempts: 5,
            wb_backoff_ms: 500,
            wb_retry_base_ms: 30_000,
            wb_limits_divisor: 1,
            ingest_interval_ms: 10_000,
            ingest_backfill_days: 90,
            ingest_overlap_minutes: 120,
        }
    }
}

impl MarketplaceArgs {
    pub fn endpoints(&self) -> WbEndpoints {
        WbEndpoints {
            content: self.wb_content_url.clone(),
            prices: self.wb_prices_url.clone(),
            marketplace: self.wb_marketplace_url.clone(),
            common: self.wb_common_url.clone(),
            statistics: self.wb_statistics_url.clone(),
            analytics: self.wb_analytics_url.clone(),
            tariffs: self.wb_tariffs_url.clone(),
        }
    }

    pub fn ozon_endpoint(&self) -> OzonEndpoint {
        OzonEndpoint(self.ozon_url.clone())
    }

    pub fn retry(&self) -> gomarket_infra::marketplace::wildberries::RetryPolicy {
        gomarket_infra::marketplace::wildberries::RetryPolicy {
            attempts: self.wb_attempts,
            first_backoff: Duration::from_millis(self.wb_backoff_ms),
            ..Default::default()
        }
    }

    pub fn ingest(&self) -> IngestSettings {
        IngestSettings {
            interval: Duration::from_millis(self.ingest_interval_ms),
            backfill: chrono::Duration::days(self.ingest_backfill_days.into()),
            overlap: chrono::Duration::minutes(self.ingest_overlap_minutes.into()),
            ..IngestSettings::default()
        }
    }

    pub fn worker(&self) -> WorkerSettings {
        WorkerSettings {
            interval: Duration::from_millis(self.worker_interval_ms),
            card_timeout: Duration::from_secs(self.card_timeout_seconds),
            retry_base: Duration::from_millis(self.wb_retry_base_ms),
            ..WorkerSettings::default()
        }
    }
}
