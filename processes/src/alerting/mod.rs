//! The alerting process: follows the feed with its own checkpoint (like the sync run
//! manager), reads each event as analytics facts, and raises and resolves alerts as events
//! of their own: stock cover running out, stock-outs on the marketplace while the supplier
//! has stock, negative planned margins, held prices, sync runs with failed items, refused
//! marketplace credentials, failed imports. Thresholds are per account (`AlertRules`).
//!
//! - [`evaluate`]: a fact into the alert commands it calls for;
//! - [`bookkeeping`]: its stock record and the read-model lookups.

mod bookkeeping;
pub mod evaluate;

use crate::ProcessError;
use evaluate::{Inputs, Step, steps_of};
use gomarket_domain::marketplace::account::AccountEvent;
use gomarket_domain::sales::alert::{AlertCommand, AlertCondition, AlertId, AlertScope};
use gomarket_domain::sales::alert_rules::Thresholds;
use gomarket_infra::alerting::AlertService;
use gomarket_infra::event_store::{EventFeed, EventMetadata, StoredEvent};
use gomarket_infra::sync::SyncService;
use gomarket_projections::analytics::lookups::Lookups;
use gomarket_projections::analytics::translate::facts_of;
use gomarket_projections::analytics::{AnalyticsFact, FactDetail};
use gomarket_projections::{EventConsumer, ProjectionError};
use serde::Deserialize;
use sqlx::PgConnection;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// The aggregate types whose events can start or end an alert.
const FOLLOWED: &[&str] = &["Listing", "SyncRun", "MarketplaceStock", "Import", "MarketplaceAccount"];

/// The actor of the alerts' events.
const ACTOR: &str = "system:alerting";

pub struct AlertingProcess {
    alerts: Arc<AlertService>,
    sync: Arc<SyncService>,
}

impl AlertingProcess {
    pub const NAME: &'static str = "alerting";

    pub fn new(alerts: Arc<AlertService>, sync: Arc<SyncService>) -> Self {
        Self { alerts, sync }
    }

    async fn thresholds(
        &self,
        cache: &mut HashMap<Uuid, Thresholds>,
        account: Option<Uuid>,
    ) -> Result<Thresholds, ProcessError> {
        let Some(account) = account else {
            return Ok(Thresholds::default());
        };
        if let Some(known) = cache.get(&account) {
            return Ok(known.clone());
        }
        let rules = self
            .alerts
            .rules()
            .load(&account.to_string())
            .await
            .map_err(ProcessError::from)?;
        let thresholds = rules.in_force();
        cache.insert(account, thresholds.clone());
        Ok(thresholds)
    }

    async fn failed_items(&self, fact: &AnalyticsFact) -> Result<Option<usize>, ProcessError> {
        let FactDetail::SyncRunFinished { run_id, .. } = &fact.detail else {
            return Ok(None);
        };
        let run = self
            .sync
            .runs()
            .load(&run_id.to_string())
            .await
            .map_err(ProcessError::from)?;
        Ok(run.state.map(|s| s.counts().get("FAILED").copied().unwrap_or(0)))
    }

    async fn steps(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
        feed: &EventFeed,
    ) -> Result<Vec<Step>, ProjectionError> {
        let failed = |e: ProcessError| ProjectionError::Process(Box::new(e));
        let lookups = Lookups::gather(feed.pool(), events)
            .await
            .map_err(|e| failed(e.into()))?;
        let mut rules = HashMap::new();
        let mut steps = Vec::new();
        for event in events {
            if event.aggregate_type == "MarketplaceAccount" {
                steps.extend(credentials_step(event)?);
                continue;
            }
            for fact in facts_of(event, &lookups) {
                let thresholds = self.thresholds(&mut rules, fact.account_id).await.map_err(failed)?;
                let inputs = Inputs {
                    thresholds: &thresholds,
                    failed_items: self.failed_items(&fact).await.map_err(failed)?,
                };
                steps.extend(steps_of(tx, &fact, inputs).await.map_err(|e| failed(e.into()))?);
            }
        }
        // Muted conditions are not raised; what is open still resolves.
        let mut kept = Vec::with_capacity(steps.len());
        for step in steps {
            let muted = matches!(step.command, AlertCommand::Raise { .. })
                && !self
                    .thresholds(&mut rules, step.account_id)
                    .await
                    .map_err(failed)?
                    .raises(step.condition);
            if !muted {
                kept.push(step);
            }
        }
        Ok(kept)
    }
}

/// `CREDENTIALS_INVALID` raised by a 401, resolved by a new token or a good check.
fn credentials_step(event: &StoredEvent) -> Result<Option<Step>, ProjectionError> {
    let decoded = AccountEvent::deserialize(&event.payload).map_err(|e| ProjectionError::bad_payload(event, e))?;
    let account = Uuid::parse_str(&event.aggregate_id).ok();
    let subject = format!("account:{}", event.aggregate_id);
    let condition = AlertCondition::CredentialsInvalid;
    Ok(match decoded {
        AccountEvent::AccountCredentialsInvalid { reason, .. } => Some(Step {
            condition,
            subject: subject.clone(),
            account_id: account,
            command: AlertCommand::Raise {
                scope: AlertScope {
                    condition,
                    subject,
                    account_id: account,
                    supplier_id: None,
                    product_id: None,
                    listing_id: None,
                },
                message: format!("Wildberries refused the account's token: {reason}"),
            },
        }),
        AccountEvent::AccountTokenReplaced { .. } | AccountEvent::AccountVerified { .. } => Some(Step {
            condition,
            subject,
            account_id: account,
            command: AlertCommand::Resolve {
                message: "the account's token works again".to_owned(),
            },
        }),
        _ => None,
    })
}

impl EventConsumer for AlertingProcess {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        Some(FOLLOWED)
    }

    async fn apply(&self, tx: &mut PgConnection, event: &StoredEvent, feed: &EventFeed) -> Result<(), ProjectionError> {
        self.apply_all(tx, std::slice::from_ref(event), feed).await
    }

    /// The batch's steps in feed order, recorded in one transaction over the alerts they
    /// touch (each alert's commands in order). A redelivered batch repeats raises of open
    /// alerts and resolutions of closed ones: no news.
    async fn apply_all(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
        feed: &EventFeed,
    ) -> Result<(), ProjectionError> {
        let steps = self.steps(tx, events, feed).await?;
        if steps.is_empty() {
            return Ok(());
        }
        let mut order: Vec<(String, Vec<AlertCommand>)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for step in steps {
            let id = AlertId::for_scope(step.condition, &step.subject).to_string();
            let slot = *index.entry(id.clone()).or_insert_with(|| {
                order.push((id, Vec::new()));
                order.len() - 1
            });
            order[slot].1.push(step.command);
        }
        let metadata = EventMetadata::new(Uuid::now_v7().to_string(), ACTOR, "EvaluateAlerts");
        let executed = self
            .alerts
            .alerts()
            .execute_many(&order, &metadata)
            .await
            .map_err(|e| ProjectionError::Process(Box::new(ProcessError::from(e))))?;
        for (id, refusal) in executed.refused {
            tracing::warn!(alert = %id, %refusal, "an alert command was refused");
        }
        Ok(())
    }
}
