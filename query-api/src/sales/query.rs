use async_graphql::{Context, ID, Object, Result};
use gomarket_api_core::access::permission;
use gomarket_api_core::consistency::wait_consistent;
use gomarket_api_core::context::request_context;
use gomarket_api_core::error::{ErrorCode, api_error, failure};
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::paging::{Connection, ListPageInfo, page_size};
use gomarket_api_core::performance::{
    PerformanceFilterInput, PerformancePageInfo, PerformancePeriodGql, PerformanceSortGql, ProductPerformanceGql,
};
use gomarket_api_core::sales::{Date, SalesBucketGql, SalesGroupingGql, SalesSummaryGql, UnmatchedMarketplaceRowGql};
use gomarket_domain::identity::Permission;
use gomarket_domain::marketplace::account::AccountId;
use gomarket_projections::sales::{
    SalesProjection, SalesQueryError, product_performance, sales_summary, unmatched_rows, unmatched_total,
};
use sqlx::PgPool;

type UnmatchedConnection = Connection<UnmatchedMarketplaceRowGql, ListPageInfo>;
type PerformanceConnection = Connection<ProductPerformanceGql, PerformancePageInfo>;

/// A query error a client can act on is `BAD_USER_INPUT` naming its argument; the store's is
/// classified as every failure is.
fn refused(ctx: &Context<'_>, error: SalesQueryError) -> async_graphql::Error {
    match error {
        SalesQueryError::EmptyPeriod | SalesQueryError::PeriodTooLong { .. } => {
            api_error(ErrorCode::BadUserInput, error.to_string(), Some("to"))
        }
        SalesQueryError::BadCursor => api_error(ErrorCode::BadUserInput, error.to_string(), Some("after")),
        SalesQueryError::Store(_) => failure(&error, &request_context(ctx).correlation_id),
    }
}

#[derive(Debug, Default)]
pub struct SalesQuery;

#[Object]
impl SalesQuery {
    /// An account's orders, cancellations, buyouts, returns, revenue and payout from `from` to
    /// `to` (Moscow days, both included, at most a year), by day, week or month.
    /// `consistentWith`: a `consistencyToken`; the query then waits (bounded) until the sales
    /// read model has applied that write.
    #[graphql(guard = "permission(Permission::AnalyticsRead)")]
    async fn sales_summary(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        from: Date,
        to: Date,
        #[graphql(default)] group_by: SalesGroupingGql,
        consistent_with: Option<String>,
    ) -> Result<SalesSummaryGql> {
        let account = AccountId::from(parse_uuid(&account_id, "accountId")?);
        wait_consistent(ctx, SalesProjection::NAME, "sales", consistent_with.as_deref()).await?;
        let pool = ctx.data::<PgPool>()?;
        let buckets = sales_summary(pool, account, from.0, to.0, group_by.into())
            .await
            .map_err(|e| refused(ctx, e))?;
        Ok(SalesSummaryGql {
            totals: SalesBucketGql::total(from.0, &buckets),
            buckets: buckets.iter().map(SalesBucketGql::new).collect(),
        })
    }

    /// An account's report rows that matched no listing or product, newest first.
    /// `consistentWith` as for `salesSummary`.
    #[graphql(guard = "permission(Permission::AnalyticsRead)")]
    async fn unmatched_marketplace_rows(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        first: Option<i32>,
        after: Option<String>,
        consistent_with: Option<String>,
    ) -> Result<UnmatchedConnection> {
        let account = AccountId::from(parse_uuid(&account_id, "accountId")?);
        wait_consistent(ctx, SalesProjection::NAME, "sales", consistent_with.as_deref()).await?;
        let first = page_size(first)?;
        let pool = ctx.data::<PgPool>()?;
        let page = unmatched_rows(pool, account, first as i64, after.as_deref())
            .await
            .map_err(|e| refused(ctx, e))?;
        let total = unmatched_total(pool, account).await.map_err(|e| refused(ctx, e))?;
        let page_info = ListPageInfo {
            has_next_page: page.has_next,
            end_cursor: page.rows.last().map(|r| r.cursor()),
        };
        let nodes: Vec<UnmatchedMarketplaceRowGql> = page.rows.iter().map(UnmatchedMarketplaceRowGql::new).collect();
        Ok(Connection::new(nodes, |n| n.cursor.clone(), page_info, total))
    }

    /// An account's marketplace articles over a window of days ending today, in the order
    /// asked: units, revenue, payout, margin, velocity, stock, days of cover, days out of
    /// stock and the revenue they cost. Windows move at Moscow midnight (`pageInfo.asOf`).
    /// `consistentWith` as for `salesSummary`.
    #[graphql(guard = "permission(Permission::AnalyticsRead)")]
    #[allow(clippy::too_many_arguments)]
    async fn product_performance(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        #[graphql(default)] period: PerformancePeriodGql,
        filter: Option<PerformanceFilterInput>,
        #[graphql(default)] sort: PerformanceSortGql,
        first: Option<i32>,
        after: Option<String>,
        consistent_with: Option<String>,
    ) -> Result<PerformanceConnection> {
        let account = AccountId::from(parse_uuid(&account_id, "accountId")?);
        let filter = filter.unwrap_or_default().parse()?;
        let first = page_size(first)?;
        wait_consistent(ctx, SalesProjection::NAME, "sales", consistent_with.as_deref()).await?;
        let pool = ctx.data::<PgPool>()?;
        let page = product_performance(
            pool,
            account,
            period.days(),
            &filter,
            sort.into(),
            first as i64,
            after.as_deref(),
        )
        .await
        .map_err(|e| refused(ctx, e))?;
        let page_info = PerformancePageInfo {
            has_next_page: page.has_next,
            end_cursor: page.rows.last().map(|r| r.cursor.clone()),
            as_of: page.as_of.map(Date),
        };
        let nodes: Vec<ProductPerformanceGql> = page.rows.iter().map(ProductPerformanceGql::new).collect();
        Ok(Connection::new(nodes, |n| n.cursor.clone(), page_info, page.total))
    }
}
