//! How many products match a filter, without counting a million rows on every page.
//!
//! The planner's estimate comes first (planning only, no rows read). When it expects at most
//! the bound, the matches are counted, up to one past the bound, by the plan the planner picks
//! for so few rows; when it expects more, the estimate is the answer. So a count costs at most
//! a bounded read, and a common word over a million products costs a plan, not a scan. A search
//! ranked over all its matches in one query (few matches) has counted them on the way, and that
//! count is the answer.

use super::product_filter::{push_filter, push_matches};
use super::products_query::{ProductFilter, ProductQuery};
use sqlx::{PgPool, Postgres, QueryBuilder};

/// Up to this many matches (as the planner expects them), [`count_products`] counts them.
pub const EXACT_COUNT_UP_TO: i64 = 10_000;

/// The number of products matching a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductCount {
    /// Exact when `exact`; otherwise the planner's estimate, above the bound.
    pub value: i64,
    pub exact: bool,
}

/// Counts the products matching `filter` when the planner expects at most `exact_up_to`
/// (and there are at most that many); otherwise answers the planner's estimate.
pub async fn count_products(
    pool: &PgPool,
    filter: &ProductFilter,
    exact_up_to: i64,
) -> Result<ProductCount, sqlx::Error> {
    ProductQuery::new(filter.clone()).count(pool, exact_up_to).await
}

impl ProductQuery {
    /// See [`count_products`].
    pub async fn count(&self, pool: &PgPool, exact_up_to: i64) -> Result<ProductCount, sqlx::Error> {
        // A page ranked over every match has counted them already: exact, whatever the bound.
        if let Some(value) = self.counted() {
            return Ok(ProductCount { value, exact: true });
        }
        let estimate = self.estimate(pool).await?;
        if estimate > exact_up_to {
            return Ok(ProductCount {
                value: estimate,
                exact: false,
            });
        }
        let mut counted = QueryBuilder::<Postgres>::new("SELECT count(*) FROM (SELECT 1 FROM products p WHERE TRUE");
        push_filter(&mut counted, self.filter());
        if let Some(terms) = self.terms(pool).await? {
            push_matches(&mut counted, terms);
        }
        counted.push(" LIMIT ").push_bind(exact_up_to + 1).push(") AS matching");
        let value: i64 = counted.build_query_scalar().persistent(false).fetch_one(pool).await?;
        Ok(if value <= exact_up_to {
            ProductCount { value, exact: true }
        } else {
            ProductCount {
                value: estimate.max(value),
                exact: false,
            }
        })
    }
}
