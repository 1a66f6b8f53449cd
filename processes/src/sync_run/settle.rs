//! A run's items settle as their listings' outcomes come in; a push that keeps failing is
//! given up; a seller's approval or retry sends items again; a run with nothing pending
//! completes and frees its policy.

use super::{SyncRunManager, bookkeeping, metadata};
use crate::ProcessError;
use gomarket_domain::marketplace::account::AccountId;
use gomarket_domain::marketplace::listing::{Listing, ListingCommand, ListingTarget};
use gomarket_domain::marketplace::values::{DiscountPercent, ListedStock, WarehouseId};
use gomarket_domain::sync::evaluate::settled_outcome;
use gomarket_domain::sync::policy::PolicyCommand;
use gomarket_domain::sync::run::{ItemOutcome, RunCommand, RunStatus, SettledItem, SyncRun};
use gomarket_infra::event_store::EventMetadata;
use gomarket_infra::event_store::batch::load_many;
use sqlx::PgConnection;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use uuid::Uuid;

/// A run with what settling its items needs: its policy's attempts per item and the
/// account's stock warehouse.
struct RunContext {
    run: SyncRun,
    max_attempts: u32,
    warehouse: Option<WarehouseId>,
}

impl SyncRunManager {
    /// Settles the pending items among `listings` whose marketplace outcome is known; a push
    /// that failed to reach the marketplace `maxAttempts` times is given up (it then settles
    /// `FAILED`), and attempts so far are shown on the item meanwhile.
    pub(super) async fn settle(
        &self,
        tx: &mut PgConnection,
        listings: &[Uuid],
        attempts_seen: &HashMap<Uuid, u32>,
    ) -> Result<(), ProcessError> {
        if listings.is_empty() {
            return Ok(());
        }
        let rows = bookkeeping::pending_among(tx, listings).await?;
        if rows.is_empty() {
            return Ok(());
        }
        let keys: Vec<String> = rows.iter().map(|p| p.listing_id.to_string()).collect();
        let loaded = load_many::<Listing>(&mut *tx, &keys).await?;
        let mut by_run: HashMap<Uuid, Vec<SettledItem>> = HashMap::new();
        let mut runs: HashMap<Uuid, RunContext> = HashMap::new();
        let mut give_up = Vec::new();
        let mut given_up = Vec::new();
        let mut done = Vec::new();
        for pending in rows {
            let context = match runs.entry(pending.run_id) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(slot) => slot.insert(self.run_context(pending.run_id).await?),
            };
            let Some(item) = context
                .run
                .state
                .as_ref()
                .and_then(|s| s.items.get(&pending.product_id))
            else {
                continue;
            };
            let Some(state) = loaded
                .get(&pending.listing_id.to_string())
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
                .max(attempts_seen.get(&pending.listing_id).copied().unwrap_or(0));
            let settled = by_run.entry(pending.run_id).or_default();
            if let Some(outcome) = settled_outcome(state, item.action) {
                let attempts = item.attempts.max(tried) + u32::from(!pending.given_up);
                settled.push(SettledItem {
                    product_id: pending.product_id,
                    outcome,
                    attempts,
                });
                done.push(pending.listing_id);
            } else if tried >= context.max_attempts
                && !pending.given_up
                && let Some(warehouse) = context.warehouse
            {
                give_up.push((
                    pending.listing_id.to_string(),
                    vec![ListingCommand::GiveUpPush { warehouse }],
                ));
                given_up.push(pending.listing_id);
                settled.push(SettledItem {
                    product_id: pending.product_id,
                    outcome: ItemOutcome::Pending,
                    attempts: tried,
                });
            } else if tried > item.attempts {
                settled.push(SettledItem {
                    product_id: pending.product_id,
                    outcome: ItemOutcome::Pending,
                    attempts: tried,
                });
            }
        }
        if !give_up.is_empty() {
            bookkeeping::mark_given_up(tx, &given_up).await?;
            let meta = EventMetadata::new(Uuid::now_v7().to_string(), "system:sync", "GiveUpPush");
            self.marketplaces.listings().execute_many(&give_up, &meta).await?;
        }
        for (run_id, items) in by_run.into_iter().filter(|(_, items)| !items.is_empty()) {
            self.sync
                .runs()
                .execute(
                    &run_id.to_string(),
                    RunCommand::Settle { items },
                    &metadata(run_id, "SettleRunItems"),
                )
                .await?;
            self.complete_if_settled(run_id).await?;
        }
        bookkeeping::settled(tx, &done).await?;
        Ok(())
    }

    /// A run, its policy's attempts per item, and the account's stock warehouse.
    async fn run_context(&self, run_id: Uuid) -> Result<RunContext, ProcessError> {
        let run = self.sync.runs().load(&run_id.to_string()).await?;
        let unknown = |run| RunContext {
            run,
            max_attempts: u32::MAX,
            warehouse: None,
        };
        let Some(policy_id) = run.state.as_ref().map(|s| s.policy_id) else {
            return Ok(unknown(run));
        };
        let Some(policy) = self.sync.load(policy_id.into()).await?.state else {
            return Ok(unknown(run));
        };
        let account = self
            .marketplaces
            .load_account(AccountId::from(policy.settings.account_id))
            .await?;
        let warehouse = account.state.and_then(|a| a.settings.warehouse_ids.first().copied());
        Ok(RunContext {
            run,
            max_attempts: policy.settings.max_attempts,
            warehouse,
        })
    }

    /// Held prices approved (`approved`), or failed items retried: their listings get their
    /// commands again and the run waits on them.
    pub(super) async fn redrive(
        &self,
        tx: &mut PgConnection,
        run_id: Uuid,
        products: &[Uuid],
        approved: bool,
    ) -> Result<(), ProcessError> {
        let run = self.sync.runs().load(&run_id.to_string()).await?;
        let Some(state) = run.state else { return Ok(()) };
        let mut steps = Vec::new();
        let mut pending = Vec::new();
        for product_id in products {
            let Some(item) = state.items.get(product_id) else {
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
            pending.push((item.listing_id, *product_id));
        }
        let meta = metadata(run_id, if approved { "ApproveHeldPrices" } else { "RetryFailed" });
        self.marketplaces.listings().execute_many(&steps, &meta).await?;
        bookkeeping::await_listings(tx, run_id, &pending).await?;
        let listings: Vec<Uuid> = pending.iter().map(|(l, _)| *l).collect();
        self.settle(tx, &listings, &HashMap::new()).await
    }

    pub(super) async fn complete_if_settled(&self, run_id: Uuid) -> Result<(), ProcessError> {
        let run = self.sync.runs().load(&run_id.to_string()).await?;
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
            .await?;
        tracing::info!(run = %run_id, counts = ?state.counts(), "sync run completed");
        Ok(())
    }

    pub(super) async fn fail(&self, run_id: Uuid, policy_id: Uuid, reason: &str) -> Result<(), ProcessError> {
        let command = RunCommand::Fail {
            reason: reason.to_owned(),
        };
        self.finish_policy_run(run_id, policy_id).await?;
        self.sync
            .runs()
            .execute(&run_id.to_string(), command, &metadata(run_id, "FailSyncRun"))
            .await?;
        Ok(())
    }

    async fn finish_policy_run(&self, run_id: Uuid, policy_id: Uuid) -> Result<(), ProcessError> {
        self.sync
            .policies()
            .execute_retrying(
                &policy_id.to_string(),
                PolicyCommand::FinishRun { run_id },
                &metadata(run_id, "FinishSyncRun"),
                5,
            )
            .await?;
        Ok(())
    }
}
