//! The read models' integration tests, one binary, against a real PostgreSQL (and a real
//! broker for `kafka_delivery`).

mod kafka_delivery;
mod products_projection;
mod rebuild;
mod runner_shutdown;
mod search_relevance;
