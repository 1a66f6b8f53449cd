//! `acknowledgeAlert`, `setAlertRules`.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use gomarket_api_core::access::permission;
use gomarket_api_core::alerts::{AlertGql, AlertRulesGql, AlertRulesInput};
use gomarket_api_core::command::{OnConflict, Outcome, command_metadata, outcome, run_command};
use gomarket_api_core::context::request_context;
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::payload::{Payload, UserError};
use gomarket_api_core::{ErrorCode, OrInternal};
use gomarket_domain::identity::Permission;
use gomarket_domain::sales::alert::{AlertCommand, AlertRefusal};
use gomarket_domain::sales::alert_rules::{AlertRulesCommand, AlertRulesRefusal, Thresholds};
use gomarket_infra::alerting::AlertService;
use gomarket_infra::marketplace::Marketplaces;
use std::sync::Arc;

#[derive(Debug, Clone, Default, SimpleObject)]
pub struct AlertPayload {
    pub alert: Option<AlertGql>,
    pub errors: Vec<UserError>,
    /// For `alerts(consistentWith:)`.
    pub consistency_token: Option<String>,
}

#[derive(Debug, Clone, Default, SimpleObject)]
pub struct AlertRulesPayload {
    pub rules: Option<AlertRulesGql>,
    pub errors: Vec<UserError>,
    pub consistency_token: Option<String>,
}

gomarket_api_core::payload!(AlertPayload, AlertRulesPayload);

fn alert_refusal(refusal: &AlertRefusal) -> UserError {
    match refusal {
        AlertRefusal::BadId => UserError::new(ErrorCode::BadUserInput, "id", "not a valid id"),
        AlertRefusal::Unknown => UserError::new(ErrorCode::NotFound, "id", "alert not found"),
        AlertRefusal::Mismatch => UserError::new(ErrorCode::Conflict, "id", refusal.to_string()),
    }
}

fn rules_refusal(refusal: &AlertRulesRefusal) -> UserError {
    match refusal {
        AlertRulesRefusal::BadId => UserError::new(ErrorCode::BadUserInput, "accountId", "not a valid id"),
        AlertRulesRefusal::CoverDaysOutOfRange => {
            UserError::new(ErrorCode::BadUserInput, "rules.stockCoverDays", refusal.to_string())
        }
    }
}

#[derive(Debug, Default)]
pub struct AlertMutation;

#[Object]
impl AlertMutation {
    /// Records that the caller has seen the alert (its `history` shows who and when). An
    /// alert already acknowledged keeps its first acknowledgement.
    #[graphql(guard = "permission(Permission::OperationsWrite)")]
    async fn acknowledge_alert(&self, ctx: &Context<'_>, id: ID) -> Result<AlertPayload> {
        let alert_id = parse_uuid(&id, "id")?;
        let service = ctx.data::<Arc<AlertService>>()?;
        let by = request_context(ctx).actor();
        let metadata = command_metadata(ctx, "AcknowledgeAlert");
        let result = run_command(
            service.alerts(),
            &alert_id.to_string(),
            AlertCommand::Acknowledge { by },
            &metadata,
            OnConflict::Retry,
        )
        .await;
        let conflict = || UserError::new(ErrorCode::Conflict, "id", "the alert changed concurrently; retry");
        Ok(match outcome(ctx, result, alert_refusal, conflict)? {
            Outcome::Done(executed) => AlertPayload {
                alert: executed
                    .aggregate
                    .state
                    .as_ref()
                    .map(|s| AlertGql::from_state(alert_id, s, executed.aggregate.version)),
                errors: vec![],
                consistency_token: executed.token.map(|t| t.encode()),
            },
            Outcome::Refused(errors) => AlertPayload::refused(ctx, errors),
        })
    }

    /// Sets the account's alert thresholds; they apply to what the alerting process sees
    /// from then on.
    #[graphql(guard = "permission(Permission::SyncWrite)")]
    async fn set_alert_rules(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        rules: AlertRulesInput,
    ) -> Result<AlertRulesPayload> {
        let account = parse_uuid(&account_id, "accountId")?;
        let Ok(stock_cover_days) = u32::try_from(rules.stock_cover_days) else {
            let error = rules_refusal(&AlertRulesRefusal::CoverDaysOutOfRange);
            return Ok(AlertRulesPayload::refused(ctx, vec![error]));
        };
        let thresholds = Thresholds {
            stock_cover_days,
            min_margin_kopecks: rules.min_margin_kopecks,
            muted: rules.muted.into_iter().map(Into::into).collect(),
        };
        let marketplaces = ctx.data::<Arc<Marketplaces>>()?;
        let known = marketplaces
            .accounts()
            .load(&account.to_string())
            .await
            .or_internal(ctx)?;
        if known.state.is_none() {
            let error = UserError::new(ErrorCode::NotFound, "accountId", "marketplace account not found");
            return Ok(AlertRulesPayload::refused(ctx, vec![error]));
        }
        let service = ctx.data::<Arc<AlertService>>()?;
        let metadata = command_metadata(ctx, "SetAlertRules");
        let result = run_command(
            service.rules(),
            &account.to_string(),
            AlertRulesCommand::Set(thresholds),
            &metadata,
            OnConflict::Retry,
        )
        .await;
        let conflict = || {
            UserError::new(
                ErrorCode::Conflict,
                "accountId",
                "the rules changed concurrently; retry",
            )
        };
        Ok(match outcome(ctx, result, rules_refusal, conflict)? {
            Outcome::Done(executed) => AlertRulesPayload {
                rules: Some(AlertRulesGql::new(account, executed.aggregate.thresholds.as_ref())),
                errors: vec![],
                consistency_token: executed.token.map(|t| t.encode()),
            },
            Outcome::Refused(errors) => AlertRulesPayload::refused(ctx, errors),
        })
    }
}
