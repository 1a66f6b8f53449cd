//! `triggerSync`: starts a run of a policy now.

use crate::payload::{UserError, report};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use gomarket_domain::identity::Permission;
use gomarket_domain::sync::policy::{PolicyCommand, PolicyRefusal, RunTrigger, SyncPolicyId};
use gomarket_infra::event_store::{CommandError, EventMetadata};
use gomarket_infra::sync::SyncService;
use gomarket_query_api::access::permission;
use gomarket_query_api::catalog::parse_uuid;
use gomarket_query_api::context::request_context;
use gomarket_query_api::{ErrorCode, internal_error};
use std::sync::Arc;

#[derive(Debug, Clone, SimpleObject)]
pub struct TriggerSyncPayload {
    /// The run started; `syncRun(id)` shows it as soon as its imports start (moments later).
    pub run_id: Option<ID>,
    pub errors: Vec<UserError>,
    pub consistency_token: Option<String>,
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
            Err(e) => Err(internal_error(&e, &request.correlation_id)),
        }
    }
}
