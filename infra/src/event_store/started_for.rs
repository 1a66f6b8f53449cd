//! The aggregates started for a parent, newest first, a page at a time: a supplier's imports,
//! a policy's runs. Their first event names the parent; a partial index per kind holds only
//! those first events, by parent and position (infra migration 20261205000003), so a page costs
//! its own rows whatever the history of the type.

use super::batch::BatchError;
use cqrs_es::Aggregate;
use sqlx::PgPool;
use uuid::Uuid;

/// Where the first event of an aggregate names its parent. The names are written into the SQL
/// as literals, word for word as the partial index has them, because PostgreSQL uses an
/// expression index only for the same expression, and a partial one only when the query's own
/// conditions imply the index's.
#[derive(Debug, Clone, Copy)]
pub struct StartedFor {
    pub first_event: &'static str,
    pub field: &'static str,
}

/// An import's `ImportStarted` names its supplier (`events_imports_of_supplier_idx`).
pub const IMPORTS_OF_SUPPLIER: StartedFor = StartedFor {
    first_event: "ImportStarted",
    field: "supplier_id",
};

/// A run's `RunStarted` names its policy (`events_runs_of_policy_idx`).
pub const RUNS_OF_POLICY: StartedFor = StartedFor {
    first_event: "RunStarted",
    field: "policy_id",
};

/// The condition on an aggregate of type `A` started for the parent bound as `$1`. Every name
/// in it is a constant of this code, never input.
fn started_for<A: Aggregate>(started: StartedFor) -> String {
    format!(
        "aggregate_type = '{}' AND sequence = 1 AND payload -> '{}' ->> '{}' = $1",
        A::TYPE,
        started.first_event,
        started.field
    )
}

/// The position of the aggregate `$2` if it was started for the parent `$1`.
pub fn cursor_sql<A: Aggregate>(started: StartedFor) -> String {
    format!(
        "SELECT position FROM events WHERE {} AND aggregate_id = $2",
        started_for::<A>(started)
    )
}

/// At most `$3` ids started for the parent `$1` before position `$2`, newest first.
pub fn page_sql<A: Aggregate>(started: StartedFor) -> String {
    format!(
        "SELECT aggregate_id::uuid FROM events WHERE {} AND position < $2 ORDER BY position DESC LIMIT $3",
        started_for::<A>(started)
    )
}

/// How many were started for the parent `$1`.
pub fn count_sql<A: Aggregate>(started: StartedFor) -> String {
    format!("SELECT count(*) FROM events WHERE {}", started_for::<A>(started))
}

/// At most `limit` ids of the aggregates of type `A` started for `parent`, newest first, after
/// the aggregate `after` (`None`: from the newest). `None` when `after` is not one of them.
pub async fn page<A: Aggregate>(
    pool: &PgPool,
    started: StartedFor,
    parent: &str,
    after: Option<Uuid>,
    limit: usize,
) -> Result<Option<Vec<Uuid>>, BatchError> {
    let before = match after {
        None => i64::MAX,
        Some(after) => {
            let position: Option<i64> = sqlx::query_scalar(&cursor_sql::<A>(started))
                .bind(parent)
                .bind(after.to_string())
                .fetch_optional(pool)
                .await?;
            match position {
                Some(position) => position,
                None => return Ok(None),
            }
        }
    };
    let ids = sqlx::query_scalar(&page_sql::<A>(started))
        .bind(parent)
        .bind(before)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(pool)
        .await?;
    Ok(Some(ids))
}

/// How many aggregates of type `A` were started for `parent` (a walk of that parent's index
/// entries: asked only when a client selects the count).
pub async fn count<A: Aggregate>(pool: &PgPool, started: StartedFor, parent: &str) -> Result<i64, BatchError> {
    Ok(sqlx::query_scalar(&count_sql::<A>(started))
        .bind(parent)
        .fetch_one(pool)
        .await?)
}
