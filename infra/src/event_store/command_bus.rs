use super::batch::{AggregateWrite, BatchError, append_returning};
use super::{ConsistencyToken, EventMetadata, FeedPosition, StoreError};
use crate::telemetry::Metrics;
use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{Aggregate, AggregateContext, AggregateError, EventStore};
use postgres_es::PostgresEventRepository;
use sqlx::PgPool;
use std::time::Instant;
use thiserror::Error;

/// Why a command did not take effect. Nothing was stored in any case.
#[derive(Debug, Error)]
pub enum CommandError<R: std::error::Error> {
    /// The domain refused the command; the refusal's own doc names its GraphQL code.
    #[error(transparent)]
    Refused(R),
    /// `CONFLICT`: another writer recorded events on the same aggregate first. Retryable.
    #[error("the aggregate was changed concurrently; retry with fresh state")]
    Conflict,
    /// `UPSTREAM_UNAVAILABLE` when the database is unreachable ([`StoreError::is_unavailable`]),
    /// else `INTERNAL` (a corrupt payload, a bug). Logged with its cause, never shown.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl<R: std::error::Error> From<AggregateError<R>> for CommandError<R> {
    fn from(error: AggregateError<R>) -> Self {
        match error {
            AggregateError::UserError(refusal) => Self::Refused(refusal),
            AggregateError::AggregateConflict => Self::Conflict,
            AggregateError::DatabaseConnectionError(e)
            | AggregateError::DeserializationError(e)
            | AggregateError::UnexpectedError(e) => Self::Store(StoreError::new(e)),
        }
    }
}

/// A command error where only the store's failure is expected (loading an aggregate).
impl<R: std::error::Error + Send + Sync + 'static> From<CommandError<R>> for StoreError {
    fn from(error: CommandError<R>) -> Self {
        match error {
            CommandError::Store(store) => store,
            other => StoreError::new(other),
        }
    }
}

/// The outcome of an accepted command.
#[derive(Debug, Clone)]
pub struct Executed<A> {
    /// The aggregate's state after the command.
    pub aggregate: A,
    /// Its version (sequence of its last event) after the command.
    pub version: u64,
    /// Number of events the command recorded (0 for a no-op).
    pub recorded: usize,
    /// The feed position of the aggregate's last event: a read model that has applied it
    /// reflects this command. `None` only for an aggregate that has no events at all.
    pub token: Option<ConsistencyToken>,
}

/// Executes commands against aggregates stored with postgres-es.
///
/// Unlike `CqrsFramework::execute`, it returns the resulting state and a consistency token, and
/// records metadata (correlation id, actor, command name) on every event. postgres-es loads
/// the aggregate; the events are appended in one statement that returns their feed positions
/// (as postgres-es would store them: same columns, same JSON, the same key turning a race into
/// a conflict).
pub struct CommandBus<A: Aggregate> {
    store: PersistedEventStore<PostgresEventRepository, A>,
    pub(super) services: A::Services,
    pub(super) pool: PgPool,
    pub(super) metrics: Metrics,
}

impl<A> CommandBus<A>
where
    A: Aggregate + Clone,
{
    pub fn new(pool: PgPool, services: A::Services, metrics: Metrics) -> Self {
        let repository = PostgresEventRepository::new(pool.clone());
        let store = PersistedEventStore::new_event_store(repository);
        Self {
            store,
            services,
            pool,
            metrics,
        }
    }

    #[tracing::instrument(
        name = "command",
        skip_all,
        fields(aggregate = A::TYPE, aggregate_id, command = %metadata.command, correlation_id = %metadata.correlation_id)
    )]
    pub async fn execute(
        &self,
        aggregate_id: &str,
        command: A::Command,
        metadata: &EventMetadata,
    ) -> Result<Executed<A>, CommandError<A::Error>> {
        tracing::Span::current().record("aggregate_id", aggregate_id);
        let started = Instant::now();
        let result = self.execute_untimed(aggregate_id, command, metadata).await;
        let outcome = match &result {
            Ok(_) => "accepted",
            Err(CommandError::Refused(_)) => "refused",
            Err(CommandError::Conflict) => "conflict",
            Err(CommandError::Store(_)) => "failed",
        };
        self.metrics
            .record_command(&metadata.command, outcome, started.elapsed());
        match &result {
            Ok(executed) => tracing::info!(
                recorded = executed.recorded,
                version = executed.version,
                "command accepted"
            ),
            Err(CommandError::Store(error)) => tracing::error!(%error, "command failed"),
            Err(error) => tracing::info!(%error, "command not accepted"),
        }
        result
    }

    /// Like [`Self::execute`], deciding again on fresh state when another writer got in first
    /// (up to `attempts` times). For commands that carry no expected version: their decision
    /// holds on whatever the aggregate is now (a seller's new target, a worker's outcome).
    pub async fn execute_retrying(
        &self,
        aggregate_id: &str,
        command: A::Command,
        metadata: &EventMetadata,
        attempts: usize,
    ) -> Result<Executed<A>, CommandError<A::Error>>
    where
        A::Command: Clone,
    {
        let mut left = attempts.max(1);
        loop {
            left -= 1;
            match self.execute(aggregate_id, command.clone(), metadata).await {
                Err(CommandError::Conflict) if left > 0 => continue,
                result => return result,
            }
        }
    }

    async fn execute_untimed(
        &self,
        aggregate_id: &str,
        command: A::Command,
        metadata: &EventMetadata,
    ) -> Result<Executed<A>, CommandError<A::Error>> {
        let mut context = self.store.load_aggregate(aggregate_id).await?;
        let sink = EventSink::default();
        context
            .aggregate()
            .handle(command, &self.services, &sink)
            .await
            .map_err(CommandError::Refused)?;
        // `handle` applied its events to the context's aggregate as it wrote them.
        let aggregate = context.aggregate().clone();
        let loaded_sequence = context.current_sequence;
        let events = sink.collect().await;
        let recorded = events.len();
        if recorded == 0 {
            let version = loaded_sequence as u64;
            let token = self.position_of(aggregate_id, version).await?;
            return Ok(Executed {
                aggregate,
                version,
                recorded,
                token,
            });
        }
        // One statement, atomic on its own, stored as postgres-es stores events, answering
        // where they went: BEGIN, INSERT, COMMIT and a query for the position were four
        // round trips a command.
        let write = AggregateWrite {
            aggregate_id: aggregate_id.to_owned(),
            after_version: loaded_sequence as i64,
            events,
        };
        let positions = append_returning::<A>(&self.pool, std::slice::from_ref(&write), metadata)
            .await
            .map_err(|e| match e {
                BatchError::Conflict => CommandError::Conflict,
                other => CommandError::Store(StoreError::new(other)),
            })?;
        let version = loaded_sequence as u64 + recorded as u64;
        let token = positions.into_iter().max().map(|position| ConsistencyToken {
            position,
            aggregate_type: A::TYPE.to_owned(),
            aggregate_id: aggregate_id.to_owned(),
            sequence: version as i64,
        });
        Ok(Executed {
            aggregate,
            version,
            recorded,
            token,
        })
    }

    /// The aggregate as its stored events fold, without running a command (authentication
    /// reads users and keys this way: always current, never a lagging read model).
    pub async fn load(&self, aggregate_id: &str) -> Result<A, CommandError<A::Error>> {
        let mut context = self.store.load_aggregate(aggregate_id).await?;
        Ok(context.aggregate().clone())
    }

    /// The token of the aggregate's event with this sequence.
    async fn position_of(
        &self,
        aggregate_id: &str,
        sequence: u64,
    ) -> Result<Option<ConsistencyToken>, CommandError<A::Error>> {
        if sequence == 0 {
            return Ok(None);
        }
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT tx_id::text::bigint, position FROM events
              WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence = $3",
        )
        .bind(A::TYPE)
        .bind(aggregate_id)
        .bind(sequence as i64)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| CommandError::Store(e.into()))?;
        Ok(row.map(|(tx_id, position)| ConsistencyToken {
            position: FeedPosition { tx_id, position },
            aggregate_type: A::TYPE.to_owned(),
            aggregate_id: aggregate_id.to_owned(),
            sequence: sequence as i64,
        }))
    }
}
