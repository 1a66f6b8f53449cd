//! The event store: postgres-es persists aggregates' events; this module adds what postgres-es
//! lacks — execution with metadata and a consistency token ([`CommandBus`]), and a global,
//! commit-safe feed of all events ([`EventFeed`]), and commands on many aggregates in one
//! transaction ([`batch`]).

pub mod batch;
pub mod checkpoint;
mod command_bus;
mod command_bus_many;
mod copy_append;
mod feed;
mod metadata;
mod position;
pub mod started_for;
mod store_error;

pub use command_bus::{CommandBus, CommandError, Executed};
pub use command_bus_many::ManyExecuted;
pub use feed::queries as feed_queries;
pub use feed::{EventFeed, FeedBatch, FeedError, FeedLag, FeedListener, LAG_EXACT_UP_TO, StoredEvent};
pub use metadata::EventMetadata;
pub use position::{ConsistencyToken, FeedPosition, TokenError};
pub use store_error::{StoreError, is_unavailable, unavailable_anywhere};
