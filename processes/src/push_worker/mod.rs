//! The marketplace push worker (`gomarket worker`, and inside `serve`): it follows the
//! `listings` read model (built from listing events) and performs what is due, per account:
//! upload cards, discover created or failed cards, push prices, settle price tasks, push
//! stocks. It speaks to every marketplace through the port
//! ([`gomarket_infra::marketplace::port`]); the account's adapter is picked once per round.
//! One worker holds an account at a time (a PostgreSQL advisory lock), so the account's rate
//! limits are one process's buckets.
//!
//! Exactly once in effect:
//! - a card is marked `REQUESTED` *before* it is uploaded, so a restart never uploads it
//!   again; it is matched to its card by vendor code (or its import task), and one whose
//!   upload failed for sure (or that never showed up) is looked up by vendor code before it
//!   is uploaded again;
//! - a price is recorded after the marketplace took it; a resend after a crash is the same
//!   price (Wildberries answers an identical task 208 with the same task id);
//! - a stock is recorded after the marketplace set it; setting it again is harmless.
//!
//! Quotas are kept: cards a day (read before an upload; the rest waits for the quota's reset,
//! visibly), price changes per product and hour (a price over the cap stays due, and the
//! latest target goes when the cap frees), a stock pair at most so often.
//!
//! Files: [`cards`], [`prices`], [`stocks`]; this one runs the loop.

mod cards;
mod prices;
mod stocks;

use crate::ProcessError;
use crate::account_rounds::Rounds;
use gomarket_domain::marketplace::account::{AccountId, AccountState};
use gomarket_domain::marketplace::listing::{Listing, ListingCommand, ListingId, PushArea};
use gomarket_infra::error_chain::Chain;
use gomarket_infra::event_store::batch::load_many;
use gomarket_infra::event_store::{CommandError, EventMetadata};
use gomarket_infra::marketplace::Marketplaces;
use gomarket_infra::marketplace::port::{Credentials, MarketplaceApi};
use gomarket_infra::shutdown::Shutdown;
use gomarket_projections::marketplace::{PushQueue, push_queue};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Tuning of the worker.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    /// Pause between rounds.
    pub interval: Duration,
    /// A card not seen (neither created nor failed) this long after its upload is uploaded
    /// again (after a look-up by vendor code).
    pub card_timeout: Duration,
    /// Listings taken from each queue per round.
    pub batch: i64,
    /// After a push fails to reach the marketplace (5xx, timeouts, after the client's retries),
    /// the first wait before the next attempt; it doubles per attempt up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(5),
            card_timeout: Duration::from_secs(3600),
            batch: 10_000,
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(30 * 60),
        }
    }
}

pub struct PushWorker {
    marketplaces: Arc<Marketplaces>,
    settings: WorkerSettings,
}

/// One account's round: who, on which marketplace, with which credentials, under which
/// correlation id.
pub(crate) struct Round<'a> {
    pub account_id: AccountId,
    pub account: &'a AccountState,
    pub api: &'a dyn MarketplaceApi,
    pub credentials: Credentials,
    pub metadata: EventMetadata,
    /// Held while recording: the price and stock pushes record on the same listings, and
    /// taking turns is cheaper than conflicting and retrying.
    pub recording: tokio::sync::Mutex<()>,
}

/// Accounts being pushed: advisory lock class "WBAC".
const ROUNDS: Rounds = Rounds {
    lock_class: 0x5742_4143,
    actor: "marketplace-worker",
    doing: "pushing",
};

/// Logs why a round failed, with its causes.
fn log_failed_round(error: &ProcessError) {
    tracing::warn!(error = %Chain(error), "marketplace worker round failed");
}

impl PushWorker {
    pub fn new(marketplaces: Arc<Marketplaces>, settings: WorkerSettings) -> Self {
        Self { marketplaces, settings }
    }

    /// Rounds until `shutdown`.
    pub async fn run(self, mut shutdown: Shutdown) {
        tracing::info!("marketplace worker started");
        loop {
            if let Err(error) = self.round().await {
                log_failed_round(&error);
            }
            tokio::select! {
                () = shutdown.triggered() => break,
                () = tokio::time::sleep(self.settings.interval) => {}
            }
        }
        tracing::info!("marketplace worker stopped");
    }

    /// One round over every account that may push (each account is pushed by one worker
    /// at a time: the one holding its lock).
    pub async fn round(&self) -> Result<(), ProcessError> {
        ROUNDS
            .round(&self.marketplaces, |account_id, state| async move {
                self.push_account(account_id, &state).await
            })
            .await
    }

    async fn push_account(&self, account_id: AccountId, account: &AccountState) -> Result<(), ProcessError> {
        let credentials = self.marketplaces.credentials(account_id, account).await?;
        let round = Round {
            account_id,
            account,
            api: self.marketplaces.api(account),
            credentials,
            metadata: worker_metadata("Push"),
            recording: tokio::sync::Mutex::new(()),
        };
        cards::upload(self, &round).await?;
        cards::discover(self, &round).await?;
        // Prices and stocks are separate limit groups: pushed side by side, so neither waits
        // for the other's rate limit.
        let prices = async {
            let sent = prices::push(self, &round).await?;
            prices::settle(self, &round, sent).await
        };
        let (prices, stocks) = tokio::join!(prices, stocks::push(self, &round));
        prices.and(stocks)
    }

    /// The listings of `round`'s account in `queue`, current state (from the store).
    pub(crate) async fn queued(
        &self,
        round: &Round<'_>,
        queue: PushQueue,
    ) -> Result<Vec<(ListingId, Listing)>, ProcessError> {
        let pool = self.marketplaces.pool();
        let ids = push_queue(pool, round.account_id.as_uuid(), queue, self.settings.batch).await?;
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let keys: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        let mut conn = pool.acquire().await?;
        let mut loaded = load_many::<Listing>(&mut conn, &keys).await?;
        Ok(ids
            .into_iter()
            .filter_map(|id| Some((ListingId::from(id), loaded.remove(&id.to_string())?.aggregate)))
            .collect())
    }

    /// Records `command` on a listing. A refusal means the listing moved on meanwhile (another
    /// round, a seller's change): logged and skipped, never fatal.
    pub(crate) async fn record(
        &self,
        round: &Round<'_>,
        id: ListingId,
        command: ListingCommand,
    ) -> Result<(), ProcessError> {
        let metadata = round.metadata.with_command(command.name());
        let _turn = round.recording.lock().await;
        match self
            .marketplaces
            .listings()
            .execute_retrying(&id.to_string(), command, &metadata, 5)
            .await
        {
            Ok(_) => Ok(()),
            Err(CommandError::Refused(refusal)) => {
                tracing::debug!(listing = %id, %refusal, "listing step skipped");
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Records many listings' steps in one transaction (a price task's or a stock request's
    /// listings). Refusals are skipped as in [`Self::record`].
    pub(crate) async fn record_many(
        &self,
        round: &Round<'_>,
        command: &str,
        steps: Vec<(ListingId, Vec<ListingCommand>)>,
    ) -> Result<(), ProcessError> {
        if steps.is_empty() {
            return Ok(());
        }
        let steps: Vec<(String, Vec<ListingCommand>)> = steps
            .into_iter()
            .map(|(id, commands)| (id.to_string(), commands))
            .collect();
        let _turn = round.recording.lock().await;
        let executed = self
            .marketplaces
            .listings()
            .execute_many(&steps, &round.metadata.with_command(command))
            .await?;
        for (listing, refusal) in executed.refused {
            tracing::debug!(%listing, %refusal, "listing step skipped");
        }
        Ok(())
    }

    /// When the `attempts`-th failed attempt may be followed by the next: exponential from
    /// `retry_base`, capped at `retry_max`, spread ±25 % so retries do not come in herds.
    fn retry_at(&self, attempts: u32) -> chrono::DateTime<chrono::Utc> {
        let base = self.settings.retry_base.as_millis() as f64;
        let grown = base * 2f64.powi(attempts.saturating_sub(1).min(30) as i32);
        let capped = grown.min(self.settings.retry_max.as_millis() as f64);
        let spread = 0.75 + (Uuid::new_v4().as_u128() % 1_000) as f64 / 2_000.0;
        chrono::Utc::now() + chrono::Duration::milliseconds((capped * spread) as i64)
    }

    /// Records that a push of `area` for these listings (with their failed attempts so far)
    /// could not reach the marketplace; each waits before its next attempt. `before` is
    /// recorded first on each (an expired card request).
    pub(crate) async fn record_unreachable(
        &self,
        round: &Round<'_>,
        area: PushArea,
        reason: &str,
        listings: Vec<(ListingId, u32)>,
        before: Option<ListingCommand>,
    ) -> Result<(), ProcessError> {
        tracing::warn!(account = %round.account_id, ?area, %reason, listings = listings.len(), "push did not reach the marketplace; will retry");
        let steps = listings
            .into_iter()
            .map(|(id, attempts)| {
                let failure = ListingCommand::RecordPushFailure {
                    area,
                    reason: reason.to_owned(),
                    retry_at: self.retry_at(attempts + 1),
                };
                (id, before.iter().cloned().chain([failure]).collect())
            })
            .collect();
        self.record_many(round, "RecordPushFailure", steps).await
    }

    /// Records that these listings' pushes of `area` wait until a set time for a reason that
    /// passes (a quota spent, a product in moderation), shown on each listing.
    pub(crate) async fn record_waiting(
        &self,
        round: &Round<'_>,
        area: PushArea,
        reason: &str,
        waits: Vec<(ListingId, chrono::DateTime<chrono::Utc>)>,
    ) -> Result<(), ProcessError> {
        if waits.is_empty() {
            return Ok(());
        }
        tracing::info!(account = %round.account_id, ?area, %reason, listings = waits.len(), "pushes wait");
        let steps = waits
            .into_iter()
            .map(|(id, retry_at)| {
                let wait = ListingCommand::RecordPushFailure {
                    area,
                    reason: reason.to_owned(),
                    retry_at,
                };
                (id, vec![wait])
            })
            .collect();
        self.record_many(round, "RecordPushWait", steps).await
    }

    pub(crate) fn marketplaces(&self) -> &Marketplaces {
        &self.marketplaces
    }

    pub(crate) fn settings(&self) -> &WorkerSettings {
        &self.settings
    }
}

fn worker_metadata(command: &str) -> EventMetadata {
    ROUNDS.metadata(command)
}
