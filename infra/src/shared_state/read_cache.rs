//! A shared cache of hot reads, invalidated by the projectors' progress.
//!
//! Every projection has a *generation* in Redis, a value its projector replaces after each
//! commit ([`ProgressPublisher`]). A cached entry's key holds the generation read *before* its
//! value was read from PostgreSQL, so an entry under generation `g` reflects at least every
//! commit that published `g`; the next commit publishes a new one and every older entry stops being
//! found (they expire by [`ENTRY_TTL`], which is only the backstop for a projector that cannot
//! reach Redis).
//!
//! Only a projector creates a generation (when it starts, then after each commit, and every
//! hour): where no projector publishes, nothing is cached.
//!
//! A read that carries a `consistentWith` token does not use the cache: it waits for its
//! write, reads PostgreSQL, and first replaces the generation itself ([`ReadCache::advance`]),
//! so that from then on no replica serves an entry older than what that read saw, even if the
//! projector's own publication is still on its way.

use super::store::SharedStore;
use redis::{AsyncCommands as _, Script};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Longest life of an entry whatever the generation does.
pub const ENTRY_TTL: Duration = Duration::from_secs(60);
/// Entries larger than this are not cached (a page of 100 products is ~100 KiB).
const MAX_ENTRY_BYTES: usize = 512 * 1024;
/// Commits gathered into one new generation.
const PUBLISH_GATHER: Duration = Duration::from_millis(5);

/// How long a generation is kept without a commit (every key GoMarket writes expires, so a
/// Redis with `volatile-lru` may evict any of them).
const GENERATION_TTL_SECONDS: u64 = 24 * 3600;

/// How often a projector publishes a new generation even without commits, so an idle
/// projection's generation never expires (it costs one cache miss per entry an hour).
const REPUBLISH_EVERY: Duration = Duration::from_secs(3600);

/// KEYS[1]: the generation. ARGV[1], ARGV[2]: the entry key before and after the generation.
/// Returns {generation, entry}, or {false, false} when the projection has no generation: only
/// a projector that publishes its progress creates one, so a read side whose projector does
/// not reach Redis (or a generation lost to eviction) caches nothing rather than entries no
/// commit would ever invalidate.
const LOOKUP: &str = r"
local generation = redis.call('GET', KEYS[1])
if not generation then
  return {false, false}
end
return {generation, redis.call('GET', ARGV[1] .. generation .. ARGV[2])}
";

/// What a lookup found.
#[derive(Debug)]
pub enum Cached<T> {
    Hit(T),
    /// Not cached: read, then [`ReadCache::fill`] the slot.
    Miss(CacheSlot),
    /// Redis did not answer, or the projection publishes no generation: read, do not cache.
    Bypass,
}

/// Where a value read after a miss is stored.
#[derive(Debug)]
pub struct CacheSlot {
    key: String,
    query: &'static str,
}

/// The hot-read cache of one process (shared by all through Redis).
#[derive(Debug, Clone)]
pub struct ReadCache {
    store: SharedStore,
    lookup: Script,
}

impl ReadCache {
    pub fn new(store: SharedStore) -> Self {
        Self {
            store,
            lookup: Script::new(LOOKUP),
        }
    }

    fn generation_key(store: &SharedStore, projection: &str) -> String {
        store.key(&format!("gen:{projection}"))
    }

    /// Looks up the value of `query` (a name for the metrics and the key) with `arguments` as
    /// of `projection`'s current generation.
    pub async fn lookup<T: DeserializeOwned>(
        &self,
        projection: &str,
        query: &'static str,
        arguments: &impl Serialize,
    ) -> Cached<T> {
        let digest = match serde_json::to_vec(arguments) {
            Ok(bytes) => Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
            Err(_) => return Cached::Bypass,
        };
        let before = self.store.key(&format!("rc:{projection}:"));
        let after = format!(":{query}:{digest}");
        let generation_key = Self::generation_key(&self.store, projection);
        let found: Result<(Option<String>, Option<Vec<u8>>), _> = self
            .store
            .run(|mut connection| {
                let (before, after) = (before.clone(), after.clone());
                async move {
                    self.lookup
                        .key(generation_key)
                        .arg(before)
                        .arg(after)
                        .invoke_async(&mut connection)
                        .await
                }
            })
            .await;
        let metrics = self.store.metrics();
        match found {
            Ok((Some(generation), entry)) => {
                if let Some(bytes) = entry {
                    match serde_json::from_slice(&bytes) {
                        Ok(value) => {
                            metrics.record_read_cache(query, "hit");
                            return Cached::Hit(value);
                        }
                        // Written by another version of the binary: read afresh, overwrite.
                        Err(error) => tracing::debug!(%error, query, "cached entry does not decode"),
                    }
                }
                metrics.record_read_cache(query, "miss");
                Cached::Miss(CacheSlot {
                    key: format!("{before}{generation}{after}"),
                    query,
                })
            }
            Ok((None, _)) => {
                metrics.record_read_cache(query, "no_generation");
                Cached::Bypass
            }
            Err(error) => {
                tracing::debug!(%error, query, "read cache bypassed");
                metrics.record_read_cache(query, "unavailable");
                metrics.record_redis_fallback("read_cache");
                Cached::Bypass
            }
        }
    }

    /// Stores `value` in `slot`, in the background (the reader does not wait for it).
    pub fn fill<T: Serialize>(&self, slot: CacheSlot, value: &T) {
        let Ok(bytes) = serde_json::to_vec(value) else { return };
        if bytes.len() > MAX_ENTRY_BYTES {
            tracing::debug!(query = slot.query, bytes = bytes.len(), "too large to cache");
            return;
        }
        let store = self.store.clone();
        tokio::spawn(async move {
            let key = slot.key;
            let stored = store
                .run(|mut connection| async move {
                    connection
                        .pset_ex::<_, _, ()>(key, bytes, ENTRY_TTL.as_millis() as u64)
                        .await
                })
                .await;
            if let Err(error) = stored {
                // The next reader reads PostgreSQL again: nothing is wrong, only slower.
                tracing::debug!(%error, query = slot.query, "read not cached");
                store.metrics().record_redis_fallback("read_cache");
            }
        });
    }

    /// Moves `projection` to a new generation if it has one (a read that waited for a write
    /// does this before reading, so nothing older is served after it). Never creates one:
    /// that is the projector's (see [`LOOKUP`]). Best effort: without Redis there is no cache
    /// to invalidate either.
    pub async fn advance(&self, projection: &str) {
        let key = Self::generation_key(&self.store, projection);
        let replaced = self
            .store
            .run(|mut connection| async move {
                redis::cmd("SET")
                    .arg(key)
                    .arg(new_generation())
                    .arg("XX")
                    .arg("EX")
                    .arg(GENERATION_TTL_SECONDS)
                    .query_async::<Option<String>>(&mut connection)
                    .await
            })
            .await;
        if let Err(error) = replaced {
            // Redis is away: lookups bypass the cache until it answers, so nothing older is
            // served meanwhile.
            tracing::debug!(%error, projection, "generation not replaced");
            self.store.metrics().record_redis_fallback("read_cache");
        }
    }
}

/// A generation never used before. Not a counter: a Redis that restarted empty would count
/// the same numbers again, and an entry written just before the restart under one of them
/// would come back.
fn new_generation() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// The projector's side: after a commit, the projection's generation is replaced. Commits
/// are gathered for a few milliseconds into one replacement, off the projector's path.
#[derive(Debug)]
pub struct ProgressPublisher {
    store: SharedStore,
    advanced: Mutex<BTreeSet<String>>,
    /// Every projection this process has published for (republished every hour).
    known: Mutex<BTreeSet<String>>,
    wake: Arc<Notify>,
}

impl ProgressPublisher {
    /// Starts the publishing task; it ends when the last handle is dropped.
    pub fn start(store: SharedStore) -> Arc<Self> {
        let publisher = Arc::new(Self {
            store,
            advanced: Mutex::new(BTreeSet::new()),
            known: Mutex::new(BTreeSet::new()),
            wake: Arc::new(Notify::new()),
        });
        let weak = Arc::downgrade(&publisher);
        let wake = publisher.wake.clone();
        drop(tokio::spawn(async move {
            let mut republished = tokio::time::Instant::now();
            loop {
                let notified = wake.notified();
                let pending = match weak.upgrade() {
                    Some(publisher) => {
                        if republished.elapsed() >= REPUBLISH_EVERY {
                            republished = tokio::time::Instant::now();
                            let known = publisher.known.lock().unwrap_or_else(|p| p.into_inner()).clone();
                            publisher
                                .advanced
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .extend(known);
                        }
                        !publisher.advanced.lock().unwrap_or_else(|p| p.into_inner()).is_empty()
                    }
                    None => return,
                };
                if !pending {
                    // Re-checked at least every second, so a dropped publisher ends the task.
                    let _ = tokio::time::timeout(Duration::from_secs(1), notified).await;
                    continue;
                }
                tokio::time::sleep(PUBLISH_GATHER).await;
                let Some(publisher) = weak.upgrade() else { return };
                publisher.publish().await;
            }
        }));
        publisher
    }

    /// `projection` committed something (or starts: its generation is created then, so its
    /// reads are cached from the start).
    pub fn advanced(&self, projection: &str) {
        {
            let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
            if !known.contains(projection) {
                known.insert(projection.to_owned());
            }
        }
        let mut advanced = self.advanced.lock().unwrap_or_else(|p| p.into_inner());
        if !advanced.contains(projection) {
            advanced.insert(projection.to_owned());
        }
        drop(advanced);
        self.wake.notify_one();
    }

    async fn publish(&self) {
        let projections = std::mem::take(&mut *self.advanced.lock().unwrap_or_else(|p| p.into_inner()));
        let keys: Vec<String> = projections
            .iter()
            .map(|p| ReadCache::generation_key(&self.store, p))
            .collect();
        let published = self
            .store
            .run(|mut connection| async move {
                let mut pipe = redis::pipe();
                for key in keys {
                    pipe.set_ex(key, new_generation(), GENERATION_TTL_SECONDS).ignore();
                }
                pipe.query_async::<()>(&mut connection).await
            })
            .await;
        if let Err(error) = published {
            // Entries older than these commits may be served until Redis is back and the next
            // commit publishes, or until they expire.
            tracing::debug!(%error, "projection progress not published");
            self.store.metrics().record_redis_fallback("read_cache");
            self.advanced
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(projections);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
