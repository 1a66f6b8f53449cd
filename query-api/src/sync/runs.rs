//! `syncRuns(policyId)` and `syncRun(id)`: runs as their events fold (always current).

use async_graphql::{Context, ID, Object, Result};
use gomarket_api_core::access::permission;
use gomarket_api_core::context::request_context;
use gomarket_api_core::error::{ErrorCode, OrInternal, api_error, store_failure};
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::paging::{Connection, ListPageInfo, page_size};
use gomarket_api_core::sync::run::SyncRunGql;
use gomarket_domain::identity::Permission;
use gomarket_domain::sync::run::SyncRun;
use gomarket_infra::event_store::StoreError;
use gomarket_infra::sync::SyncService;
use std::sync::Arc;
use uuid::Uuid;

#[derive(Debug, Default)]
pub struct SyncRunQuery;

#[Object]
impl SyncRunQuery {
    /// A policy's runs, newest first.
    #[graphql(guard = "permission(Permission::SyncRead)")]
    async fn sync_runs(
        &self,
        ctx: &Context<'_>,
        policy_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<SyncRunGql, ListPageInfo>> {
        let policy_id = parse_uuid(&policy_id, "policyId")?;
        let first = page_size(first)?;
        let sync = ctx.data::<Arc<SyncService>>()?;
        let fail = |e: StoreError| store_failure(&e, &request_context(ctx).correlation_id);
        let after = after
            .as_deref()
            .map(|cursor| {
                Uuid::parse_str(cursor)
                    .map_err(|_| api_error(ErrorCode::BadUserInput, "after: not a cursor", Some("after")))
            })
            .transpose()?;
        // One more than the page: whether another page follows. A cursor that is none of the
        // policy's runs is past its last.
        let mut page = sync
            .runs_page(policy_id, after, first + 1)
            .await
            .map_err(fail)?
            .unwrap_or_default();
        let has_next_page = page.len() > first;
        page.truncate(first);
        let runs = sync.load_runs(&page).await.map_err(fail)?;
        let nodes: Vec<SyncRunGql> = runs
            .iter()
            .filter_map(|(id, run)| run.state.as_ref().map(|s| SyncRunGql::new(*id, s)))
            .collect();
        let page_info = ListPageInfo {
            has_next_page,
            end_cursor: page.last().map(Uuid::to_string),
        };
        // Counting walks the policy's whole history: only when asked.
        let total_count = if ctx.look_ahead().field("totalCount").exists() {
            sync.count_runs(policy_id).await.map_err(fail)?
        } else {
            0
        };
        Ok(Connection::new(nodes, |run| run.id.to_string(), page_info, total_count))
    }

    /// One run, with its items.
    #[graphql(guard = "permission(Permission::SyncRead)")]
    async fn sync_run(&self, ctx: &Context<'_>, id: ID) -> Result<SyncRunGql> {
        let id = parse_uuid(&id, "id")?;
        let run: SyncRun = ctx
            .data::<Arc<SyncService>>()?
            .runs()
            .load(&id.to_string())
            .await
            .or_internal(ctx)?;
        run.state
            .as_ref()
            .map(|s| SyncRunGql::new(id, s))
            .ok_or_else(|| api_error(ErrorCode::NotFound, "sync run not found", Some("id")))
    }
}
