//! The process's analytics tail, started by the first subscriber: a process nobody
//! subscribes to never follows the store for it.

use gomarket_projections::analytics::{AnalyticsTail, TailSettings};
use sqlx::PgPool;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// Shared by every subscription of the process (schema data).
#[derive(Debug)]
pub struct AnalyticsHub {
    pool: PgPool,
    settings: TailSettings,
    tail: OnceCell<Arc<AnalyticsTail>>,
}

impl AnalyticsHub {
    pub fn new(pool: PgPool, settings: TailSettings) -> Self {
        Self {
            pool,
            settings,
            tail: OnceCell::new(),
        }
    }

    /// The tail, started on first use.
    pub async fn tail(&self) -> Result<Arc<AnalyticsTail>, sqlx::Error> {
        self.tail
            .get_or_try_init(|| AnalyticsTail::start(self.pool.clone(), self.settings))
            .await
            .cloned()
    }
}
