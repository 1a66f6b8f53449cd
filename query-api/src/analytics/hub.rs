//! The process's analytics tail, started by the first subscriber: a process nobody
//! subscribes to never follows the store for it.

use chrono::NaiveDate;
use gomarket_projections::analytics::{AnalyticsTail, TailSettings};
use gomarket_projections::sales::kpi::{KpiTile, kpi_tile};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;
use uuid::Uuid;

/// A KPI tile younger than this is served again instead of read again.
const TILE_FRESH: Duration = Duration::from_secs(1);

/// Tiles read lately, by (account, period, day).
type TileCache = HashMap<(Uuid, i16, NaiveDate), (Instant, Arc<KpiTile>)>;

/// Shared by every subscription of the process (schema data).
pub struct AnalyticsHub {
    pool: PgPool,
    settings: TailSettings,
    tail: OnceCell<Arc<AnalyticsTail>>,
    tiles: Mutex<TileCache>,
}

impl std::fmt::Debug for AnalyticsHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnalyticsHub").finish_non_exhaustive()
    }
}

impl AnalyticsHub {
    pub fn new(pool: PgPool, settings: TailSettings) -> Self {
        Self {
            pool,
            settings,
            tail: OnceCell::new(),
            tiles: Mutex::new(HashMap::new()),
        }
    }

    /// The KPI tile of an account and period: read at most once a second for all the
    /// process's subscribers.
    pub async fn kpi(&self, account: Uuid, period_days: i16, today: NaiveDate) -> Result<Arc<KpiTile>, sqlx::Error> {
        let key = (account, period_days, today);
        if let Some((at, tile)) = self.tiles.lock().unwrap_or_else(|e| e.into_inner()).get(&key)
            && at.elapsed() < TILE_FRESH
        {
            return Ok(tile.clone());
        }
        let tile = Arc::new(kpi_tile(&self.pool, account, period_days, today).await?);
        let mut tiles = self.tiles.lock().unwrap_or_else(|e| e.into_inner());
        tiles.retain(|_, (at, _)| at.elapsed() < TILE_FRESH * 10);
        tiles.insert(key, (Instant::now(), tile.clone()));
        Ok(tile)
    }

    /// The tail, started on first use.
    pub async fn tail(&self) -> Result<Arc<AnalyticsTail>, sqlx::Error> {
        self.tail
            .get_or_try_init(|| AnalyticsTail::start(self.pool.clone(), self.settings))
            .await
            .cloned()
    }
}
