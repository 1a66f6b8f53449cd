//! What the processes that talk to a marketplace per account (the push worker, the sales
//! ingest) do alike: a round over every account that may be used, each account held by one
//! process at a time (an advisory lock of the process's class, so its requests are one
//! process's and share one set of rate-limit buckets), and credentials the marketplace
//! refuses marking the account `CREDENTIALS_INVALID` until the seller replaces them.

use crate::ProcessError;
use gomarket_domain::marketplace::account::{AccountCommand, AccountId, AccountState};
use gomarket_infra::database::{LockKey, LockSession};
use gomarket_infra::error_chain::Chain;
use gomarket_infra::event_store::EventMetadata;
use gomarket_infra::marketplace::Marketplaces;
use gomarket_infra::marketplace::port::MarketplaceError;
use gomarket_infra::marketplace::wildberries::WbError;
use std::future::Future;
use uuid::Uuid;

/// Who goes round: its lock class and its name in logs and event metadata.
#[derive(Debug, Clone, Copy)]
pub struct Rounds {
    pub lock_class: i32,
    /// `system:<actor>` in the metadata of what it records.
    pub actor: &'static str,
    /// What it does with an account, for logs ("pushing to", "reading the reports of").
    pub doing: &'static str,
}

impl Rounds {
    /// Metadata of a command this process issues.
    pub fn metadata(&self, command: &str) -> EventMetadata {
        EventMetadata::new(Uuid::now_v7().to_string(), format!("system:{}", self.actor), command)
    }

    /// Runs `work` on every account that may be used and that no other process holds.
    pub async fn round<F, Fut>(&self, marketplaces: &Marketplaces, mut work: F) -> Result<(), ProcessError>
    where
        F: FnMut(AccountId, AccountState) -> Fut,
        Fut: Future<Output = Result<(), ProcessError>>,
    {
        let mut locks = LockSession::open(marketplaces.pool()).await?;
        for (account_id, account) in marketplaces.list_accounts().await? {
            let Some(state) = account.state.filter(AccountState::can_push) else {
                continue;
            };
            let lock = LockKey::entity(self.lock_class, account_id.as_uuid());
            if !locks.try_lock(lock).await? {
                continue; // another process has this account
            }
            let outcome = work(account_id, state).await;
            locks.unlock(lock).await?;
            match outcome {
                Ok(()) => {}
                Err(
                    ProcessError::Wildberries(WbError::Unauthorized { detail })
                    | ProcessError::Marketplace(MarketplaceError::Unauthorized { detail }),
                ) => {
                    tracing::warn!(%account_id, %detail, doing = self.doing, "the marketplace refused the account's credentials; the account waits for new ones");
                    marketplaces
                        .accounts()
                        .execute(
                            &account_id.to_string(),
                            AccountCommand::MarkCredentialsInvalid { reason: detail },
                            &self.metadata("MarkAccountCredentialsInvalid"),
                        )
                        .await?;
                }
                Err(error) => {
                    tracing::warn!(%account_id, error = %Chain(&error), doing = self.doing, "work on the account stopped for this round");
                }
            }
        }
        locks.close().await;
        Ok(())
    }
}
