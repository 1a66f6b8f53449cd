//! The GoMarket binary's library: configuration, wiring of every role, the HTTP edge.
//! `main.rs` only parses the command line and calls into here, so tests can start the same
//! application on port 0.
//!
//! - [`cli`]: commands and options (each with its `GOMARKET_*` variable);
//! - [`keys`]: signing and encryption keys from configuration (or the development defaults);
//! - [`app`]: [`app::Application`]: connect, migrate, build the schema, run the roles;
//! - [`schema`]: the GraphQL schema merged from command-api and query-api;
//! - [`import_cli`]: `gomarket import` and `gomarket gen-feed`;
//! - [`http`]: routes, request ids, health, metrics, GraphiQL;
//! - [`gateway`]: one `/graphql` in front of separately deployed command and query sides;
//! - [`commands`]: every command of the binary, dispatched;
//! - [`roles`]: the background roles (projectors, relay, sync, worker) spawned and run;
//! - [`signals`]: stopping on Ctrl-C/SIGTERM, draining a role before its endpoints go down;
//! - [`ops`]: health and metrics endpoints of the background roles.
//!
//! This crate wires; it holds no SQL and no business rule (those are in `infra`,
//! `projections`, `processes` and `domain`).
#![forbid(unsafe_code)]

pub mod app;
pub mod cli;
mod cli_marketplace;
mod cli_redis;
mod cli_roles;
mod cli_security;
pub mod commands;
pub mod gateway;
pub mod http;
pub mod import_cli;
pub mod keys;
pub mod ops;
pub mod roles;
pub mod schema;
pub mod signals;

use gomarket_infra::migrations::{EVENT_STORE_MIGRATIONS, EmbeddedMigration};
use gomarket_projections::READ_MODEL_MIGRATIONS;

/// Every migration of the platform, applied at start.
pub const MIGRATIONS: &[&[EmbeddedMigration]] = &[EVENT_STORE_MIGRATIONS, READ_MODEL_MIGRATIONS];
