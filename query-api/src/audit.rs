//! The audit trail: any aggregate's events with who caused them, and a product as it was.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use gomarket_api_core::access::{permission, require};
use gomarket_api_core::audit::AuditEvent;
use gomarket_api_core::catalog::Product;
use gomarket_api_core::context::request_context;
use gomarket_api_core::error::{ErrorCode, api_error, failure};
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::paging::{AuditPageInfo, Connection};
use gomarket_domain::identity::Permission;
use gomarket_infra::event_store::EventFeed;
use gomarket_projections::catalog::{PointInTime, product_at};
use sqlx::PgPool;

const DEFAULT_PAGE_SIZE: i32 = 50;
const MAX_PAGE_SIZE: i32 = 100;

/// Aggregate types whose history can be read, as stored.
const AGGREGATE_TYPES: &[&str] = &[
    "Product",
    "User",
    "ApiKey",
    "Supplier",
    "Import",
    "MarketplaceAccount",
    "CategoryMapping",
    "Listing",
    "SyncPolicy",
    "SyncRun",
    "MarketplaceOrder",
    "MarketplaceStock",
    "SubjectCommission",
    "Alert",
    "AlertRules",
];
/// Aggregates whose history also needs `users:read`: it tells who holds which rights.
const IDENTITY_AGGREGATES: &[&str] = &["User", "ApiKey"];

/// Canonical spelling of an aggregate type given in any letter case.
fn canonical_aggregate_type(raw: &str) -> Result<&'static str> {
    AGGREGATE_TYPES
        .iter()
        .copied()
        .find(|t| t.eq_ignore_ascii_case(raw.trim()))
        .ok_or_else(|| {
            api_error(
                ErrorCode::BadUserInput,
                format!(
                    "aggregateType: unknown aggregate type {raw:.40}; known: {}",
                    AGGREGATE_TYPES.join(", ")
                ),
                Some("aggregateType"),
            )
        })
}

/// History cursors are the sequence of the last event shown.
fn parse_cursor(after: Option<&str>) -> Result<i64> {
    match after {
        None => Ok(0),
        Some(raw) => raw.trim().parse::<i64>().ok().filter(|s| *s >= 0).ok_or_else(|| {
            api_error(
                ErrorCode::BadUserInput,
                "after: not a cursor issued by this server",
                Some("after"),
            )
        }),
    }
}

#[derive(Debug, Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Every event of one aggregate (`Product`, `User`, `ApiKey`), oldest first, with who and
    /// which request caused it: "who changed this price, when, from what". Users' and keys'
    /// histories also need `users:read`.
    #[graphql(guard = "permission(Permission::AuditRead)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        aggregate_type: String,
        aggregate_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<AuditEvent, AuditPageInfo>> {
        let aggregate_type = canonical_aggregate_type(&aggregate_type)?;
        if IDENTITY_AGGREGATES.contains(&aggregate_type) {
            require(ctx, Permission::UsersRead)?;
        }
        let first = first.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&first) {
            let message = format!("first must be between 1 and {MAX_PAGE_SIZE}");
            return Err(api_error(ErrorCode::BadUserInput, message, Some("first")));
        }
        let after_sequence = parse_cursor(after.as_deref())?;
        let feed = EventFeed::new(ctx.data::<PgPool>()?.clone());
        let internal = |e: &(dyn std::error::Error + 'static)| failure(e, &request_context(ctx).correlation_id);
        let mut events = feed
            .aggregate_page(
                aggregate_type,
                aggregate_id.trim(),
                after_sequence,
                i64::from(first) + 1,
            )
            .await
            .map_err(|e| internal(&e))?;
        let total_count = feed
            .aggregate_version(aggregate_type, aggregate_id.trim())
            .await
            .map_err(|e| internal(&e))?;
        let has_next_page = events.len() > first as usize;
        events.truncate(first as usize);
        let page_info = AuditPageInfo {
            has_next_page,
            has_previous_page: after_sequence > 0,
            end_cursor: events.last().map(|e| e.sequence.to_string()),
        };
        let nodes: Vec<AuditEvent> = events.into_iter().map(Into::into).collect();
        Ok(Connection::new(
            nodes,
            |e| e.sequence.to_string(),
            page_info,
            total_count,
        ))
    }

    /// A product as it was after `version` (its sequence number), or at instant `at`, rebuilt by
    /// folding its events. Exactly one of `version` and `at` must be given.
    #[graphql(guard = "permission(Permission::AuditRead)")]
    async fn product_at(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i64>,
        at: Option<DateTime<Utc>>,
    ) -> Result<Option<Product>> {
        let uuid = parse_uuid(&id, "id")?;
        let point = match (version, at) {
            (Some(version), None) if version >= 1 => PointInTime::Version(version as u64),
            (Some(_), None) => {
                return Err(api_error(
                    ErrorCode::BadUserInput,
                    "version: must be at least 1",
                    Some("version"),
                ));
            }
            (None, Some(at)) => PointInTime::At(at),
            _ => {
                return Err(api_error(
                    ErrorCode::BadUserInput,
                    "give exactly one of version and at",
                    Some(if version.is_some() { "at" } else { "version" }),
                ));
            }
        };
        let feed = EventFeed::new(ctx.data::<PgPool>()?.clone());
        match product_at(&feed, uuid, point).await {
            Ok(Some(record)) => Ok(Some(Product(record))),
            Ok(None) => {
                let (field, message) = match point {
                    PointInTime::Version(v) => ("version", format!("product {uuid} has no version {v}")),
                    PointInTime::At(at) => ("at", format!("product {uuid} did not exist at {at}")),
                };
                Err(api_error(ErrorCode::NotFound, message, Some(field)))
            }
            Err(e) => Err(failure(&e, &request_context(ctx).correlation_id)),
        }
    }
}
