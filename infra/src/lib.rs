//! Adapters of GoMarket.
//!
//! Technical modules:
//!
//! - [`database`]: connecting to PostgreSQL, creating the database when missing; advisory
//!   locks (`database::LockSession`), the one way a role owns something across replicas;
//! - [`error_chain`]: an error and its causes as one line (logs, stored failure reasons);
//! - [`identity`]: password hashing, access and refresh tokens, login throttling, and the
//!   identity service over the `User` and `ApiKey` aggregates;
//! - [`secrets`]: the encrypted secrets store;
//! - [`shared_state`]: what the edge's replicas share through Redis (rate limits, revoked
//!   sessions, persisted queries, the hot-read cache) and how each falls back without it;
//! - [`kafka`]: Kafka settings, the protobuf envelope, the outbox relay;
//! - [`migrations`]: the SQL migrations of every crate, embedded in the binary;
//! - [`event_store`]: postgres-es wiring, the [`event_store::CommandBus`] that executes commands
//!   with metadata, and the [`event_store::EventFeed`] that yields events in commit-safe order;
//! - [`shutdown`]: the signal that stops every long-lived task;
//! - [`telemetry`]: Prometheus metrics shared by every role.
//!
//! Context modules (each the adapters and the service over its aggregates):
//!
//! - [`supplier`]: supplier feed readers (YML, AN_MSC, Wholesaler), imports, and the test
//!   feed generator;
//! - [`marketplace`]: accounts, mappings and listings (`Marketplaces`), the Wildberries client;
//! - [`sync`]: sync policies and runs (`SyncService`);
//! - [`alerting`]: alerts and their per-account rules (`AlertService`).
//!
//! (`identity`, above, is also a context: users, API keys, sessions. The catalog needs no
//! module: its commands go through the generic command bus.)
#![forbid(unsafe_code)]

pub mod alerting;
pub mod database;
pub mod error_chain;
pub mod event_store;
pub mod identity;
pub mod kafka;
pub mod marketplace;
pub mod migrations;
pub mod secrets;
pub mod shared_state;
pub mod shutdown;
pub mod supplier;
pub mod sync;
pub mod telemetry;
