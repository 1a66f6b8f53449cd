//! Operational queries: what the platform could not do by itself.

use crate::access::permission;
use crate::context::request_context;
use crate::error::{ErrorCode, api_error, internal_error};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use gomarket_domain::identity::Permission;
use gomarket_projections::failures::{self, ProjectionFailure as Failure};
use sqlx::PgPool;

const MAX_PAGE_SIZE: i32 = 100;

/// An event a projection set aside after failing to apply it repeatedly; the projection went
/// on with other aggregates.
#[derive(Debug, Clone, SimpleObject)]
pub struct ProjectionFailure {
    pub id: ID,
    pub projection: String,
    pub event_id: ID,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub event_type: String,
    /// The last error.
    pub error: String,
    pub attempts: i32,
    pub failed_at: DateTime<Utc>,
}

impl From<Failure> for ProjectionFailure {
    fn from(f: Failure) -> Self {
        Self {
            id: ID(f.id.to_string()),
            projection: f.projection,
            event_id: ID(f.event_id.to_string()),
            aggregate_type: f.aggregate_type,
            aggregate_id: f.aggregate_id,
            sequence: f.sequence,
            event_type: f.event_type,
            error: f.error,
            attempts: f.attempts,
            failed_at: f.failed_at,
        }
    }
}

#[derive(Debug, Clone, SimpleObject)]
pub struct ProjectionFailureEdge {
    pub cursor: String,
    pub node: ProjectionFailure,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct ProjectionFailurePageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// Dead-lettered events, newest first.
#[derive(Debug, Clone, SimpleObject)]
pub struct ProjectionFailureConnection {
    pub edges: Vec<ProjectionFailureEdge>,
    pub nodes: Vec<ProjectionFailure>,
    pub page_info: ProjectionFailurePageInfo,
    pub total_count: i64,
}

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
    ) -> Result<ProjectionFailureConnection> {
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
            .map_err(|e| internal_error(&e, &request_context(ctx).correlation_id))?;
        let has_next_page = found.len() > first as usize;
        found.truncate(first as usize);
        let edges: Vec<ProjectionFailureEdge> = found
            .into_iter()
            .map(|f| ProjectionFailureEdge {
                cursor: f.id.to_string(),
                node: f.into(),
            })
            .collect();
        Ok(ProjectionFailureConnection {
            page_info: ProjectionFailurePageInfo {
                has_next_page,
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            nodes: edges.iter().map(|e| e.node.clone()).collect(),
            edges,
            total_count,
        })
    }
}
