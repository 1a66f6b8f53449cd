//! What reads need of an account without loading it: its marketplace, from the event that
//! connected it (an account never changes marketplace).

use gomarket_domain::marketplace::values::Marketplace;
use sqlx::PgPool;
use uuid::Uuid;

/// The marketplace of account `id`, when it exists.
pub async fn account_marketplace(pool: &PgPool, id: Uuid) -> Result<Option<Marketplace>, sqlx::Error> {
    let named: Option<serde_json::Value> = sqlx::query_scalar(
        "SELECT payload -> 'AccountConnected' -> 'settings' -> 'marketplace' FROM events
          WHERE aggregate_type = 'MarketplaceAccount' AND aggregate_id = $1 AND sequence = 1",
    )
    .bind(id.to_string())
    .fetch_optional(pool)
    .await?;
    Ok(named.and_then(|m| serde_json::from_value(m).ok()))
}
