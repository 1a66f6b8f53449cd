//! Revoked sessions: an access token names its session (the refresh-token family, claim `sid`);
//! logging out, a replayed refresh token, disabling a user and a new password revoke sessions,
//! and a token of a revoked session is refused on every replica.
//!
//! The truth is PostgreSQL: a session is revoked when its refresh tokens are
//! (`refresh_tokens.revoked_at`). Asking it on every request would cost a round trip per
//! request, so each process remembers an answer for [`RECHECK`]; that bounds how late another
//! replica learns of a revocation. With Redis, a revocation is also written to a shared
//! deny-list (`revoked:session:<sid>`, kept for the access token's lifetime, the longest any of
//! its tokens can still be presented), which every replica asks first: from then on the token
//! is refused everywhere at once. The PostgreSQL check stays behind it, so a deny-list write
//! that was lost (Redis down at that moment) still takes effect within [`RECHECK`].
//!
//! Fail-closed: a bearer token is never admitted unchecked. Redis unreachable: the check is
//! PostgreSQL's; PostgreSQL unreachable too (and nothing remembered): the request is refused
//! as `UPSTREAM_UNAVAILABLE` (503), as every check of credentials already is.

use crate::shared_state::SharedStore;
use redis::AsyncCommands as _;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a "not revoked" answer from PostgreSQL is used before asking again.
pub const RECHECK: Duration = Duration::from_millis(500);
/// Sessions remembered before the map is emptied.
const MAX_REMEMBERED: usize = 100_000;

/// What this process knows about a session.
#[derive(Debug, Clone, Copy)]
enum Known {
    /// Checked (not revoked) at this instant.
    ActiveAt(Instant),
    /// Revoked; remembered until the instant, when all its access tokens have expired.
    RevokedUntil(Instant),
}

/// The revocation check and the deny-list writer of one process.
#[derive(Debug)]
pub struct Revocations {
    shared: Option<SharedStore>,
    /// How long after issue an access token is accepted (the deny-list entries' lifetime).
    token_lifetime: Duration,
    known: Mutex<HashMap<Uuid, Known>>,
}

impl Revocations {
    pub fn new(token_lifetime: Duration) -> Self {
        Self {
            shared: None,
            token_lifetime,
            known: Mutex::new(HashMap::new()),
        }
    }

    pub fn with_shared_store(mut self, store: SharedStore) -> Self {
        self.shared = Some(store);
        self
    }

    fn remember(&self, session: Uuid, known: Known) {
        let mut map = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_REMEMBERED && !map.contains_key(&session) {
            let now = Instant::now();
            map.retain(|_, k| matches!(k, Known::RevokedUntil(until) if *until > now));
            if map.len() >= MAX_REMEMBERED {
                map.clear();
            }
        }
        map.insert(session, known);
    }

    /// Records that `sessions` were revoked (their refresh tokens already are, in PostgreSQL):
    /// here at once, and on every replica through Redis.
    pub async fn revoke(&self, sessions: &[Uuid]) {
        if sessions.is_empty() {
            return;
        }
        let until = Instant::now() + self.token_lifetime;
        for session in sessions {
            self.remember(*session, Known::RevokedUntil(until));
        }
        let Some(shared) = &self.shared else { return };
        let keys: Vec<String> = sessions.iter().map(|s| deny_key(shared, *s)).collect();
        let lifetime = self.token_lifetime.as_secs().max(1);
        let written = shared
            .run(|mut connection| async move {
                let mut pipe = redis::pipe();
                for key in keys {
                    pipe.set_ex(key, 1, lifetime).ignore();
                }
                pipe.query_async::<()>(&mut connection).await
            })
            .await;
        if let Err(error) = written {
            tracing::warn!(%error, sessions = sessions.len(), "revocation not written to redis; other replicas learn it from PostgreSQL");
            shared.metrics().record_redis_fallback("revocation");
        }
    }

    /// Whether `session` was revoked.
    pub async fn is_revoked(&self, pool: &PgPool, session: Uuid) -> Result<bool, sqlx::Error> {
        let known = self
            .known
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&session)
            .copied();
        let now = Instant::now();
        match known {
            Some(Known::RevokedUntil(until)) if until > now => return Ok(true),
            _ => {}
        }
        if let Some(shared) = &self.shared {
            let key = deny_key(shared, session);
            match shared
                .run(|mut connection| async move { connection.exists::<_, bool>(key).await })
                .await
            {
                Ok(true) => {
                    self.remember(session, Known::RevokedUntil(now + self.token_lifetime));
                    return Ok(true);
                }
                Ok(false) => {}
                Err(_) => shared.metrics().record_redis_fallback("revocation"),
            }
        }
        if let Some(Known::ActiveAt(checked)) = known
            && now.duration_since(checked) < RECHECK
        {
            return Ok(false);
        }
        let revoked = session_revoked(pool, session).await?;
        self.remember(
            session,
            if revoked {
                Known::RevokedUntil(now + self.token_lifetime)
            } else {
                Known::ActiveAt(now)
            },
        );
        Ok(revoked)
    }
}

fn deny_key(store: &SharedStore, session: Uuid) -> String {
    store.key(&format!("revoked:session:{}", session.simple()))
}

/// Whether any refresh token of the session was revoked (logout, reuse, disabled user, new
/// password all revoke every token of the family).
async fn session_revoked(pool: &PgPool, session: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND revoked_at IS NOT NULL)")
        .bind(session)
        .fetch_one(pool)
        .await
}
