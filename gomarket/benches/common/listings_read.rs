//! What the push benchmarks watch in the listings read model.

use gomarket_testkit::TestDatabase;
use std::time::Duration;

/// Listings that meet `condition` (SQL over the `listings` read model).
async fn count(db: &TestDatabase, condition: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM listings WHERE {condition}"))
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// Waits until `listings` listings meet `condition`.
pub async fn wait_until(db: &TestDatabase, condition: &str, listings: usize) {
    while count(db, condition).await < listings as i64 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
