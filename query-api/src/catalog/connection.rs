use async_graphql::{ComplexObject, Context, Result, SimpleObject};
use gomarket_api_core::catalog::Product;
use gomarket_api_core::error::OrInternal;
use gomarket_projections::catalog::{EXACT_COUNT_UP_TO, ProductCount, ProductQuery};
use sqlx::PgPool;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// Relay page information.
#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct ProductEdge {
    /// Opaque; pass as `after` to continue after this product.
    pub cursor: String,
    pub node: Product,
}

/// A page of products (Relay connection).
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct ProductConnection {
    pub edges: Vec<ProductEdge>,
    /// The products of this page, without cursors.
    pub nodes: Vec<Product>,
    pub page_info: PageInfo,
    #[graphql(skip)]
    pub count: MatchCount,
}

/// The number of products a filter matches, counted only if a client asks (once, whichever
/// of `totalCount` and `totalCountIsExact` asks first).
#[derive(Debug, Clone)]
pub struct MatchCount {
    /// The page's query: what it looked up (exact codes, the planner's estimate) is reused.
    query: Arc<ProductQuery>,
    counted: Arc<OnceCell<ProductCount>>,
}

impl MatchCount {
    pub fn of(query: Arc<ProductQuery>) -> Self {
        Self {
            query,
            counted: Arc::default(),
        }
    }

    async fn get(&self, ctx: &Context<'_>) -> Result<ProductCount> {
        let pool = ctx.data::<PgPool>()?;
        self.counted
            .get_or_try_init(|| self.query.count(pool, EXACT_COUNT_UP_TO))
            .await
            .copied()
            .or_internal(ctx)
    }
}

#[ComplexObject]
impl ProductConnection {
    /// Number of products matching the filter, over all pages. Counted when the database
    /// expects at most 10 000 matches (`totalCountIsExact: true`), otherwise its estimate from
    /// the table's statistics (`false`), so a page never costs a count of a million rows.
    /// Computed only when selected.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self.count.get(ctx).await?.value)
    }

    /// Whether `totalCount` was counted (true) or estimated (false: more than 10 000 match).
    async fn total_count_is_exact(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.count.get(ctx).await?.exact)
    }
}
