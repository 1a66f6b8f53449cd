//! Read-your-writes at the edge: a query given a mutation's `consistencyToken`
//! (`consistentWith`) waits, bounded, until the read model it answers from has applied that
//! write.

use crate::context::{ApiSettings, request_context};
use crate::error::{ErrorCode, api_error, failure};
use async_graphql::{Context, Result};
use gomarket_infra::event_store::ConsistencyToken;
use gomarket_projections::consistency::{ConsistencyError, wait_for};
use sqlx::PgPool;

/// Waits until `projection` (the read model called `read_model` in messages) has applied the
/// write behind `token`; at once without a token. A token that is not one is `BAD_USER_INPUT`,
/// a read model that does not catch up in time `UPSTREAM_UNAVAILABLE`.
pub async fn wait_consistent(ctx: &Context<'_>, projection: &str, read_model: &str, token: Option<&str>) -> Result<()> {
    let Some(token) = token else { return Ok(()) };
    let token = ConsistencyToken::decode(token).map_err(|e| {
        api_error(
            ErrorCode::BadUserInput,
            format!("consistentWith: {e}"),
            Some("consistentWith"),
        )
    })?;
    let pool = ctx.data::<PgPool>()?;
    let timeout = ctx
        .data_opt::<ApiSettings>()
        .copied()
        .unwrap_or_default()
        .consistency_timeout;
    match wait_for(pool, projection, &token, timeout).await {
        Ok(()) => Ok(()),
        Err(ConsistencyError::Timeout(_)) => Err(api_error(
            ErrorCode::UpstreamUnavailable,
            format!("the {read_model} read model has not applied this write within {timeout:?}; retry shortly"),
            Some("consistentWith"),
        )),
        Err(ConsistencyError::Database(e)) => Err(failure(&e, &request_context(ctx).correlation_id)),
    }
}
