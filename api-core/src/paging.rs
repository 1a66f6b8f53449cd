//! Every list's page: one generic [`Connection`] of [`Edge`]s (named per node type in the
//! schema: `UserConnection`, `UserEdge`, …), and paging of short lists held in memory (users,
//! keys, suppliers, imports): node ids as cursors, page size 1–100. (`products` has a page
//! type of its own: its count is estimated and computed only when selected.)

use crate::audit::AuditEvent;
use crate::error::{ErrorCode, api_error};
use crate::identity::{ApiKeyGql, SecretGql, UserGql};
use crate::marketplace::ListingGql;
use crate::operations::ProjectionFailure;
use crate::performance::{PerformancePageInfo, ProductPerformanceGql};
use crate::sales::UnmatchedMarketplaceRowGql;
use crate::supplier::{ImportGql, RejectedOffer, SupplierGql};
use crate::sync::SyncRunGql;
use async_graphql::{OutputType, Result, SimpleObject};

const MAX_PAGE_SIZE: i32 = 100;

pub fn page_size(first: Option<i32>) -> Result<usize> {
    let first = first.unwrap_or(50);
    if (1..=MAX_PAGE_SIZE).contains(&first) {
        Ok(first as usize)
    } else {
        Err(api_error(
            ErrorCode::BadUserInput,
            format!("first must be between 1 and {MAX_PAGE_SIZE}"),
            Some("first"),
        ))
    }
}

/// Skips past the item whose id is `after` (ids are the cursors).
pub fn after_cursor<T>(items: Vec<T>, id_of: impl Fn(&T) -> String, after: Option<&str>) -> Result<Vec<T>> {
    let Some(after) = after else { return Ok(items) };
    let position = items
        .iter()
        .position(|item| id_of(item) == after)
        .ok_or_else(not_a_cursor)?;
    Ok(items.into_iter().skip(position + 1).collect())
}

/// `BAD_USER_INPUT` on `after`: the cursor names nothing of this list.
pub fn not_a_cursor() -> async_graphql::Error {
    api_error(
        ErrorCode::BadUserInput,
        "after: not a cursor issued by this server",
        Some("after"),
    )
}

/// Relay edges of `nodes`, each with its cursor.
pub fn edges<N: OutputType + Clone>(nodes: &[N], cursor: impl Fn(&N) -> String) -> Vec<Edge<N>> {
    nodes
        .iter()
        .map(|node| Edge {
            cursor: cursor(node),
            node: node.clone(),
        })
        .collect()
}

/// One node of a page, with the cursor to continue after it.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(concrete(name = "UserEdge", params(UserGql)))]
#[graphql(concrete(name = "ApiKeyEdge", params(ApiKeyGql)))]
#[graphql(concrete(name = "SecretEdge", params(SecretGql)))]
#[graphql(concrete(name = "SupplierEdge", params(SupplierGql)))]
#[graphql(concrete(name = "ImportEdge", params(ImportGql)))]
#[graphql(concrete(name = "RejectedOfferEdge", params(RejectedOffer)))]
#[graphql(concrete(name = "ListingEdge", params(ListingGql)))]
#[graphql(concrete(name = "SyncRunEdge", params(SyncRunGql)))]
#[graphql(concrete(name = "AuditEventEdge", params(AuditEvent)))]
#[graphql(concrete(name = "ProjectionFailureEdge", params(ProjectionFailure)))]
#[graphql(concrete(name = "UnmatchedMarketplaceRowEdge", params(UnmatchedMarketplaceRowGql)))]
#[graphql(concrete(name = "ProductPerformanceEdge", params(ProductPerformanceGql)))]
pub struct Edge<N: OutputType> {
    /// Pass as `after` to continue after this node.
    pub cursor: String,
    pub node: N,
}

/// A page of a list, in the list's order.
// Clippy reads the concrete instances naming the same page-info type as repeated attributes.
#[allow(clippy::duplicated_attributes)]
#[derive(Debug, Clone, SimpleObject)]
#[graphql(concrete(name = "UserConnection", params(UserGql, ListPageInfo)))]
#[graphql(concrete(name = "ApiKeyConnection", params(ApiKeyGql, ListPageInfo)))]
#[graphql(concrete(name = "SecretConnection", params(SecretGql, ListPageInfo)))]
#[graphql(concrete(name = "SupplierConnection", params(SupplierGql, ListPageInfo)))]
#[graphql(concrete(name = "ImportConnection", params(ImportGql, ListPageInfo)))]
#[graphql(concrete(name = "RejectedOfferConnection", params(RejectedOffer, RejectedPageInfo)))]
#[graphql(concrete(name = "ListingConnection", params(ListingGql, ListPageInfo)))]
#[graphql(concrete(name = "SyncRunConnection", params(SyncRunGql, ListPageInfo)))]
#[graphql(concrete(name = "AuditEventConnection", params(AuditEvent, AuditPageInfo)))]
#[graphql(concrete(
    name = "ProjectionFailureConnection",
    params(ProjectionFailure, ProjectionFailurePageInfo)
))]
#[graphql(concrete(
    name = "UnmatchedMarketplaceRowConnection",
    params(UnmatchedMarketplaceRowGql, ListPageInfo)
))]
#[graphql(concrete(
    name = "ProductPerformanceConnection",
    params(ProductPerformanceGql, PerformancePageInfo)
))]
pub struct Connection<N: OutputType, P: OutputType>
where
    Edge<N>: OutputType,
{
    pub edges: Vec<Edge<N>>,
    pub nodes: Vec<N>,
    pub page_info: P,
    /// Number of nodes over all pages.
    pub total_count: i64,
}

impl<N: OutputType + Clone, P: OutputType> Connection<N, P>
where
    Edge<N>: OutputType,
{
    /// The page of `nodes`, each node's cursor from `cursor`.
    pub fn new(nodes: Vec<N>, cursor: impl Fn(&N) -> String, page_info: P, total_count: i64) -> Self {
        Self {
            edges: edges(&nodes, cursor),
            nodes,
            page_info,
            total_count,
        }
    }
}

/// The page of a list held in memory whose nodes' ids are their cursors: the `first` nodes
/// after the node `after`.
pub fn page_in_memory<N: OutputType + Clone>(
    all: Vec<N>,
    first: usize,
    after: Option<&str>,
    id: impl Fn(&N) -> String,
) -> Result<Connection<N, ListPageInfo>>
where
    Edge<N>: OutputType,
{
    let total_count = all.len() as i64;
    let rest = after_cursor(all, &id, after)?;
    let has_next_page = rest.len() > first;
    let nodes: Vec<N> = rest.into_iter().take(first).collect();
    let page_info = ListPageInfo {
        has_next_page,
        end_cursor: nodes.last().map(&id),
    };
    Ok(Connection::new(nodes, id, page_info, total_count))
}

/// Page information of lists paged by node id.
#[derive(Debug, Clone, SimpleObject)]
pub struct ListPageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// Page information of an aggregate's history (`history`).
#[derive(Debug, Clone, SimpleObject)]
pub struct AuditPageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub end_cursor: Option<String>,
}

/// Page information of dead-lettered events (`projectionFailures`).
#[derive(Debug, Clone, SimpleObject)]
pub struct ProjectionFailurePageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// Page information of an import's rejected offers.
#[derive(Debug, Clone, SimpleObject)]
pub struct RejectedPageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}
