use async_graphql::{Context, ID, InputObject, Object, Result};
use gomarket_api_core::access::permission;
use gomarket_api_core::error::{ErrorCode, OrInternal, api_error};
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::marketplace::{AccountGql, CardStateGql, CategoryMappingGql, ListingGql};
use gomarket_api_core::paging::{Connection, ListPageInfo, page_size};
use gomarket_domain::identity::Permission;
use gomarket_domain::marketplace::account::AccountId;
use gomarket_infra::marketplace::Marketplaces;
use gomarket_projections::marketplace::{ListingFilter, get_listing, search_listings};
use sqlx::PgPool;
use std::sync::Arc;

type ListingConnection = Connection<ListingGql, ListPageInfo>;

/// Which listings to show.
#[derive(Debug, Clone, Default, InputObject)]
pub struct ListingFilterInput {
    /// Only listings whose card is in this state.
    pub state: Option<CardStateGql>,
    /// Only listings with (or without) open errors.
    pub has_error: Option<bool>,
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
        let accounts = marketplaces.list_accounts().await.or_internal(ctx)?;
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
        let account = marketplaces.load_account(id).await.or_internal(ctx)?;
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
        let mappings = marketplaces.list_mappings().await.or_internal(ctx)?;
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
        .or_internal(ctx)?;
        let nodes: Vec<ListingGql> = page
            .rows
            .iter()
            .map(|r| ListingGql::new(r.id, r.version, &r.state))
            .collect();
        let page_info = ListPageInfo {
            has_next_page: page.has_next_page,
            end_cursor: nodes.last().map(|n| n.id.to_string()),
        };
        Ok(Connection::new(
            nodes,
            |n| n.id.to_string(),
            page_info,
            page.total_count,
        ))
    }

    /// One listing, or null.
    #[graphql(guard = "permission(Permission::MarketplaceRead)")]
    async fn listing(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ListingGql>> {
        let id = parse_uuid(&id, "id")?;
        let pool = ctx.data::<PgPool>()?;
        let row = get_listing(pool, id).await.or_internal(ctx)?;
        Ok(row.map(|r| ListingGql::new(r.id, r.version, &r.state)))
    }
}
