//! `triggerSync`, `approveHeldPrices`, `retryFailed`.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use gomarket_api_core::access::permission;
use gomarket_api_core::command::{OnConflict, Outcome, command_metadata, outcome, run_command};
use gomarket_api_core::context::request_context;
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::payload::{Payload, UserError};
use gomarket_api_core::sync::SyncRunGql;
use gomarket_api_core::{ErrorCode, store_failure};
use gomarket_domain::identity::Permission;
use gomarket_domain::sync::policy::{PolicyCommand, PolicyRefusal, RunTrigger, SyncPolicyId};
use gomarket_domain::sync::run::{RunCommand, RunRefusal};
use gomarket_infra::event_store::{CommandError, EventMetadata};
use gomarket_infra::sync::SyncService;
use std::sync::Arc;

#[derive(Debug, Clone, Default, SimpleObject)]
pub struct TriggerSyncPayload {
    /// The run started; `syncRun(id)` shows it as soon as its imports start (moments later).
    pub run_id: Option<ID>,
    pub errors: Vec<UserError>,
    pub consistency_token: Option<String>,
}

/// What `approveHeldPrices` and `retryFailed` answer.
#[derive(Debug, Clone, Default, SimpleObject)]
pub struct SyncRunPayload {
    pub run: Option<SyncRunGql>,
    pub errors: Vec<UserError>,
    pub consistency_token: Option<String>,
}

gomarket_api_core::payload!(TriggerSyncPayload, SyncRunPayload);

fn run_refusal(refusal: &RunRefusal) -> UserError {
    match refusal {
        RunRefusal::NotFound => UserError::new(ErrorCode::NotFound, "runId", "sync run not found"),
        RunRefusal::BadId => UserError::new(ErrorCode::BadUserInput, "runId", "not a valid id"),
        RunRefusal::NotHeld(_) => UserError::new(ErrorCode::BadUserInput, "productIds", refusal.to_string()),
        RunRefusal::AlreadyStarted | RunRefusal::WrongStatus(_) => {
            UserError::new(ErrorCode::Conflict, "runId", refusal.to_string())
        }
    }
}

fn start_refusal(refusal: &PolicyRefusal) -> UserError {
    match refusal {
        PolicyRefusal::NotFound => UserError::new(ErrorCode::NotFound, "policyId", "sync policy not found"),
        other => UserError::new(ErrorCode::Conflict, "policyId", other.to_string()),
    }
}

/// Runs `command` on the run and answers with the run.
async fn on_run(ctx: &Context<'_>, run_id: &ID, command: RunCommand) -> Result<SyncRunPayload> {
    let run_id = parse_uuid(run_id, "runId")?;
    let metadata = command_metadata(ctx, command.name());
    let sync = ctx.data::<Arc<SyncService>>()?;
    let result = run_command(sync.runs(), &run_id.to_string(), command, &metadata, OnConflict::Retry).await;
    let conflict = || UserError::new(ErrorCode::Conflict, "runId", "the run changed concurrently; retry");
    let executed = match outcome(ctx, result, run_refusal, conflict)? {
        Outcome::Done(executed) => executed,
        Outcome::Refused(errors) => return Ok(SyncRunPayload::refused(ctx, errors)),
    };
    // A run that works again is its policy's active run again, so no other run of the policy
    // starts beside it (when another already has, this one still goes on).
    if let Some(state) = executed.aggregate.state.as_ref().filter(|_| executed.recorded > 0) {
        let resume = PolicyCommand::StartRun {
            run_id,
            trigger: RunTrigger::Manual,
        };
        let policy_id = state.policy_id.to_string();
        let metadata = metadata.with_command("ResumeSyncRun");
        let resumed = run_command(sync.policies(), &policy_id, resume, &metadata, OnConflict::Retry).await;
        if let Err(CommandError::Store(e)) = resumed {
            return Err(store_failure(&e, &request_context(ctx).correlation_id));
        }
    }
    Ok(SyncRunPayload {
        run: executed.aggregate.state.as_ref().map(|s| SyncRunGql::new(run_id, s)),
        errors: vec![],
        consistency_token: executed.token.map(|t| t.encode()),
    })
}

#[derive(Debug, Default)]
pub struct SyncRunMutation;

#[Object]
impl SyncRunMutation {
    /// Starts a run of the policy now: its suppliers are imported, its rules applied, the
    /// changes pushed. `CONFLICT` while the policy has a run in progress.
    #[graphql(guard = "permission(Permission::SyncRun)")]
    async fn trigger_sync(&self, ctx: &Context<'_>, policy_id: ID) -> Result<TriggerSyncPayload> {
        let policy_id = SyncPolicyId::from(parse_uuid(&policy_id, "policyId")?);
        let run_id = uuid::Uuid::now_v7();
        let command = PolicyCommand::StartRun {
            run_id,
            trigger: RunTrigger::Manual,
        };
        // The run's own id correlates everything it causes.
        let metadata = EventMetadata::new(run_id.to_string(), request_context(ctx).actor(), command.name());
        let sync = ctx.data::<Arc<SyncService>>()?;
        let result = run_command(
            sync.policies(),
            &policy_id.to_string(),
            command,
            &metadata,
            OnConflict::Retry,
        )
        .await;
        let conflict = || {
            UserError::new(
                ErrorCode::Conflict,
                "policyId",
                "the policy changed concurrently; retry",
            )
        };
        Ok(match outcome(ctx, result, start_refusal, conflict)? {
            Outcome::Done(executed) => TriggerSyncPayload {
                run_id: Some(ID(run_id.to_string())),
                errors: vec![],
                consistency_token: executed.token.map(|t| t.encode()),
            },
            Outcome::Refused(errors) => TriggerSyncPayload::refused(ctx, errors),
        })
    }

    /// Lets prices the price-drop guard held go out after all: the items are pushed and
    /// settle like the others. Every product must be a `HELD` item of the run.
    #[graphql(guard = "permission(Permission::SyncWrite)")]
    async fn approve_held_prices(&self, ctx: &Context<'_>, run_id: ID, product_ids: Vec<ID>) -> Result<SyncRunPayload> {
        let mut ids = Vec::with_capacity(product_ids.len());
        for (i, raw) in product_ids.iter().enumerate() {
            ids.push(parse_uuid(raw, &format!("productIds[{i}]"))?);
        }
        on_run(ctx, &run_id, RunCommand::ApproveHeld { product_ids: ids }).await
    }

    /// Drives the run's `FAILED` items again from their first attempt (after the marketplace
    /// is back, or the cause is fixed).
    #[graphql(guard = "permission(Permission::SyncRun)")]
    async fn retry_failed(&self, ctx: &Context<'_>, run_id: ID) -> Result<SyncRunPayload> {
        on_run(ctx, &run_id, RunCommand::RetryFailed).await
    }
}
