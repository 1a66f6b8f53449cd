//! Alerts and their rules in the event store: the command buses the alerting process and
//! the API share.

use crate::event_store::CommandBus;
use crate::telemetry::Metrics;
use gomarket_domain::clock::SharedClock;
use gomarket_domain::pure_aggregate::ClockServices;
use gomarket_domain::sales::alert::Alert;
use gomarket_domain::sales::alert_rules::AlertRules;
use sqlx::PgPool;

pub struct AlertService {
    alerts: CommandBus<Alert>,
    rules: CommandBus<AlertRules>,
}

impl std::fmt::Debug for AlertService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertService").finish_non_exhaustive()
    }
}

impl AlertService {
    pub fn new(pool: PgPool, clock: SharedClock, metrics: Metrics) -> Self {
        Self {
            alerts: CommandBus::new(pool.clone(), ClockServices { clock: clock.clone() }, metrics.clone()),
            rules: CommandBus::new(pool, ClockServices { clock }, metrics),
        }
    }

    /// Alert streams (id: [`gomarket_domain::sales::alert::AlertId`]).
    pub fn alerts(&self) -> &CommandBus<Alert> {
        &self.alerts
    }

    /// Alert rules (one stream per marketplace account, its id the account's).
    pub fn rules(&self) -> &CommandBus<AlertRules> {
        &self.rules
    }
}
