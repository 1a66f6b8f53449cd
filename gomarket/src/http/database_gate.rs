//! Telling a database outage apart from everything else, and failing fast during one.
//!
//! When PostgreSQL is down, every request would wait for the pool's acquire timeout and then
//! fail with whatever its code path makes of a pool error: `UNAUTHENTICATED` when checking a
//! token, `INTERNAL` in a resolver. Clients then log their users out or report bugs. The gate
//! classifies at the edge instead: a failure that may be an outage is confirmed by a probe
//! (a trivial query, bounded: `database::answers`), and while the database is known to be down requests are answered at
//! once with `UPSTREAM_UNAVAILABLE` (503), one probe a second deciding when it is back.

use gomarket_infra::database;
use sqlx::PgPool;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long a probe may take before the database counts as unreachable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// How often, during an outage, one request probes instead of failing at once.
const PROBE_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct DatabaseGate {
    pool: PgPool,
    /// When the database was last found unreachable; `None` while it answers.
    down_since_probe: Mutex<Option<Instant>>,
    probing: AtomicBool,
}

/// The database is not answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unavailable;

impl DatabaseGate {
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            down_since_probe: Mutex::new(None),
            probing: AtomicBool::new(false),
        }
    }

    fn last_failed_probe(&self) -> Option<Instant> {
        *self.down_since_probe.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Lets a request through unless the database is known to be down. During an outage one
    /// request a second probes (and passes if the database is back); the others fail at once.
    pub async fn admit(&self) -> Result<(), Unavailable> {
        let Some(failed_at) = self.last_failed_probe() else {
            return Ok(());
        };
        if failed_at.elapsed() < PROBE_EVERY || self.probing.swap(true, Ordering::AcqRel) {
            return Err(Unavailable);
        }
        let reachable = self.probe().await;
        self.probing.store(false, Ordering::Release);
        if reachable { Ok(()) } else { Err(Unavailable) }
    }

    /// After a failure that may come from the database: whether it is unreachable now.
    pub async fn is_down(&self) -> bool {
        if self.last_failed_probe().is_some_and(|at| at.elapsed() < PROBE_EVERY) {
            return true;
        }
        !self.probe().await
    }

    /// Asks the database for a trivial answer within [`PROBE_TIMEOUT`] and records the outcome.
    async fn probe(&self) -> bool {
        let reachable = database::answers(&self.pool, PROBE_TIMEOUT).await;
        let mut state = self.down_since_probe.lock().unwrap_or_else(|p| p.into_inner());
        match (reachable, state.is_some()) {
            (true, true) => tracing::info!("the database answers again"),
            (false, false) => tracing::error!("the database does not answer; failing requests fast until it does"),
            _ => {}
        }
        *state = (!reachable).then(Instant::now);
        reachable
    }
}
