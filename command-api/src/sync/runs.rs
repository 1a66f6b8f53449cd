//! `triggerSync`, `approveHeldPrices`, `retryFailed`.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use gomarket_api_core::access::permission;
use gomarket_api_core::command::command_metadata;
use gomarket_api_core::context::request_context;
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::payload::{UserError, report};
use gomarket_api_core::sync::SyncRunGql;
use gomarket_api_core::{ErrorCode, failure, store_failure};
use gomarket_domain::identity::Permission;
use gomarket_domain::sync::policy::{PolicyCommand, PolicyRefusal, RunTrigger, SyncPolicyId};
use gomarket_domain::sync::run::{RunCommand, RunRefusal};
use gomarket_infra::event_store::{CommandError, EventMetadata};
use gomarket_infra::sync::SyncService;
use std::sync::Arc;

#[derive(Debug, Clone, SimpleObject)]
pub struct TriggerSyncPayload {
    /// The run started; `syncRun(id)` shows it as soon as its imports start (moments later).
    pub run_id: Option<ID>,
    pub errors: Vec<UserError>,
    pub consistency_token: Option<String>,
}

/// What `approveHeldPrices` and `retryFailed` answer.
#[derive(Debug, Clone, SimpleObject)]
pub struct SyncRunPayload {
    pub run: Option<SyncRunGql>,
    pub errors: Vec<UserError>,
    pub consistency_token: Option<String>,
}

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

/// Runs `command` on the run and answers with the run.
async fn on_run(ctx: &Context<'_>, run_id: &ID, command: RunCommand) -> Result<SyncRunPayload> {
    let run_id = parse_uuid(run_id, "runId")?;
    let request = request_context(ctx);
    let metadata = command_metadata(ctx, command.name());
    let sync = ctx.data::<Arc<SyncService>>()?;
    match sync.runs().execute(&run_id.to_string(), command, &metadata).await {
        Ok(executed) => {
            // A run that works again is its policy's active run again, so no other run of the
            // policy starts beside it (when another already has, this one still goes on).
            if let Some(state) = executed.aggregate.state.as_ref().filter(|_| executed.recorded > 0) {
                let resume = PolicyCommand::StartRun {
                    run_id,
                    trigger: RunTrigger::Manual,
                };
                let resumed = sync
                    .policies()
                    .execute_retrying(
                        &state.policy_id.to_string(),
                        resume,
                        &metadata.with_command("ResumeSyncRun"),
                        5,
                    )
                    .await;
                if let Err(CommandError::Store(e)) = resumed {
                    return Err(store_failure(&e, &request.correlation_id));
                }
            }
            Ok(SyncRunPayload {
                run: executed.aggregate.state.as_ref().map(|s| SyncRunGql::new(run_id, s)),
                errors: vec![],
                consistency_token: executed.token.map(|t| t.encode()),
            })
        }
        Err(CommandError::Refused(refusal)) => {
            let errors = vec![run_refusal(&refusal)];
            report(ctx, &errors);
            Ok(SyncRunPayload {
                run: None,
                errors,
                consistency_token: None,
            })
        }
        Err(e) => Err(failure(&e, &request.correlation_id)),
    }
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
        let request = request_context(ctx);
        let metadata = EventMetadata::new(run_id.to_string(), request.actor(), command.name());
        let sync = ctx.data::<Arc<SyncService>>()?;
        let refused = |error: UserError| {
            let errors = vec![error];
            report(ctx, &errors);
            Ok(TriggerSyncPayload {
                run_id: None,
                errors,
                consistency_token: None,
            })
        };
        match sync
            .policies()
            .execute(&policy_id.to_string(), command, &metadata)
            .await
        {
            Ok(executed) => Ok(TriggerSyncPayload {
                run_id: Some(ID(run_id.to_string())),
                errors: vec![],
                consistency_token: executed.token.map(|t| t.encode()),
            }),
            Err(CommandError::Refused(PolicyRefusal::NotFound)) => {
                refused(UserError::new(ErrorCode::NotFound, "policyId", "sync policy not found"))
            }
            Err(CommandError::Refused(refusal)) => {
                refused(UserError::new(ErrorCode::Conflict, "policyId", refusal.to_string()))
            }
            Err(CommandError::Conflict) => refused(UserError::new(
                ErrorCode::Conflict,
                "policyId",
                "the policy changed concurrently; retry",
            )),
            Err(e) => Err(failure(&e, &request.correlation_id)),
        }
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
