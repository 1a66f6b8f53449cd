//! `alerts`, `alert`, `alertRules`.

use async_graphql::{Context, ID, Object, Result};
use gomarket_api_core::access::permission;
use gomarket_api_core::alerts::{AlertConnection, AlertEdge, AlertGql, AlertRulesGql, AlertStateGql};
use gomarket_api_core::consistency::wait_consistent;
use gomarket_api_core::error::{ErrorCode, OrInternal, api_error};
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::paging::{ListPageInfo, page_size};
use gomarket_domain::identity::Permission;
use gomarket_infra::alerting::AlertService;
use gomarket_projections::alerts::{AlertQueryError, AlertsProjection, alert, alerts};
use sqlx::PgPool;
use std::sync::Arc;

#[derive(Debug, Default)]
pub struct AlertsQuery;

#[Object]
impl AlertsQuery {
    /// Alerts, newest raised first: of one marketplace account (`accountId`), or all of them
    /// with the supplier-wide ones (no `accountId`), in one state or any. `consistentWith`
    /// waits for the alerts read model to show a mutation's effect (`acknowledgeAlert`).
    #[graphql(guard = "permission(Permission::AnalyticsRead)")]
    async fn alerts(
        &self,
        ctx: &Context<'_>,
        account_id: Option<ID>,
        state: Option<AlertStateGql>,
        first: Option<i32>,
        after: Option<String>,
        consistent_with: Option<String>,
    ) -> Result<AlertConnection> {
        let account = account_id.as_ref().map(|id| parse_uuid(id, "accountId")).transpose()?;
        let first = page_size(first)?;
        wait_consistent(ctx, AlertsProjection::NAME, "alerts", consistent_with.as_deref()).await?;
        let pool = ctx.data::<PgPool>()?;
        let page = match alerts(pool, account, state.map(Into::into), first as i64, after.as_deref()).await {
            Ok(page) => page,
            Err(AlertQueryError::BadCursor) => {
                return Err(api_error(
                    ErrorCode::BadUserInput,
                    "after: not a cursor of this list",
                    Some("after"),
                ));
            }
            Err(AlertQueryError::Database(e)) => return Err(e).or_internal(ctx),
        };
        let edges: Vec<AlertEdge> = page
            .rows
            .iter()
            .filter_map(|row| {
                Some(AlertEdge {
                    cursor: row.cursor(),
                    node: AlertGql::from_row(row)?,
                })
            })
            .collect();
        let nodes = edges.iter().map(|e| e.node.clone()).collect();
        Ok(AlertConnection {
            edges,
            nodes,
            page_info: ListPageInfo {
                has_next_page: page.has_next_page,
                end_cursor: page.end_cursor,
            },
        })
    }

    /// One alert.
    #[graphql(guard = "permission(Permission::AnalyticsRead)")]
    async fn alert(&self, ctx: &Context<'_>, id: ID, consistent_with: Option<String>) -> Result<Option<AlertGql>> {
        let id = parse_uuid(&id, "id")?;
        wait_consistent(ctx, AlertsProjection::NAME, "alerts", consistent_with.as_deref()).await?;
        let pool = ctx.data::<PgPool>()?;
        Ok(alert(pool, id)
            .await
            .or_internal(ctx)?
            .as_ref()
            .and_then(AlertGql::from_row))
    }

    /// The account's alert thresholds (the defaults until `setAlertRules`).
    #[graphql(guard = "permission(Permission::AnalyticsRead)")]
    async fn alert_rules(&self, ctx: &Context<'_>, account_id: ID) -> Result<AlertRulesGql> {
        let account = parse_uuid(&account_id, "accountId")?;
        let service = ctx.data::<Arc<AlertService>>()?;
        let rules = service.rules().load(&account.to_string()).await.or_internal(ctx)?;
        Ok(AlertRulesGql::new(account, rules.thresholds.as_ref()))
    }
}
