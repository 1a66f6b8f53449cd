//! `syncRunProgress(runId)`: a run's counts as they change, ending with its final state.

use async_graphql::{Context, ID, Json, Result, SimpleObject, Subscription};
use futures::Stream;
use gomarket_api_core::access::permission;
use gomarket_api_core::context::request_context;
use gomarket_api_core::error::{ErrorCode, api_error, failure, store_failure};
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::sync::run::{CountsGql, RunStatusGql, SyncRunGql};
use gomarket_domain::identity::Permission;
use gomarket_infra::sync::SyncService;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// How often the run's version is looked at (one indexed row); the run is read only when it
/// moved, so the stream works whichever process drives the run.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// A run's progress.
#[derive(Debug, Clone, SimpleObject)]
pub struct SyncRunProgress {
    pub run_id: ID,
    pub status: RunStatusGql,
    /// Items per outcome, as JSON (see `SyncRun.counts`).
    pub counts: Json<serde_json::Value>,
    /// The same, typed.
    pub outcome_counts: CountsGql,
    /// `true` on the last message: the run completed or failed.
    pub finished: bool,
}

#[derive(Debug, Default)]
pub struct SyncSubscription;

struct Watch {
    sync: Arc<SyncService>,
    run_id: Uuid,
    seen: i64,
    done: bool,
    correlation_id: String,
}

#[Subscription]
impl SyncSubscription {
    /// The run's status and counts now (as soon as it exists: a run `triggerSync` just
    /// started appears within moments), then each time they change, until it finishes.
    #[graphql(guard = "permission(Permission::SyncRead)")]
    async fn sync_run_progress(
        &self,
        ctx: &Context<'_>,
        run_id: ID,
    ) -> Result<impl Stream<Item = Result<SyncRunProgress>> + use<>> {
        let watch = Watch {
            sync: ctx.data::<Arc<SyncService>>()?.clone(),
            run_id: parse_uuid(&run_id, "runId")?,
            seen: 0,
            done: false,
            correlation_id: request_context(ctx).correlation_id,
        };
        match watch.sync.run_known(watch.run_id).await {
            Ok(true) => {}
            Ok(false) => return Err(api_error(ErrorCode::NotFound, "sync run not found", Some("runId"))),
            Err(e) => return Err(store_failure(&e, &watch.correlation_id)),
        }
        Ok(futures::stream::unfold(watch, |mut watch| async move {
            if watch.done {
                return None;
            }
            loop {
                match watch.sync.run_version(watch.run_id).await {
                    Ok(version) if version > watch.seen => {
                        let run = match watch.sync.runs().load(&watch.run_id.to_string()).await {
                            Ok(run) => run,
                            Err(e) => return Some((Err(failure(&e, &watch.correlation_id)), watch)),
                        };
                        watch.seen = version;
                        if let Some(state) = run.state.as_ref() {
                            let run = SyncRunGql::new(watch.run_id, state);
                            let finished = matches!(run.status, RunStatusGql::Completed | RunStatusGql::Failed);
                            watch.done = finished;
                            let progress = SyncRunProgress {
                                run_id: run.id,
                                status: run.status,
                                counts: run.counts,
                                outcome_counts: run.outcome_counts,
                                finished,
                            };
                            return Some((Ok(progress), watch));
                        }
                    }
                    Ok(_) => {}
                    Err(e) => return Some((Err(failure(&e, &watch.correlation_id)), watch)),
                }
                tokio::time::sleep(POLL_INTERVAL).await;
            }
        }))
    }
}
