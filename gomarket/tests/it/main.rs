//! The application's integration tests, one binary: each module drives the real application
//! (or the `gomarket` binary) against a real PostgreSQL, broker and Wildberries stand-in.
//! `support` holds `TestApp` and the fakes they share.
//!
//! Two tests are binaries of their own because they watch the whole process:
//! `hardening_login_flood` measures its peak memory, `secret_leak` captures every log line.

mod support;

mod access_matrix;
mod alerts;
mod analytics_events;
mod audit;
mod catalog_api;
mod cli;
mod console_browser;
mod dead_letters;
mod deploy_commands;
mod feed_url_policy;
mod hardening_edge;
mod hardening_outage;
mod http_edge;
mod identity;
mod identity_cli;
mod import_kill;
mod kafka_broker_outage;
mod kafka_external_decode;
mod kafka_pipeline;
mod kafka_projector_kill;
mod kafka_revenue_example;
mod ozon_publish;
mod private_postgres;
mod read_your_writes;
mod redis_outage;
mod redis_shared;
mod replay_cli;
mod roles_sigterm;
mod roles_split;
mod sales_ingest;
mod sales_performance;
mod secrets_rotate;
mod supplier_api;
mod sync_policies;
mod sync_retries;
mod sync_runs;
mod sync_scheduler;
mod sync_two_marketplaces;
mod wildberries_publish;
mod wildberries_rate_limits;
mod wildberries_worker_kill;
