//! Operational queries: what the platform could not do by itself.

use async_graphql::{Context, Object, Result};
use gomarket_api_core::access::permission;
use gomarket_api_core::error::{ErrorCode, OrInternal, api_error};
use gomarket_api_core::operations::ProjectionFailure;
use gomarket_api_core::paging::{Connection, ProjectionFailurePageInfo};
use gomarket_domain::identity::Permission;
use gomarket_projections::failures;
use sqlx::PgPool;

const MAX_PAGE_SIZE: i32 = 100;

#[derive(Debug, Default)]
pub struct OperationsQuery;

#[Object]
impl OperationsQuery {
    /// Events projections could not apply (optionally of one projection), newest first.
    #[graphql(guard = "permission(Permission::OperationsRead)")]
    async fn projection_failures(
        &self,
        ctx: &Context<'_>,
        projection: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<ProjectionFailure, ProjectionFailurePageInfo>> {
        let first = first.unwrap_or(50);
        if !(1..=MAX_PAGE_SIZE).contains(&first) {
            let message = format!("first must be between 1 and {MAX_PAGE_SIZE}");
            return Err(api_error(ErrorCode::BadUserInput, message, Some("first")));
        }
        let after = match after {
            None => None,
            Some(raw) => Some(raw.trim().parse::<i64>().map_err(|_| {
                api_error(
                    ErrorCode::BadUserInput,
                    "after: not a cursor issued by this server",
                    Some("after"),
                )
            })?),
        };
        let pool = ctx.data::<PgPool>()?;
        let (mut found, total_count) = failures::list(pool, projection.as_deref(), i64::from(first) + 1, after)
            .await
            .or_internal(ctx)?;
        let has_next_page = found.len() > first as usize;
        found.truncate(first as usize);
        let page_info = ProjectionFailurePageInfo {
            has_next_page,
            end_cursor: found.last().map(|f| f.id.to_string()),
        };
        let nodes: Vec<ProjectionFailure> = found.into_iter().map(Into::into).collect();
        Ok(Connection::new(nodes, |f| f.id.to_string(), page_info, total_count))
    }
}
