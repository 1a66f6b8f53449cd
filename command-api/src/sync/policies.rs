//! `upsertSyncPolicy`.

use super::inputs::{SyncPolicyInput, guard};
use async_graphql::{Context, Object, Result, SimpleObject};
use gomarket_api_core::access::permission;
use gomarket_api_core::command::{OnConflict, Outcome, command_metadata, outcome, run_command};
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::payload::{Payload, UserError};
use gomarket_api_core::sync::SyncPolicyGql;
use gomarket_api_core::{ErrorCode, OrInternal};
use gomarket_domain::identity::Permission;
use gomarket_domain::marketplace::account::AccountId;
use gomarket_domain::supplier::SupplierId;
use gomarket_domain::sync::policy::{PolicyCommand, PolicyRefusal, PolicySettings, SyncPolicyId};
use gomarket_domain::sync::pricing::PricingRule;
use gomarket_infra::marketplace::Marketplaces;
use gomarket_infra::supplier::SupplierRegistry;
use gomarket_infra::sync::SyncService;
use std::collections::BTreeSet;
use std::sync::Arc;

#[derive(Debug, Clone, Default, SimpleObject)]
pub struct SyncPolicyPayload {
    pub policy: Option<SyncPolicyGql>,
    pub errors: Vec<UserError>,
    pub consistency_token: Option<String>,
}

gomarket_api_core::payload!(SyncPolicyPayload);

fn policy_refusal(refusal: &PolicyRefusal) -> UserError {
    let (code, field) = match refusal {
        PolicyRefusal::BadId => (ErrorCode::BadUserInput, "id"),
        PolicyRefusal::Invalid { field, .. } => (ErrorCode::BadUserInput, *field),
        PolicyRefusal::NotFound => (ErrorCode::NotFound, "id"),
        PolicyRefusal::RunInProgress(_) | PolicyRefusal::TickAlreadyRun | PolicyRefusal::Disabled => {
            (ErrorCode::Conflict, "id")
        }
    };
    let message = match refusal {
        PolicyRefusal::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    };
    UserError::new(code, field, message)
}

#[derive(Debug, Default)]
pub struct SyncPolicyMutation;

#[Object]
impl SyncPolicyMutation {
    /// Creates a sync policy (no `id`) or replaces one's settings. Suppliers and the account
    /// must exist; the pricing rule defaults to the seed system's.
    #[graphql(guard = "permission(Permission::SyncWrite)")]
    async fn upsert_sync_policy(&self, ctx: &Context<'_>, input: SyncPolicyInput) -> Result<SyncPolicyPayload> {
        let settings = match settings_of(ctx, &input).await? {
            Ok(settings) => settings,
            Err(errors) => return Ok(SyncPolicyPayload::refused(ctx, errors)),
        };
        let id = match &input.id {
            Some(raw) => SyncPolicyId::from(parse_uuid(raw, "id")?),
            None => SyncPolicyId::from(uuid::Uuid::now_v7()),
        };
        let policies = ctx.data::<Arc<SyncService>>()?;
        if input.id.is_some() && policies.load(id).await.or_internal(ctx)?.state.is_none() {
            let errors = vec![policy_refusal(&PolicyRefusal::NotFound)];
            return Ok(SyncPolicyPayload::refused(ctx, errors));
        }
        let metadata = command_metadata(ctx, "UpsertSyncPolicy");
        let command = PolicyCommand::Upsert(Box::new(settings));
        let result = run_command(
            policies.policies(),
            &id.to_string(),
            command,
            &metadata,
            OnConflict::Retry,
        )
        .await;
        Ok(match outcome(ctx, result, policy_refusal, concurrent_change)? {
            Outcome::Done(executed) => SyncPolicyPayload {
                policy: executed
                    .aggregate
                    .state
                    .as_ref()
                    .map(|s| SyncPolicyGql::new(id, executed.version, s)),
                errors: vec![],
                consistency_token: executed.token.map(|t| t.encode()),
            },
            Outcome::Refused(errors) => SyncPolicyPayload::refused(ctx, errors),
        })
    }
}

/// A policy upsert that lost a race (after its retries): the caller tries again.
fn concurrent_change() -> UserError {
    UserError::new(ErrorCode::Conflict, "id", "the policy changed concurrently; retry")
}

/// The value, or its error noted in `errors`.
fn take<T>(errors: &mut Vec<UserError>, result: Result<T, UserError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// The settings `input` asks for, or every problem with it.
async fn settings_of(ctx: &Context<'_>, input: &SyncPolicyInput) -> Result<Result<PolicySettings, Vec<UserError>>> {
    let mut errors = Vec::new();
    let mut supplier_ids = BTreeSet::new();
    let registry = ctx.data::<Arc<SupplierRegistry>>()?;
    for (i, raw) in input.supplier_ids.iter().enumerate() {
        let field = format!("supplierIds[{i}]");
        match SupplierId::parse(raw) {
            Ok(id) => {
                let supplier = registry.load(id).await.or_internal(ctx)?;
                if supplier.is_some() {
                    supplier_ids.insert(id.as_uuid());
                } else {
                    errors.push(UserError::new(ErrorCode::NotFound, &field, "no such supplier"));
                }
            }
            Err(_) => errors.push(UserError::new(ErrorCode::BadUserInput, &field, "not a valid id")),
        }
    }
    let account_id = match AccountId::parse(&input.account_id) {
        Ok(id) => {
            let account = ctx
                .data::<Arc<Marketplaces>>()?
                .load_account(id)
                .await
                .or_internal(ctx)?;
            if account.state.is_none() {
                errors.push(UserError::new(
                    ErrorCode::NotFound,
                    "accountId",
                    "no such marketplace account",
                ));
            }
            Some(id)
        }
        Err(_) => {
            errors.push(UserError::new(ErrorCode::BadUserInput, "accountId", "not a valid id"));
            None
        }
    };
    let pricing = match &input.pricing {
        Some(pricing) => take(&mut errors, pricing.to_rule()),
        None => Some(PricingRule::seed()),
    };
    let stock = take(&mut errors, input.stock.clone().unwrap_or_default().to_rule());
    let schedule = input.schedule.as_ref().map(|s| take(&mut errors, s.to_schedule()));
    let price_drop_guard = take(&mut errors, guard(input.price_drop_guard_percent));
    let max_attempts = take(
        &mut errors,
        u32::try_from(input.max_attempts)
            .map_err(|_| UserError::new(ErrorCode::BadUserInput, "maxAttempts", "must be positive")),
    );
    let (Some(account_id), Some(pricing), Some(stock), Some(price_drop_guard), Some(max_attempts)) =
        (account_id, pricing, stock, price_drop_guard, max_attempts)
    else {
        return Ok(Err(errors));
    };
    let Some(schedule) = schedule.map_or(Some(None), |s| s.map(Some)) else {
        return Ok(Err(errors));
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    Ok(Ok(PolicySettings {
        name: input.name.clone(),
        supplier_ids,
        account_id: account_id.as_uuid(),
        pricing,
        stock,
        exclusions: input.exclusions.clone().unwrap_or_default().to_exclusions(),
        price_drop_guard,
        schedule,
        max_attempts,
        enabled: input.enabled,
    }))
}
