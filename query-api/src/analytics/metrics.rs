//! `metrics(accountId, period)`: the seller's KPI tile now, then again whenever it changes —
//! looked at when the store records events (the analytics tail's batches, and for a few
//! seconds after, while the projectors catch up), at most once a second per subscriber and
//! computed at most once a second per account and period for all of the process's
//! subscribers.

use super::hub::AnalyticsHub;
use async_graphql::{Context, ID, Result, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures::Stream;
use gomarket_api_core::access::permission;
use gomarket_api_core::context::request_context;
use gomarket_api_core::error::{ErrorCode, api_error, failure};
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::performance::PerformancePeriodGql;
use gomarket_domain::identity::Permission;
use gomarket_domain::sales::values::moscow_day;
use gomarket_infra::marketplace::Marketplaces;
use gomarket_projections::sales::kpi::{KpiTile, SalesFigures};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;
use uuid::Uuid;

/// Fewest time between two tiles to one subscriber.
const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// How long after the last recorded event the tile is looked at again each second: the read
/// models move a little after the events that move them.
const SETTLE: Duration = Duration::from_secs(5);

/// Sales over some days (kopecks).
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct KpiSales {
    pub orders: i64,
    pub cancellations: i64,
    pub buyouts: i64,
    pub returns: i64,
    pub ordered_kopecks: i64,
    pub revenue_kopecks: i64,
    pub payout_kopecks: i64,
}

impl From<SalesFigures> for KpiSales {
    fn from(f: SalesFigures) -> Self {
        Self {
            orders: f.orders,
            cancellations: f.cancellations,
            buyouts: f.buyouts,
            returns: f.returns,
            ordered_kopecks: f.ordered_kopecks,
            revenue_kopecks: f.revenue_kopecks,
            payout_kopecks: f.payout_kopecks,
        }
    }
}

/// The seller's KPI tile.
#[derive(Debug, Clone, SimpleObject)]
pub struct Metrics {
    pub account_id: ID,
    pub period: PerformancePeriodGql,
    /// When these figures were read.
    pub computed_at: DateTime<Utc>,
    /// Today (Moscow day).
    pub today: KpiSales,
    /// The period (Moscow days, today included).
    pub period_sales: KpiSales,
    /// Payout less the purchase cost of what was bought out and kept, over the period's
    /// matched articles (none: nothing matched).
    pub period_margin_kopecks: Option<i64>,
    /// Articles with nothing left in the marketplace's warehouses.
    pub listings_out_of_stock: i64,
    /// Prices held by the drop guard, not yet resolved.
    pub held_prices: i64,
    /// Listings whose last push failed.
    pub failed_items: i64,
    /// Alerts open or acknowledged.
    pub open_alerts: i64,
}

impl Metrics {
    fn new(account: Uuid, period: PerformancePeriodGql, computed_at: DateTime<Utc>, tile: &KpiTile) -> Self {
        Self {
            account_id: ID(account.to_string()),
            period,
            computed_at,
            today: tile.today.into(),
            period_sales: tile.period.into(),
            period_margin_kopecks: tile.period_margin_kopecks,
            listings_out_of_stock: tile.articles_out_of_stock,
            held_prices: tile.held_prices,
            failed_items: tile.listings_with_errors,
            open_alerts: tile.open_alerts,
        }
    }
}

struct Watch {
    hub: Arc<AnalyticsHub>,
    account: Uuid,
    period: PerformancePeriodGql,
    batches: Option<tokio::sync::broadcast::Receiver<Arc<gomarket_projections::analytics::tail::TailBatch>>>,
    last: Option<Arc<KpiTile>>,
    sent_at: Option<Instant>,
    active_until: Instant,
    correlation_id: String,
}

impl Watch {
    /// Waits for a reason to look again: events recorded, or a second passing while the
    /// read models may still be settling.
    async fn wait(&mut self) {
        loop {
            let settling = Instant::now() < self.active_until;
            let Some(batches) = self.batches.as_mut() else {
                tokio::time::sleep(MIN_INTERVAL).await;
                return;
            };
            let received = if settling {
                match tokio::time::timeout(MIN_INTERVAL, batches.recv()).await {
                    Ok(received) => received,
                    Err(_) => return,
                }
            } else {
                batches.recv().await
            };
            match received {
                Ok(_) | Err(RecvError::Lagged(_)) => {
                    self.active_until = Instant::now() + SETTLE;
                    return;
                }
                Err(RecvError::Closed) => self.batches = None,
            }
        }
    }

    /// The tile when it differs from the last one sent.
    async fn next(&mut self) -> Result<Option<Metrics>> {
        if let Some(sent_at) = self.sent_at {
            self.wait().await;
            tokio::time::sleep_until(sent_at + MIN_INTERVAL).await;
        }
        let today = moscow_day(Utc::now());
        let tile = self
            .hub
            .kpi(self.account, self.period.days(), today)
            .await
            .map_err(|e| failure(&e, &self.correlation_id))?;
        if self.sent_at.is_some() && self.last.as_deref() == Some(&*tile) {
            return Ok(None);
        }
        self.sent_at = Some(Instant::now());
        self.last = Some(tile.clone());
        Ok(Some(Metrics::new(self.account, self.period, Utc::now(), &tile)))
    }
}

#[derive(Debug, Default)]
pub struct MetricsSubscription;

#[Subscription]
impl MetricsSubscription {
    /// The account's KPI tile now, then each time it changes (at most once a second).
    #[graphql(guard = "permission(Permission::AnalyticsRead)")]
    async fn metrics(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        #[graphql(default)] period: PerformancePeriodGql,
    ) -> Result<impl Stream<Item = Result<Metrics>> + use<>> {
        let account = parse_uuid(&account_id, "accountId")?;
        let correlation_id = request_context(ctx).correlation_id;
        let known = ctx
            .data::<Arc<Marketplaces>>()?
            .accounts()
            .load(&account.to_string())
            .await
            .map_err(|e| failure(&e, &correlation_id))?;
        if known.state.is_none() {
            return Err(api_error(
                ErrorCode::NotFound,
                "marketplace account not found",
                Some("accountId"),
            ));
        }
        let hub = ctx.data::<Arc<AnalyticsHub>>()?.clone();
        let tail = hub.tail().await.map_err(|e| failure(&e, &correlation_id))?;
        let watch = Watch {
            hub,
            account,
            period,
            batches: Some(tail.subscribe().0),
            last: None,
            sent_at: None,
            active_until: Instant::now(),
            correlation_id,
        };
        Ok(futures::stream::unfold(watch, |mut watch| async move {
            loop {
                match watch.next().await {
                    Ok(Some(metrics)) => return Some((Ok(metrics), watch)),
                    Ok(None) => continue,
                    Err(error) => return Some((Err(error), watch)),
                }
            }
        }))
    }
}
