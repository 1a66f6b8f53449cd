//! A dead-lettered event, as `projectionFailures` lists it.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};
use gomarket_projections::failures::ProjectionFailure as Failure;

/// An event a projection set aside after failing to apply it repeatedly; the projection went
/// on with other aggregates.
#[derive(Debug, Clone, SimpleObject)]
pub struct ProjectionFailure {
    pub id: ID,
    pub projection: String,
    pub event_id: ID,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub event_type: String,
    /// The last error.
    pub error: String,
    pub attempts: i32,
    pub failed_at: DateTime<Utc>,
}

impl From<Failure> for ProjectionFailure {
    fn from(f: Failure) -> Self {
        Self {
            id: ID(f.id.to_string()),
            projection: f.projection,
            event_id: ID(f.event_id.to_string()),
            aggregate_type: f.aggregate_type,
            aggregate_id: f.aggregate_id,
            sequence: f.sequence,
            event_type: f.event_type,
            error: f.error,
            attempts: f.attempts,
            failed_at: f.failed_at,
        }
    }
}
