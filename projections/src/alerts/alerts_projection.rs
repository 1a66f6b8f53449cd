//! Builds `alerts` from `Alert` events. Every event carries the alert's scope, so each one
//! is a single upsert guarded by the row's version (a redelivered event changes nothing).

use crate::rebuild::{create_table_like, swap_tables};
use crate::{EventConsumer, Projection, ProjectionError};
use gomarket_domain::sales::alert::AlertEvent;
use gomarket_infra::event_store::{EventFeed, StoredEvent};
use serde::Deserialize;
use sqlx::PgConnection;
use uuid::Uuid;

const AGGREGATE_TYPE: &str = "Alert";
const LIVE_TABLE: &str = "alerts";
const SHADOW_TABLE: &str = "alerts_rebuild";

#[derive(Debug, Clone)]
pub struct AlertsProjection {
    table: &'static str,
}

impl Default for AlertsProjection {
    fn default() -> Self {
        Self { table: LIVE_TABLE }
    }
}

impl AlertsProjection {
    pub const NAME: &'static str = LIVE_TABLE;
}

impl EventConsumer for AlertsProjection {
    fn name(&self) -> &'static str {
        self.table
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        Some(&[AGGREGATE_TYPE])
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
        _feed: &EventFeed,
    ) -> Result<(), ProjectionError> {
        if event.aggregate_type != AGGREGATE_TYPE {
            return Ok(());
        }
        let id = Uuid::parse_str(&event.aggregate_id).map_err(|e| ProjectionError::bad_payload(event, e))?;
        let decoded = AlertEvent::deserialize(&event.payload).map_err(|e| ProjectionError::bad_payload(event, e))?;
        let scope = decoded.scope().clone();
        let (state, episode, at, acknowledged_by) = match &decoded {
            AlertEvent::AlertRaised { episode, at, .. } => ("OPEN", *episode, *at, None),
            AlertEvent::AlertAcknowledged { episode, at, by, .. } => ("ACKNOWLEDGED", *episode, *at, Some(by.clone())),
            AlertEvent::AlertResolved { episode, at, .. } => ("RESOLVED", *episode, *at, None),
        };
        // A raise starts the row afresh; an acknowledgement keeps a resolved episode
        // resolved; a resolution keeps who acknowledged.
        sqlx::query(&format!(
            "INSERT INTO {table} AS a (alert_id, condition, subject, account_id, supplier_id, product_id, listing_id,
                                       episode, state, message, raised_at, acknowledged_by, acknowledged_at,
                                       resolved_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
                     CASE WHEN $9 = 'ACKNOWLEDGED' THEN $11 END, CASE WHEN $9 = 'RESOLVED' THEN $11 END, $13)
             ON CONFLICT (alert_id) DO UPDATE SET
                 episode = EXCLUDED.episode,
                 message = EXCLUDED.message,
                 state = CASE
                     WHEN EXCLUDED.state = 'ACKNOWLEDGED' AND a.state = 'RESOLVED' AND a.episode = EXCLUDED.episode
                         THEN 'RESOLVED'
                     ELSE EXCLUDED.state END,
                 raised_at = CASE WHEN EXCLUDED.state = 'OPEN' THEN EXCLUDED.raised_at ELSE a.raised_at END,
                 acknowledged_by = CASE
                     WHEN EXCLUDED.state = 'OPEN' THEN NULL
                     WHEN EXCLUDED.state = 'ACKNOWLEDGED' THEN EXCLUDED.acknowledged_by
                     ELSE a.acknowledged_by END,
                 acknowledged_at = CASE
                     WHEN EXCLUDED.state = 'OPEN' THEN NULL
                     WHEN EXCLUDED.state = 'ACKNOWLEDGED' THEN EXCLUDED.acknowledged_at
                     ELSE a.acknowledged_at END,
                 resolved_at = CASE WHEN EXCLUDED.state = 'OPEN' THEN NULL
                     WHEN EXCLUDED.state = 'RESOLVED' THEN EXCLUDED.resolved_at
                     ELSE a.resolved_at END,
                 version = EXCLUDED.version
             WHERE a.version < EXCLUDED.version",
            table = self.table
        ))
        .bind(id)
        .bind(scope.condition.as_str())
        .bind(&scope.subject)
        .bind(scope.account_id)
        .bind(scope.supplier_id)
        .bind(scope.product_id)
        .bind(scope.listing_id)
        .bind(episode as i32)
        .bind(state)
        .bind(decoded.message())
        .bind(at)
        .bind(acknowledged_by)
        .bind(event.sequence)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}

impl Projection for AlertsProjection {
    fn shadow(&self) -> Self {
        Self { table: SHADOW_TABLE }
    }

    async fn create_shadow(&self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        create_table_like(tx, LIVE_TABLE, SHADOW_TABLE).await
    }

    async fn swap_shadow(&self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        swap_tables(tx, LIVE_TABLE, SHADOW_TABLE).await
    }
}
