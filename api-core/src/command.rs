//! Running a command from a resolver, one way for every mutation: metadata from the request,
//! conflicts retried when the caller pinned no version, a refusal turned into the payload's
//! errors (and reported), a failure of the store into a coded error.

use crate::context::request_context;
use crate::error::store_failure;
use crate::payload::UserError;
use async_graphql::{Context, Result};
use gomarket_infra::event_store::{CommandBus, CommandError, EventMetadata, Executed};

/// How often a command without an expected version is decided again after losing a race:
/// the caller did not ask for "only if unchanged", so deciding on fresh state is what they
/// want.
pub const CONFLICT_RETRIES: usize = 3;

/// The metadata of a command this request issues: its correlation id and who asks.
pub fn command_metadata(ctx: &Context<'_>, command: &str) -> EventMetadata {
    let request = request_context(ctx);
    let actor = request.actor();
    EventMetadata::new(request.correlation_id, actor, command)
}

/// Whether a command may be decided again after a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnConflict {
    /// No expected version was given: decide again on fresh state.
    Retry,
    /// The caller pinned a version (or the command creates): a conflict is its answer.
    Refuse,
}

/// Runs `command` on aggregate `id` with the request's `metadata`.
pub async fn run_command<A>(
    bus: &CommandBus<A>,
    id: &str,
    command: A::Command,
    metadata: &EventMetadata,
    on_conflict: OnConflict,
) -> Result<Executed<A>, CommandError<A::Error>>
where
    A: cqrs_es::Aggregate + Clone,
    A::Command: Clone,
{
    match on_conflict {
        OnConflict::Retry => bus.execute_retrying(id, command, metadata, CONFLICT_RETRIES + 1).await,
        OnConflict::Refuse => bus.execute(id, command, metadata).await,
    }
}

/// A command's outcome at the edge: done, or refused with the errors the payload carries (the
/// payload reports them in the response's `errors` too, see [`crate::payload::report`]).
#[derive(Debug)]
pub enum Outcome<T> {
    Done(T),
    Refused(Vec<UserError>),
}

/// Classifies a command's result: a refusal becomes the payload's errors through `refusal`, a
/// conflict through `conflict`; a failure of the store is the request's error
/// (`UPSTREAM_UNAVAILABLE` or `INTERNAL`).
pub fn outcome<T, R: std::error::Error>(
    ctx: &Context<'_>,
    result: Result<T, CommandError<R>>,
    refusal: impl FnOnce(&R) -> UserError,
    conflict: impl FnOnce() -> UserError,
) -> Result<Outcome<T>> {
    match result {
        Ok(done) => Ok(Outcome::Done(done)),
        Err(CommandError::Refused(r)) => Ok(Outcome::Refused(vec![refusal(&r)])),
        Err(CommandError::Conflict) => Ok(Outcome::Refused(vec![conflict()])),
        Err(CommandError::Store(error)) => Err(store_failure(&error, &request_context(ctx).correlation_id)),
    }
}
