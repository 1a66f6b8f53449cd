//! [`CommandBus::execute_many`]: commands on many aggregates in one transaction, for the
//! bulk steps of background work (a price task's thousand listings). One command at a time
//! would cost a round trip and a commit per aggregate; this costs one load and one append.

use super::batch::{AggregateWrite, BatchError, append_many, load_many};
use super::{CommandBus, CommandError, EventMetadata, StoreError};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use std::time::Instant;

/// Attempts of a batch that meets concurrent writers before it gives up with `Conflict`.
const ATTEMPTS: usize = 5;

/// What a bulk execution did.
#[derive(Debug)]
pub struct ManyExecuted<R> {
    /// Events recorded over all aggregates.
    pub recorded: usize,
    /// Commands the domain refused, with the aggregate they were for; nothing was recorded
    /// for them, the other commands of the batch took effect.
    pub refused: Vec<(String, R)>,
}

impl<A> CommandBus<A>
where
    A: Aggregate + Clone + Default,
    A::Command: Clone,
{
    /// Runs each aggregate's commands in order on its current state, and records all the
    /// events in one transaction. A refused command records nothing and is reported; the
    /// aggregate's later commands still run. When another writer changed one of the
    /// aggregates meanwhile, the whole batch starts over on fresh state. Each aggregate is
    /// named once in `steps`.
    pub async fn execute_many(
        &self,
        steps: &[(String, Vec<A::Command>)],
        metadata: &EventMetadata,
    ) -> Result<ManyExecuted<A::Error>, CommandError<A::Error>> {
        let started = Instant::now();
        let mut result = Err(CommandError::Conflict);
        for _ in 0..ATTEMPTS {
            result = self.execute_many_once(steps, metadata).await;
            if !matches!(result, Err(CommandError::Conflict)) {
                break;
            }
        }
        let outcome = match &result {
            Ok(_) => "accepted",
            Err(CommandError::Conflict) => "conflict",
            Err(_) => "failed",
        };
        self.metrics
            .record_command(&metadata.command, outcome, started.elapsed());
        result
    }

    async fn execute_many_once(
        &self,
        steps: &[(String, Vec<A::Command>)],
        metadata: &EventMetadata,
    ) -> Result<ManyExecuted<A::Error>, CommandError<A::Error>> {
        let store = |e: BatchError| match e {
            BatchError::Conflict => CommandError::Conflict,
            other => CommandError::Store(StoreError::new(other)),
        };
        let mut tx = crate::database::begin(&self.pool)
            .await
            .map_err(|e| CommandError::Store(e.into()))?;
        let ids: Vec<String> = steps.iter().map(|(id, _)| id.clone()).collect();
        let mut loaded = load_many::<A>(&mut tx, &ids).await.map_err(store)?;
        let mut writes = Vec::new();
        let mut refused = Vec::new();
        let mut recorded = 0;
        for (id, commands) in steps {
            let current = loaded.remove(id).unwrap_or_default();
            let mut aggregate = current.aggregate;
            let mut events = Vec::new();
            for command in commands {
                let sink = EventSink::default();
                match aggregate.handle(command.clone(), &self.services, &sink).await {
                    Ok(()) => events.extend(sink.collect().await),
                    Err(refusal) => refused.push((id.clone(), refusal)),
                }
            }
            if !events.is_empty() {
                recorded += events.len();
                writes.push(AggregateWrite {
                    aggregate_id: id.clone(),
                    after_version: current.version,
                    events,
                });
            }
        }
        append_many::<A>(&mut tx, &writes, metadata).await.map_err(store)?;
        tx.commit().await.map_err(|e| CommandError::Store(e.into()))?;
        Ok(ManyExecuted { recorded, refused })
    }
}
