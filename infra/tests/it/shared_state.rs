//! The shared-state pieces against a real Redis (the test server, each test under a prefix of
//! its own): the GCRA limit, the revocation check and its PostgreSQL fallback, the read cache's
//! generations, and the store's behaviour when Redis is not there.

use gomarket_domain::identity::UserId;
use gomarket_infra::identity::refresh;
use gomarket_infra::identity::revocations::Revocations;
use gomarket_infra::shared_state::rate_limit::SharedRateLimit;
use gomarket_infra::shared_state::read_cache::{Cached, ProgressPublisher, ReadCache};
use gomarket_infra::shared_state::{RedisSettings, SharedStore, SharedStoreError};
use gomarket_infra::telemetry::Metrics;
use gomarket_testkit::TestDatabase;
use gomarket_testkit::redis::{redis_prefix, redis_url};
use std::time::{Duration, Instant};
use uuid::Uuid;

fn store(prefix: &str) -> SharedStore {
    let settings = RedisSettings {
        key_prefix: prefix.to_owned(),
        ..RedisSettings::new(redis_url())
    };
    SharedStore::connect(&settings, Metrics::new()).unwrap()
}

#[tokio::test]
async fn gcra_allows_the_burst_then_the_rate_and_a_batch_all_or_nothing() {
    let limit = SharedRateLimit::new(store(&redis_prefix()), "test", 2.0, 3.0);
    for _ in 0..3 {
        assert_eq!(limit.check("a", 1).await.unwrap(), Ok(()));
    }
    let wait = limit.check("a", 1).await.unwrap().unwrap_err();
    assert!(
        wait > Duration::from_millis(300) && wait <= Duration::from_millis(500),
        "{wait:?}"
    );
    assert_eq!(limit.check("b", 1).await.unwrap(), Ok(()), "keys are independent");
    tokio::time::sleep(Duration::from_millis(550)).await;
    assert!(
        limit.check("a", 2).await.unwrap().is_err(),
        "a refused batch takes nothing"
    );
    assert_eq!(limit.check("a", 1).await.unwrap(), Ok(()));
    assert!(limit.check("a", 1).await.unwrap().is_err());
}

#[tokio::test]
async fn a_revocation_is_seen_at_once_through_redis_and_within_the_recheck_from_postgresql() {
    let db = TestDatabase::new(&[gomarket_infra::migrations::EVENT_STORE_MIGRATIONS]).await;
    let user = UserId::from(Uuid::now_v7());
    let (one, two) = (Uuid::now_v7(), Uuid::now_v7());
    let expires = chrono::Utc::now() + chrono::Duration::days(1);
    for family in [one, two] {
        refresh::issue(&db.pool, user, family, expires).await.unwrap();
    }
    let prefix = redis_prefix();
    let lifetime = Duration::from_secs(900);
    let (here, there) = (
        Revocations::new(lifetime).with_shared_store(store(&prefix)),
        Revocations::new(lifetime).with_shared_store(store(&prefix)),
    );
    assert!(!there.is_revoked(&db.pool, one).await.unwrap());
    refresh::revoke_family(&db.pool, one).await.unwrap();
    here.revoke(&[one]).await;
    assert!(
        there.is_revoked(&db.pool, one).await.unwrap(),
        "the other replica checked a moment ago, yet sees it at once"
    );
    assert!(!there.is_revoked(&db.pool, two).await.unwrap());

    // Without Redis (or with its write lost): PostgreSQL, within the recheck interval.
    let alone = Revocations::new(lifetime);
    assert!(!alone.is_revoked(&db.pool, two).await.unwrap());
    refresh::revoke_family(&db.pool, two).await.unwrap();
    let revoked_at = Instant::now();
    while !alone.is_revoked(&db.pool, two).await.unwrap() {
        assert!(revoked_at.elapsed() < gomarket_infra::identity::revocations::RECHECK * 2);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_read_cache_follows_the_projectors_generations() {
    let shared = store(&redis_prefix());
    let cache = ReadCache::new(shared.clone());
    let key = ("first", 20);
    assert!(
        matches!(
            cache.lookup::<String>("products", "products", &key).await,
            Cached::Bypass
        ),
        "no projector publishes yet: nothing is cached"
    );
    let progress = ProgressPublisher::start(shared.clone());
    progress.advanced("products");
    let slot = loop {
        match cache.lookup::<String>("products", "products", &key).await {
            Cached::Miss(slot) => break slot,
            Cached::Bypass => tokio::time::sleep(Duration::from_millis(5)).await,
            Cached::Hit(value) => panic!("nothing was stored, yet {value}"),
        }
    };
    cache.fill(slot, &"page one".to_owned());
    let hit = loop {
        match cache.lookup::<String>("products", "products", &key).await {
            Cached::Hit(value) => break value,
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    };
    assert_eq!(hit, "page one");
    assert!(matches!(
        cache.lookup::<String>("products", "products", &("first", 21)).await,
        Cached::Miss(_)
    ));
    // A commit moves the generation: the entry is no longer found.
    progress.advanced("products");
    let started = Instant::now();
    while let Cached::Hit(_) = cache.lookup::<String>("products", "products", &key).await {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the commit was not published"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // So does a read that waited for a write.
    let slot = match cache.lookup::<String>("products", "products", &key).await {
        Cached::Miss(slot) => slot,
        other => panic!("{other:?}"),
    };
    cache.fill(slot, &"page two".to_owned());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(matches!(
        cache.lookup::<String>("products", "products", &key).await,
        Cached::Hit(_)
    ));
    cache.advance("products").await;
    assert!(matches!(
        cache.lookup::<String>("products", "products", &key).await,
        Cached::Miss(_)
    ));
}

#[tokio::test]
async fn without_redis_the_store_fails_fast_and_says_it_is_down() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let settings = RedisSettings::new(format!("redis://127.0.0.1:{port}"));
    let store = SharedStore::connect(&settings, Metrics::new()).expect("connecting is lazy");
    assert!(!store.ping().await);
    assert!(!store.is_up());
    assert!(store.status().last_error.is_some());
    let started = Instant::now();
    let again = SharedRateLimit::new(store.clone(), "test", 1.0, 1.0)
        .check("a", 1)
        .await;
    assert!(matches!(again, Err(SharedStoreError::Unavailable)), "{again:?}");
    assert!(
        started.elapsed() < Duration::from_millis(20),
        "no network while marked down"
    );
}
