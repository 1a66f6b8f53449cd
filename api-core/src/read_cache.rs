//! Hot reads through the shared read cache (`GOMARKET_REDIS_URL`; see
//! `gomarket_infra::shared_state::read_cache` for how entries follow the projectors).

use async_graphql::Context;
use gomarket_infra::shared_state::read_cache::{Cached, ReadCache};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;

/// `read`'s value for `arguments`: from the cache when it holds one for `projection`'s current
/// generation, else read and cached. A read that waited for a write (`consistentWith`) is
/// never answered from the cache; it moves the projection to a new generation first, so no
/// replica serves anything older afterwards.
pub async fn read_through<T, E, F, Fut>(
    ctx: &Context<'_>,
    projection: &str,
    query: &'static str,
    arguments: &impl Serialize,
    waited_for_write: bool,
    read: F,
) -> Result<T, E>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let Some(cache) = ctx.data_opt::<ReadCache>() else {
        return read().await;
    };
    if waited_for_write {
        cache.advance(projection).await;
        return read().await;
    }
    match cache.lookup(projection, query, arguments).await {
        Cached::Hit(value) => Ok(value),
        Cached::Miss(slot) => {
            let value = read().await?;
            cache.fill(slot, &value);
            Ok(value)
        }
        Cached::Bypass => read().await,
    }
}
