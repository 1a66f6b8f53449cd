//! How many products match a filter, without counting a million rows on every page: counted
//! exactly up to a bound (a walk that stops there), estimated by the planner above it.

use super::product_filter::{push_filter, push_matches};
use super::products_query::ProductFilter;
use serde_json::Value;
use sqlx::{PgPool, Postgres, QueryBuilder};

/// Up to this many matches, [`count_products`] counts them.
pub const EXACT_COUNT_UP_TO: i64 = 10_000;

/// The number of products matching a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductCount {
    /// Exact when `exact`; otherwise the planner's estimate, never below the bound.
    pub value: i64,
    pub exact: bool,
}

/// Counts the products matching `filter`: exactly when there are at most `exact_up_to`,
/// otherwise as estimated from the table's statistics.
pub async fn count_products(
    pool: &PgPool,
    filter: &ProductFilter,
    exact_up_to: i64,
) -> Result<ProductCount, sqlx::Error> {
    let matching = |select: &str| {
        let mut query = QueryBuilder::<Postgres>::new(format!("{select} FROM products p WHERE TRUE"));
        push_filter(&mut query, filter);
        if let Some(terms) = filter.search_terms() {
            push_matches(&mut query, &terms);
        }
        query
    };
    let mut counted = matching("SELECT count(*) FROM (SELECT 1");
    counted.push(" LIMIT ").push_bind(exact_up_to + 1).push(") AS matching");
    let value: i64 = counted.build_query_scalar().persistent(false).fetch_one(pool).await?;
    if value <= exact_up_to {
        return Ok(ProductCount { value, exact: true });
    }
    let plan: Value = matching("EXPLAIN (FORMAT JSON) SELECT 1")
        .build_query_scalar()
        .persistent(false)
        .fetch_one(pool)
        .await?;
    let estimate = plan[0]["Plan"]["Plan Rows"].as_f64().unwrap_or_default() as i64;
    Ok(ProductCount {
        value: estimate.max(value),
        exact: false,
    })
}
