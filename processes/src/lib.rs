//! GoMarket's application layer: the processes that drive the domain over time, as opposed
//! to answering one request (the API crates) or building a read model (`projections`).
//!
//! - [`handler`]: the [`ProcessManager`] trait — typed domain events in, commands out — and
//!   [`Process`], which runs one where the projectors run (from the store or from Kafka);
//! - [`account_rounds`]: a round over the marketplace accounts, one process per account;
//! - [`imports`]: failing imports whose process died; letting running ones finish on stop;
//! - [`sync_run`]: the sync run manager: a run's imports, its plan, its pushes, its outcome;
//! - [`scheduler`]: starts the runs that sync policies' schedules call for, on one leader;
//! - [`push_worker`]: the marketplace push worker: cards, prices and stocks to Wildberries;
//! - [`sales_ingest`]: Wildberries' orders, sales, stocks and commission reports as facts;
//! - [`alerting`]: alerts raised and resolved from the facts, per account thresholds.
//!
//! Layering (docs/decisions.md): this crate uses `domain`, `infra` and `projections`; only the
//! binary uses it, to wire the roles.
#![forbid(unsafe_code)]

pub mod account_rounds;
pub mod alerting;
pub mod error;
pub mod handler;
pub mod imports;
pub mod push_worker;
pub mod sales_ingest;
pub mod scheduler;
pub mod sync_run;

pub use error::ProcessError;
pub use handler::{Envelope, FollowedEvents, Process, ProcessManager};
