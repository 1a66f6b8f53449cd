//! The adapters' integration tests, one binary: each module runs against a real PostgreSQL
//! (and, where it says so, a real broker or the Prism mock of the Wildberries specs).
//!
//! Two are binaries of their own because they watch the whole process's peak memory:
//! `feed_limits` and `feed_fuzz`.

mod batch_append;
mod database;
mod feed_order;
mod feed_plans;
mod feed_redirects;
mod history_plans;
mod import_integrity;
mod relay_leadership;
mod shared_state;
mod supplier_import;
mod support;
mod wildberries_contract;
mod wildberries_reports_contract;
