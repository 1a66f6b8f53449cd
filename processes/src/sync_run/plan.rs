//! Planning a run once every import is in: each product of the policy's suppliers is
//! evaluated (`gomarket_domain::sync::evaluate`), and only what changed goes out as listing
//! commands; the plan is recorded on the run in chunks.

use super::{SyncRunManager, bookkeeping, metadata};
use crate::ProcessError;
use gomarket_domain::catalog::{Product, ProductId};
use gomarket_domain::marketplace::account::AccountId;
use gomarket_domain::marketplace::listing::{Listing, ListingCommand, ListingId};
use gomarket_domain::sync::evaluate::{MarketFeedback, evaluate};
use gomarket_domain::sync::policy::PolicySettings;
use gomarket_domain::sync::run::{ItemAction, ItemOutcome, PlannedItem, RunCommand, RunStatus, SyncRun};
use gomarket_infra::event_store::batch::load_many;
use sqlx::PgConnection;
use std::collections::HashMap;
use uuid::Uuid;

/// Items recorded per `Plan` event.
const PLAN_CHUNK: usize = 500;

/// Listing commands per transaction.
const STEPS_CHUNK: usize = 1000;

impl SyncRunManager {
    /// Plans the run once every import is in (and it has not planned yet).
    pub(super) async fn plan_when_imported(
        &self,
        tx: &mut PgConnection,
        run_id: Uuid,
        policy: &PolicySettings,
    ) -> Result<(), ProcessError> {
        let run: SyncRun = self.sync.runs().load(&run_id.to_string()).await?;
        let Some(state) = run.state else { return Ok(()) };
        if state.status != RunStatus::Importing || !state.imports_done() {
            return Ok(());
        }
        let account_id = AccountId::from(policy.account_id);
        let account = self.marketplaces.load_account(account_id).await?;
        let Some(account) = account.state else {
            return self
                .fail(run_id, state.policy_id, "the policy's marketplace account is gone")
                .await;
        };
        let suppliers: Vec<Uuid> = policy.supplier_ids.iter().copied().collect();
        let product_ids = bookkeeping::products_of_suppliers(tx, &suppliers).await?;
        let product_keys: Vec<String> = product_ids.iter().map(Uuid::to_string).collect();
        let mut products = load_many::<Product>(&mut *tx, &product_keys).await?;
        let listing_ids: Vec<ListingId> = product_ids
            .iter()
            .map(|p| ListingId::for_product(account_id, ProductId::from(*p)))
            .collect();
        let listing_keys: Vec<String> = listing_ids.iter().map(ListingId::to_string).collect();
        let mut listings = load_many::<Listing>(&mut *tx, &listing_keys).await?;
        let all_listings: Vec<Uuid> = listing_ids.iter().map(|l| l.as_uuid()).collect();
        let demand = bookkeeping::demand_of_listings(tx, &all_listings).await?;
        let mut subjects: Vec<i64> = listings
            .values()
            .filter_map(|l| {
                l.aggregate
                    .state
                    .as_ref()?
                    .draft
                    .as_ref()
                    .map(|d| d.subject_id.get() as i64)
            })
            .collect();
        subjects.sort_unstable();
        subjects.dedup();
        let commissions = bookkeeping::reported_commissions(tx, account.settings.marketplace, &subjects).await?;

        let mut planned = Vec::with_capacity(product_ids.len());
        let mut to_publish = Vec::new();
        let mut targets = Vec::new();
        for (product_id, listing_id) in product_ids.iter().zip(&listing_ids) {
            let product = products.remove(&product_id.to_string()).map(|l| l.aggregate);
            let listing = listings.remove(&listing_id.to_string()).map(|l| l.aggregate);
            let listing_state = listing.as_ref().and_then(|l| l.state.as_ref());
            let subject = listing_state
                .and_then(|l| l.draft.as_ref())
                .map(|d| d.subject_id.get() as i64);
            let feedback = MarketFeedback {
                demand: demand.get(&listing_id.as_uuid()).copied(),
                reported_commission: subject.and_then(|s| Some((s, *commissions.get(&s)?))),
            };
            let decision = evaluate(
                policy,
                product.as_ref().and_then(|p| p.state.as_ref()),
                listing_state,
                feedback,
            );
            let held = matches!(decision.outcome, ItemOutcome::Held { .. });
            match (decision.action, decision.target) {
                (ItemAction::Publish, Some(target)) => to_publish.push((ProductId::from(*product_id), target)),
                (ItemAction::Update | ItemAction::Withdraw, Some(target)) if !held => {
                    targets.push((listing_id.to_string(), vec![ListingCommand::SetTarget(target)]));
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
                .await?;
        }
        for chunk in targets.chunks(STEPS_CHUNK) {
            self.marketplaces.listings().execute_many(chunk, &meta).await?;
        }
        let pending: Vec<(Uuid, Uuid)> = planned
            .iter()
            .filter(|i| i.outcome == ItemOutcome::Pending)
            .map(|i| (i.listing_id, i.product_id))
            .collect();
        self.record_plan(run_id, &planned).await?;
        bookkeeping::await_listings(tx, run_id, &pending).await?;
        tracing::info!(run = %run_id, items = planned.len(), pending = pending.len(), "sync run planned");
        let listing_uuids: Vec<Uuid> = pending.iter().map(|(l, _)| *l).collect();
        self.settle(tx, &listing_uuids, &HashMap::new()).await?;
        self.complete_if_settled(run_id).await
    }

    /// Records the plan on the run, a chunk per event (an empty plan is one empty chunk).
    async fn record_plan(&self, run_id: Uuid, planned: &[PlannedItem]) -> Result<(), ProcessError> {
        let chunks: Vec<&[PlannedItem]> = if planned.is_empty() {
            vec![&[]]
        } else {
            planned.chunks(PLAN_CHUNK).collect()
        };
        for items in chunks {
            self.sync
                .runs()
                .execute(
                    &run_id.to_string(),
                    RunCommand::Plan { items: items.to_vec() },
                    &metadata(run_id, "PlanSyncRun"),
                )
                .await?;
        }
        Ok(())
    }
}
