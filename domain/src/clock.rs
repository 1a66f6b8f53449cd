//! Time enters the domain only through this trait, so that decisions are pure functions of
//! (state, command, now) and tests can pin the clock.

use chrono::{DateTime, SubsecRound, Utc};
use std::sync::Arc;

/// A source of "now" for command handling.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock, for production wiring. Truncated to microseconds, the precision PostgreSQL
/// stores, so a timestamp reads back exactly as it was decided.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// A clock that always answers the same instant, for tests.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Shared handle to a clock, as stored in aggregate services.
pub type SharedClock = Arc<dyn Clock>;
