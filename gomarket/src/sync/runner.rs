//! The sync process manager: an event consumer with its own checkpoint (run like a
//! projection, in-process or from Kafka) that drives each run:
//!
//! 1. `PolicyRunStarted` → the run starts its suppliers' imports (they run in this process);
//! 2. each run's `ImportCompleted`/`ImportFailed` → recorded; when all are in, the run plans:
//!    every product of its suppliers is evaluated by the policy, and only what changed goes
//!    out as listing commands (publish, new target, zero stock);
//! 3. listing events of pending items → each item settles (`PUBLISHED`, `UPDATED`, `FAILED`)
//!    as the marketplace answers; when none is pending the run completes and frees its policy.
//!
//! Delivery is at least once (a crash before the checkpoint replays a batch); every step is
//! idempotent (a started run is not started again, planned items are not planned again, a
//! settled item does not settle again, an unchanged target records nothing), so the effect is
//! exactly once. Its bookkeeping tables share the checkpoint's transaction.

use gomarket_domain::catalog::{Product, ProductId};
use gomarket_domain::marketplace::account::AccountId;
use gomarket_domain::marketplace::listing::{Listing, ListingCommand, ListingId, ListingTarget};
use gomarket_domain::marketplace::values::{DiscountPercent, ListedStock, WarehouseId};
use gomarket_domain::supplier::SupplierId;
use gomarket_domain::sync::evaluate::{evaluate, settled_outcome};
use gomarket_domain::sync::policy::{PolicyCommand, PolicyEvent, PolicySettings};
use gomarket_domain::sync::run::{
    ItemAction, ItemOutcome, PlannedItem, RunCommand, RunEvent, RunStatus, SettledItem, SyncRun,
};
use gomarket_infra::event_store::batch::load_many;
use gomarket_infra::event_store::{EventFeed, EventMetadata, StoredEvent};
use gomarket_infra::marketplaces::Marketplaces;
use gomarket_infra::suppliers::import::Importer;
use gomarket_infra::sync::SyncService;
use gomarket_projections::{Projection, ProjectionError};
use sqlx::PgConnection;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use uuid::Uuid;

/// Items recorded per `Plan` event.
const PLAN_CHUNK: usize = 500;

#[derive(Clone)]
pub struct SyncRunner {
    sync: Arc<SyncService>,
    importer: Arc<Importer>,
    marketplaces: Arc<Marketplaces>,
}

impl SyncRunner {
    pub const NAME: &'static str = "sync-runner";

    pub fn new(sync: Arc<SyncService>, importer: Arc<Importer>, marketplaces: Arc<Marketplaces>) -> Self {
        Self {
            sync,
            importer,
            marketplaces,
        }
    }
}

fn failed(e: impl std::fmt::Display) -> ProjectionError {
    ProjectionError::Apply(e.to_string())
}

/// Makes the run wait on these (listing, product) pairs' next outcomes.
async fn await_listings(tx: &mut PgConnection, run_id: Uuid, pending: &[(Uuid, Uuid)]) -> Result<(), sqlx::Error> {
    let (listings, products): (Vec<Uuid>, Vec<Uuid>) = pending.iter().copied().unzip();
    sqlx::query(
        "INSERT INTO sync_pending (listing_id, run_id, product_id)
         SELECT listing_id, $1, product_id FROM UNNEST($2::uuid[], $3::uuid[]) AS p(listing_id, product_id)
         ON CONFLICT (listing_id) DO UPDATE
            SET run_id = EXCLUDED.run_id, product_id = EXCLUDED.product_id, given_up = false",
    )
    .bind(run_id)
    .bind(&listings)
    .bind(&products)
    .execute(tx)
    .await
    .map(drop)
}

fn metadata(run_id: Uuid, command: &str) -> EventMetadata {
    EventMetadata::new(run_id.to_string(), "system:sync", command)
}

impl Projection for SyncRunner {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        Some(&["SyncPolicy", "Import", "SyncRun", "Listing"])
    }

    fn shadow(&self) -> Self {
        self.clone() // a process manager is not rebuilt
    }

    async fn create_shadow(&self, _tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        Ok(())
    }

    async fn swap_shadow(&self, _tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        Ok(())
    }

    async fn apply(&self, tx: &mut PgConnection, event: &StoredEvent, feed: &EventFeed) -> Result<(), ProjectionError> {
        self.apply_all(tx, std::slice::from_ref(event), feed).await
    }

    /// Runs, imports and approvals in feed order; then the batch's listing events together.
    async fn apply_all(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
        _feed: &EventFeed,
    ) -> Result<(), ProjectionError> {
        let mut listings = Vec::new();
        // Failed attempts seen in this batch: a later event of the batch may already have
        // cleared them from the listing's state.
        let mut attempts: HashMap<Uuid, u32> = HashMap::new();
        for event in events {
            match (event.aggregate_type.as_str(), event.event_type.as_str()) {
                ("SyncPolicy", "PolicyRunStarted") => self.start_run(tx, event).await?,
                ("Import", "ImportCompleted" | "ImportFailed") => self.import_finished(tx, event).await?,
                ("SyncRun", "HeldPricesApproved" | "FailedItemsRetried") => self.redrive(tx, event).await?,
                ("Listing", kind) => {
                    let Ok(id) = Uuid::parse_str(&event.aggregate_id) else {
                        continue;
                    };
                    if !listings.contains(&id) {
                        listings.push(id);
                    }
                    if kind == "PushAttemptFailed"
                        && let Some(n) = event.payload["PushAttemptFailed"]["attempts"].as_u64()
                    {
                        let seen = attempts.entry(id).or_default();
                        *seen = (*seen).max(n as u32);
                    }
                }
                _ => {}
            }
        }
        self.settle(tx, &listings, &attempts).await
    }
}

impl SyncRunner {
    async fn start_run(&self, tx: &mut PgConnection, event: &StoredEvent) -> Result<(), ProjectionError> {
        let event_payload: PolicyEvent =
            serde_json::from_value(event.payload.clone()).map_err(|e| ProjectionError::bad_payload(event, e))?;
        let PolicyEvent::PolicyRunStarted { run_id, trigger, .. } = event_payload else {
            return Ok(());
        };
        let runs = self.sync.runs();
        if runs.load(&run_id.to_string()).await.map_err(failed)?.state.is_some() {
            return Ok(()); // started before this batch was replayed
        }
        let policy_id = Uuid::parse_str(&event.aggregate_id).map_err(|e| ProjectionError::bad_payload(event, e))?;
        let Some(policy) = self.sync.load(policy_id.into()).await.map_err(failed)?.state else {
            return Ok(());
        };
        let mut imports = BTreeMap::new();
        let mut started = Vec::new();
        let mut refused = Vec::new();
        for &supplier in &policy.settings.supplier_ids {
            let meta = metadata(run_id, "StartImport");
            match self.importer.start(SupplierId::from(supplier), false, None, meta).await {
                Ok(import) => {
                    imports.insert(supplier, import.import_id);
                    started.push(import);
                }
                Err(error) => {
                    // Recorded as a failed import of the run, with the reason.
                    let import_id = Uuid::now_v7();
                    imports.insert(supplier, import_id);
                    refused.push((import_id, error.to_string()));
                }
            }
        }
        let start = RunCommand::Start {
            policy_id,
            trigger,
            imports: imports.clone(),
        };
        runs.execute(&run_id.to_string(), start, &metadata(run_id, "StartSyncRun"))
            .await
            .map_err(failed)?;
        for import_id in imports.values() {
            sqlx::query("INSERT INTO sync_run_imports (import_id, run_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(import_id)
                .bind(run_id)
                .execute(&mut *tx)
                .await?;
        }
        for (import_id, reason) in refused {
            let record = RunCommand::RecordImport {
                import_id,
                failure: Some(reason),
            };
            runs.execute(&run_id.to_string(), record, &metadata(run_id, "RecordRunImport"))
                .await
                .map_err(failed)?;
        }
        for import in started {
            self.importer.spawn_run(import);
        }
        self.plan_when_imported(tx, run_id, &policy.settings).await
    }

    async fn import_finished(&self, tx: &mut PgConnection, event: &StoredEvent) -> Result<(), ProjectionError> {
        let import_id = Uuid::parse_str(&event.aggregate_id).map_err(|e| ProjectionError::bad_payload(event, e))?;
        // A run's imports carry its id as their correlation id; the bookkeeping row says the
        // same once the run's start is committed (with Kafka, the import's end may be read
        // before that, from another topic).
        let recorded: Option<Uuid> = sqlx::query_scalar("SELECT run_id FROM sync_run_imports WHERE import_id = $1")
            .bind(import_id)
            .fetch_optional(&mut *tx)
            .await?;
        let correlated = event
            .metadata_str("correlation_id")
            .and_then(|id| Uuid::parse_str(id).ok());
        let Some(run_id) = recorded.or(correlated) else {
            return Ok(());
        };
        let run = self.sync.runs().load(&run_id.to_string()).await.map_err(failed)?;
        let ours = run
            .state
            .as_ref()
            .is_some_and(|s| s.imports.values().any(|i| i.import_id == import_id));
        if !ours {
            return Ok(()); // an import outside any run
        }
        let failure = (event.event_type == "ImportFailed").then(|| {
            event.payload["ImportFailed"]["reason"]
                .as_str()
                .unwrap_or("the import failed")
                .to_owned()
        });
        let record = RunCommand::RecordImport { import_id, failure };
        self.sync
            .runs()
            .execute(&run_id.to_string(), record, &metadata(run_id, "RecordRunImport"))
            .await
            .map_err(failed)?;
        let run = self.sync.runs().load(&run_id.to_string()).await.map_err(failed)?;
        let Some(state) = run.state else { return Ok(()) };
        let Some(policy) = self.sync.load(state.policy_id.into()).await.map_err(failed)?.state else {
            return Ok(());
        };
        self.plan_when_imported(tx, run_id, &policy.settings).await
    }

    /// Plans the run once every import is in (and it has not planned yet).
    async fn plan_when_imported(
        &self,
        tx: &mut PgConnection,
        run_id: Uuid,
        policy: &PolicySettings,
    ) -> Result<(), ProjectionError> {
        let run: SyncRun = self.sync.runs().load(&run_id.to_string()).await.map_err(failed)?;
        let Some(state) = run.state else { return Ok(()) };
        if state.status != RunStatus::Importing || !state.imports_done() {
            return Ok(());
        }
        let account_id = AccountId::from(policy.account_id);
        let account = self.marketplaces.load_account(account_id).await.map_err(failed)?;
        let Some(account) = account.state else {
            return self
                .fail(run_id, state.policy_id, "the policy's marketplace account is gone")
                .await;
        };
        let suppliers: Vec<Uuid> = policy.supplier_ids.iter().copied().collect();
        let product_ids: Vec<Uuid> =
            sqlx::query_scalar("SELECT DISTINCT product_id FROM supplier_offers WHERE supplier_id = ANY($1)")
                .bind(&suppliers)
                .fetch_all(&mut *tx)
                .await?;
        let product_keys: Vec<String> = product_ids.iter().map(Uuid::to_string).collect();
        let mut products = load_many::<Product>(&mut *tx, &product_keys).await.map_err(failed)?;
        let listing_ids: Vec<ListingId> = product_ids
            .iter()
            .map(|p| ListingId::for_product(account_id, ProductId::from(*p)))
            .collect();
        let listing_keys: Vec<String> = listing_ids.iter().map(ListingId::to_string).collect();
        let mut listings = load_many::<Listing>(&mut *tx, &listing_keys).await.map_err(failed)?;

        let mut planned = Vec::with_capacity(product_ids.len());
        let mut to_publish = Vec::new();
        let mut targets = Vec::new();
        for (product_id, listing_id) in product_ids.iter().zip(&listing_ids) {
            let product = products.remove(&product_id.to_string()).map(|l| l.aggregate);
            let listing = listings.remove(&listing_id.to_string()).map(|l| l.aggregate);
            let decision = evaluate(
                policy,
                product.as_ref().and_then(|p| p.state.as_ref()),
                listing.as_ref().and_then(|l| l.state.as_ref()),
            );
            let held = matches!(decision.outcome, ItemOutcome::Held { .. });
            match (decision.action, decision.target) {
                (ItemAction::Publish, Some(target)) => to_publish.push((ProductId::from(*product_id), target)),
                (ItemAction::Update | ItemAction::Withdraw, Some(target)) if !held => {
                    targets.push((*listing_id, vec![ListingCommand::SetTarget(target)]));
                }
                _ => {}
            }
            planned.push(PlannedItem {
                product_id: *product_id,
                listing_id: listing_id.as_uuid(),
                action: decision.action,
                outcome: decision.outcome,
                price: decision.price,
                stock: decision.stock,
            });
        }
        let meta = metadata(run_id, "SyncListings");
        if !to_publish.is_empty() {
            self.marketplaces
                .publish_targeted(account_id, &account, &to_publish, &meta)
                .await
                .map_err(failed)?;
        }
        if !targets.is_empty() {
            let steps: Vec<(String, Vec<ListingCommand>)> =
                targets.into_iter().map(|(id, c)| (id.to_string(), c)).collect();
            for chunk in steps.chunks(1000) {
                self.marketplaces
                    .listings()
                    .execute_many(chunk, &meta)
                    .await
                    .map_err(failed)?;
            }
        }
        let pending: Vec<(Uuid, Uuid)> = planned
            .iter()
            .filter(|i| i.outcome == ItemOutcome::Pending)
            .map(|i| (i.listing_id, i.product_id))
            .collect();
        let runs = self.sync.runs();
        let chunks: Vec<Vec<PlannedItem>> = if planned.is_empty() {
            vec![vec![]]
        } else {
            planned.chunks(PLAN_CHUNK).map(<[PlannedItem]>::to_vec).collect()
        };
        for items in chunks {
            runs.execute(
                &run_id.to_string(),
                RunCommand::Plan { items },
                &metadata(run_id, "PlanSyncRun"),
            )
            .await
            .map_err(failed)?;
        }
        await_listings(tx, run_id, &pending).await?;
        tracing::info!(run = %run_id, items = planned.len(), pending = pending.len(), "sync run planned");
        let listing_uuids: Vec<Uuid> = pending.iter().map(|(l, _)| *l).collect();
        self.settle(tx, &listing_uuids, &HashMap::new()).await?;
        self.complete_if_settled(run_id).await
    }

    /// Settles the pending items among `listings` whose marketplace outcome is known; a push
    /// that failed to reach the marketplace `maxAttempts` times is given up (it then settles
    /// `FAILED`), and attempts so far are shown on the item meanwhile.
    async fn settle(
        &self,
        tx: &mut PgConnection,
        listings: &[Uuid],
        attempts_seen: &HashMap<Uuid, u32>,
    ) -> Result<(), ProjectionError> {
        if listings.is_empty() {
            return Ok(());
        }
        let rows: Vec<(Uuid, Uuid, Uuid, bool)> = sqlx::query_as(
            "SELECT listing_id, run_id, product_id, given_up FROM sync_pending WHERE listing_id = ANY($1)",
        )
        .bind(listings)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let keys: Vec<String> = rows.iter().map(|(l, ..)| l.to_string()).collect();
        let loaded = load_many::<Listing>(&mut *tx, &keys).await.map_err(failed)?;
        let mut by_run: HashMap<Uuid, Vec<SettledItem>> = HashMap::new();
        let mut runs: HashMap<Uuid, (SyncRun, u32, Option<WarehouseId>)> = HashMap::new();
        let mut give_up = Vec::new();
        let mut given_up = Vec::new();
        let mut done = Vec::new();
        for (listing_id, run_id, product_id, gave_up) in rows {
            let (run, max_attempts, warehouse) = match runs.entry(run_id) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(slot) => slot.insert(self.run_context(run_id).await?),
            };
            let Some(item) = run.state.as_ref().and_then(|s| s.items.get(&product_id)) else {
                continue;
            };
            let Some(state) = loaded
                .get(&listing_id.to_string())
                .and_then(|l| l.aggregate.state.as_ref())
            else {
                continue;
            };
            // Failed attempts so far (the listing's, while it retries), and the one that settled
            // it, unless the run gave up.
            let tried = state
                .retry
                .as_ref()
                .map_or(0, |r| r.attempts)
                .max(attempts_seen.get(&listing_id).copied().unwrap_or(0));
            if let Some(outcome) = settled_outcome(state, item.action) {
                let attempts = item.attempts.max(tried) + u32::from(!gave_up);
                by_run.entry(run_id).or_default().push(SettledItem {
                    product_id,
                    outcome,
                    attempts,
                });
                done.push(listing_id);
            } else if tried >= *max_attempts
                && !gave_up
                && let Some(warehouse) = warehouse
            {
                give_up.push((
                    listing_id.to_string(),
                    vec![ListingCommand::GiveUpPush { warehouse: *warehouse }],
                ));
                given_up.push(listing_id);
                by_run.entry(run_id).or_default().push(SettledItem {
                    product_id,
                    outcome: ItemOutcome::Pending,
                    attempts: tried,
                });
            } else if tried > item.attempts {
                by_run.entry(run_id).or_default().push(SettledItem {
                    product_id,
                    outcome: ItemOutcome::Pending,
                    attempts: tried,
                });
            }
        }
        if !give_up.is_empty() {
            sqlx::query("UPDATE sync_pending SET given_up = true WHERE listing_id = ANY($1)")
                .bind(&given_up)
                .execute(&mut *tx)
                .await?;
            let meta = EventMetadata::new(Uuid::now_v7().to_string(), "system:sync", "GiveUpPush");
            self.marketplaces
                .listings()
                .execute_many(&give_up, &meta)
                .await
                .map_err(failed)?;
        }
        for (run_id, items) in by_run {
            self.sync
                .runs()
                .execute(
                    &run_id.to_string(),
                    RunCommand::Settle { items },
                    &metadata(run_id, "SettleRunItems"),
                )
                .await
                .map_err(failed)?;
            self.complete_if_settled(run_id).await?;
        }
        sqlx::query("DELETE FROM sync_pending WHERE listing_id = ANY($1)")
            .bind(&done)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    /// A run, its policy's attempts per item, and the account's stock warehouse.
    async fn run_context(&self, run_id: Uuid) -> Result<(SyncRun, u32, Option<WarehouseId>), ProjectionError> {
        let run = self.sync.runs().load(&run_id.to_string()).await.map_err(failed)?;
        let Some(policy_id) = run.state.as_ref().map(|s| s.policy_id) else {
            return Ok((run, u32::MAX, None));
        };
        let Some(policy) = self.sync.load(policy_id.into()).await.map_err(failed)?.state else {
            return Ok((run, u32::MAX, None));
        };
        let account = self
            .marketplaces
            .load_account(AccountId::from(policy.settings.account_id))
            .await
            .map_err(failed)?;
        let warehouse = account.state.and_then(|a| a.settings.warehouse_ids.first().copied());
        Ok((run, policy.settings.max_attempts, warehouse))
    }

    /// Held prices approved, or failed items retried: their listings get their commands again
    /// and the run waits on them.
    async fn redrive(&self, tx: &mut PgConnection, event: &StoredEvent) -> Result<(), ProjectionError> {
        let run_id = Uuid::parse_str(&event.aggregate_id).map_err(|e| ProjectionError::bad_payload(event, e))?;
        let (products, approved) =
            match serde_json::from_value(event.payload.clone()).map_err(|e| ProjectionError::bad_payload(event, e))? {
                RunEvent::HeldPricesApproved { product_ids, .. } => (product_ids, true),
                RunEvent::FailedItemsRetried { product_ids, .. } => (product_ids, false),
                _ => return Ok(()),
            };
        let run = self.sync.runs().load(&run_id.to_string()).await.map_err(failed)?;
        let Some(state) = run.state else { return Ok(()) };
        let mut steps = Vec::new();
        let mut pending = Vec::new();
        for product_id in products {
            let Some(item) = state.items.get(&product_id) else {
                continue;
            };
            let command = if approved {
                let (Some(price), Some(stock)) = (&item.price, &item.stock) else {
                    continue;
                };
                let (Ok(discount), Ok(units)) = (
                    DiscountPercent::new(i64::from(price.discount_percent)),
                    ListedStock::new(i64::from(stock.units.min(ListedStock::MAX))),
                ) else {
                    continue;
                };
                ListingCommand::SetTarget(ListingTarget {
                    price: price.price_before_discount,
                    discount,
                    stock: units,
                })
            } else {
                ListingCommand::RetryPush
            };
            steps.push((item.listing_id.to_string(), vec![command]));
            pending.push((item.listing_id, product_id));
        }
        let meta = metadata(run_id, if approved { "ApproveHeldPrices" } else { "RetryFailed" });
        self.marketplaces
            .listings()
            .execute_many(&steps, &meta)
            .await
            .map_err(failed)?;
        await_listings(tx, run_id, &pending).await?;
        let listings: Vec<Uuid> = pending.iter().map(|(l, _)| *l).collect();
        self.settle(tx, &listings, &HashMap::new()).await
    }

    async fn complete_if_settled(&self, run_id: Uuid) -> Result<(), ProjectionError> {
        let run = self.sync.runs().load(&run_id.to_string()).await.map_err(failed)?;
        let Some(state) = run.state else { return Ok(()) };
        if state.status != RunStatus::Pushing || !state.all_settled() {
            return Ok(());
        }
        // The policy is freed first: whoever sees the run completed can start the next one.
        // (A crash in between replays this batch, which completes the run.)
        self.finish_policy_run(run_id, state.policy_id).await?;
        self.sync
            .runs()
            .execute(
                &run_id.to_string(),
                RunCommand::Complete,
                &metadata(run_id, "CompleteSyncRun"),
            )
            .await
            .map_err(failed)?;
        tracing::info!(run = %run_id, counts = ?state.counts(), "sync run completed");
        Ok(())
    }

    async fn fail(&self, run_id: Uuid, policy_id: Uuid, reason: &str) -> Result<(), ProjectionError> {
        let command = RunCommand::Fail {
            reason: reason.to_owned(),
        };
        self.finish_policy_run(run_id, policy_id).await?;
        self.sync
            .runs()
            .execute(&run_id.to_string(), command, &metadata(run_id, "FailSyncRun"))
            .await
            .map(drop)
            .map_err(failed)
    }

    async fn finish_policy_run(&self, run_id: Uuid, policy_id: Uuid) -> Result<(), ProjectionError> {
        self.sync
            .policies()
            .execute_retrying(
                &policy_id.to_string(),
                PolicyCommand::FinishRun { run_id },
                &metadata(run_id, "FinishSyncRun"),
                5,
            )
            .await
            .map(drop)
            .map_err(failed)
    }
}
