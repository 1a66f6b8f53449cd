use super::types::{AccountGql, CardStateGql, CategoryMappingGql, ListingGql};
use crate::access::permission;
use crate::catalog::parse_uuid;
use crate::context::request_context;
use crate::error::{ErrorCode, api_error, internal_error};
use crate::paging::{ListPageInfo, page_size};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use gomarket_domain::identity::Permission;
use gomarket_domain::marketplace::account::AccountId;
use gomarket_infra::marketplaces::Marketplaces;
use gomarket_projections::marketplace::{ListingFilter, get_listing, search_listings};
use sqlx::PgPool;
use std::sync::Arc;

/// Which listings to show.
#[derive(Debug, Clone, Default, InputObject)]
pub struct ListingFilterInput {
    /// Only listings whose card is in this state.
    pub state: Option<CardStateGql>,
    /// Only listings with (or without) open errors.
    pub has_error: Option<bool>,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct ListingEdge {
    pub cursor: String,
    pub node: ListingGql,
}

/// Listings in publication order.
#[derive(Debug, Clone, SimpleObject)]
pub struct ListingConnection {
    pub edges: Vec<ListingEdge>,
    pub nodes: Vec<ListingGql>,
    pub page_info: ListPageInfo,
    pub total_count: i64,
}

fn card_state_name(state: CardStateGql) -> &'static str {
    match state {
        CardStateGql::NotPublished => "NOT_PUBLISHED",
        CardStateGql::Requested => "REQUESTED",
        CardStateGql::Created => "CREATED",
        CardStateGql::Rejected => "REJECTED",
    }
}

#[derive(Debug, Default)]
pub struct MarketplaceQuery;

#[Object]
impl MarketplaceQuery {
    /// Every connected marketplace account, in connection order.
    #[graphql(guard = "permission(Permission::MarketplaceRead)")]
    async fn marketplace_accounts(&self, ctx: &Context<'_>) -> Result<Vec<AccountGql>> {
        let marketplaces = ctx.data::<Arc<Marketplaces>>()?;
        let accounts = marketplaces
            .list_accounts()
            .await
            .map_err(|e| internal_error(&e, &request_context(ctx).correlation_id))?;
        Ok(accounts
            .into_iter()
            .filter_map(|(id, a)| a.state.as_ref().map(|s| AccountGql::new(id, a.version, s)))
            .collect())
    }

    /// One marketplace account.
    #[graphql(guard = "permission(Permission::MarketplaceRead)")]
    async fn marketplace_account(&self, ctx: &Context<'_>, id: ID) -> Result<AccountGql> {
        let id = AccountId::from(parse_uuid(&id, "id")?);
        let marketplaces = ctx.data::<Arc<Marketplaces>>()?;
        let account = marketplaces
            .load_account(id)
            .await
            .map_err(|e| internal_error(&e, &request_context(ctx).correlation_id))?;
        account
            .state
            .as_ref()
            .map(|s| AccountGql::new(id, account.version, s))
            .ok_or_else(|| {
                api_error(
                    ErrorCode::NotFound,
                    format!("no marketplace account with id {id}"),
                    Some("id"),
                )
            })
    }

    /// The seller's category → marketplace subject mappings.
    #[graphql(guard = "permission(Permission::MarketplaceRead)")]
    async fn category_mappings(&self, ctx: &Context<'_>) -> Result<Vec<CategoryMappingGql>> {
        let marketplaces = ctx.data::<Arc<Marketplaces>>()?;
        let mappings = marketplaces
            .list_mappings()
            .await
            .map_err(|e| internal_error(&e, &request_context(ctx).correlation_id))?;
        Ok(mappings.iter().map(CategoryMappingGql::from).collect())
    }

    /// An account's listings, oldest publication first.
    #[graphql(guard = "permission(Permission::MarketplaceRead)")]
    async fn listings(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        filter: Option<ListingFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ListingConnection> {
        let account = parse_uuid(&account_id, "accountId")?;
        let first = page_size(first)?;
        let after = after.map(|a| parse_uuid(&ID(a), "after")).transpose().map_err(|_| {
            api_error(
                ErrorCode::BadUserInput,
                "after: not a cursor issued by this server",
                Some("after"),
            )
        })?;
        let filter = filter.unwrap_or_default();
        let pool = ctx.data::<PgPool>()?;
        let page = search_listings(
            pool,
            &ListingFilter {
                account_id: Some(account),
                card_state: filter.state.map(|s| card_state_name(s).to_owned()),
                has_error: filter.has_error,
            },
            first as i64,
            after,
        )
        .await
        .map_err(|e| internal_error(&e, &request_context(ctx).correlation_id))?;
        let nodes: Vec<ListingGql> = page
            .rows
            .iter()
            .map(|r| ListingGql::new(r.id, r.version, &r.state))
            .collect();
        Ok(ListingConnection {
            edges: nodes
                .iter()
                .map(|n| ListingEdge {
                    cursor: n.id.to_string(),
                    node: n.clone(),
                })
                .collect(),
            page_info: ListPageInfo {
                has_next_page: page.has_next_page,
                end_cursor: nodes.last().map(|n| n.id.to_string()),
            },
            nodes,
            total_count: page.total_count,
        })
    }

    /// One listing, or null.
    #[graphql(guard = "permission(Permission::MarketplaceRead)")]
    async fn listing(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ListingGql>> {
        let id = parse_uuid(&id, "id")?;
        let pool = ctx.data::<PgPool>()?;
        let row = get_listing(pool, id)
            .await
            .map_err(|e| internal_error(&e, &request_context(ctx).correlation_id))?;
        Ok(row.map(|r| ListingGql::new(r.id, r.version, &r.state)))
    }
}
