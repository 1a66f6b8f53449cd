//! State the replicas of the edge share through Redis, when `GOMARKET_REDIS_URL` is set.
//!
//! Nothing here is the truth of anything: PostgreSQL keeps the events, the sessions and the
//! allow-listed queries. Redis holds what must be seen by every replica at once and may be
//! lost: rate-limit buckets ([`rate_limit`]), revoked sessions (`identity::revocations`),
//! automatically persisted query texts ([`persisted_queries`]) and cached hot reads
//! ([`read_cache`]). When Redis cannot be reached each user falls back on its own (see
//! [`store::SharedStore`]) and Redis coming back is picked up without a restart.

pub mod persisted_queries;
pub mod rate_limit;
pub mod read_cache;
pub mod store;

pub use store::{RedisSettings, SharedStore, SharedStoreError};
