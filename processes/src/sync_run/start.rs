//! A run starts: its suppliers' imports are started (in this process), and each import's end
//! is recorded on the run.

use super::{Envelope, RunFollows, SyncRunManager, bookkeeping, metadata};
use crate::ProcessError;
use gomarket_domain::supplier::SupplierId;
use gomarket_domain::sync::policy::RunTrigger;
use gomarket_domain::sync::run::RunCommand;
use gomarket_infra::error_chain::Chain;
use sqlx::PgConnection;
use std::collections::BTreeMap;
use uuid::Uuid;

impl SyncRunManager {
    /// Starts run `run_id` of policy `policy_id`: one import per supplier of the policy (a
    /// supplier that cannot be imported is recorded as a failed import, with the reason).
    pub(super) async fn start_run(
        &self,
        tx: &mut PgConnection,
        policy_id: Uuid,
        run_id: Uuid,
        trigger: RunTrigger,
    ) -> Result<(), ProcessError> {
        let runs = self.sync.runs();
        if runs.load(&run_id.to_string()).await?.state.is_some() {
            return Ok(()); // started before this batch was replayed
        }
        let Some(policy) = self.sync.load(policy_id.into()).await?.state else {
            return Ok(());
        };
        let mut imports = BTreeMap::new();
        let mut started = Vec::new();
        let mut refused = Vec::new();
        for &supplier in &policy.settings.supplier_ids {
            let meta = metadata(run_id, "StartImport");
            match self.importer.start(SupplierId::from(supplier), false, None, meta).await {
                Ok(import) => {
                    imports.insert(supplier, import.import_id);
                    started.push(import);
                }
                Err(error) => {
                    // Recorded as a failed import of the run, with the reason.
                    let import_id = Uuid::now_v7();
                    imports.insert(supplier, import_id);
                    refused.push((import_id, Chain(&error).to_string()));
                }
            }
        }
        let start = RunCommand::Start {
            policy_id,
            trigger,
            imports: imports.clone(),
        };
        runs.execute(&run_id.to_string(), start, &metadata(run_id, "StartSyncRun"))
            .await?;
        for import_id in imports.values() {
            bookkeeping::record_import(tx, *import_id, run_id).await?;
        }
        for (import_id, reason) in refused {
            let record = RunCommand::RecordImport {
                import_id,
                failure: Some(reason),
            };
            runs.execute(&run_id.to_string(), record, &metadata(run_id, "RecordRunImport"))
                .await?;
        }
        for import in started {
            self.importer.spawn_run(import);
        }
        self.plan_when_imported(tx, run_id, &policy.settings).await
    }

    /// An import ended (`failure` says why it failed): recorded on its run, which plans once
    /// every import is in.
    pub(super) async fn import_finished(
        &self,
        tx: &mut PgConnection,
        envelope: &Envelope<RunFollows>,
        failure: Option<String>,
    ) -> Result<(), ProcessError> {
        let import_id = envelope.aggregate_uuid()?;
        // A run's imports carry its id as their correlation id; the bookkeeping row says the
        // same once the run's start is committed (with Kafka, the import's end may be read
        // before that, from another topic).
        let recorded = bookkeeping::run_of_import(tx, import_id).await?;
        let correlated = envelope
            .correlation_id
            .as_deref()
            .and_then(|id| Uuid::parse_str(id).ok());
        let Some(run_id) = recorded.or(correlated) else {
            return Ok(());
        };
        let run = self.sync.runs().load(&run_id.to_string()).await?;
        let ours = run
            .state
            .as_ref()
            .is_some_and(|s| s.imports.values().any(|i| i.import_id == import_id));
        if !ours {
            return Ok(()); // an import outside any run
        }
        let record = RunCommand::RecordImport { import_id, failure };
        self.sync
            .runs()
            .execute(&run_id.to_string(), record, &metadata(run_id, "RecordRunImport"))
            .await?;
        let run = self.sync.runs().load(&run_id.to_string()).await?;
        let Some(state) = run.state else { return Ok(()) };
        let Some(policy) = self.sync.load(state.policy_id.into()).await?.state else {
            return Ok(());
        };
        self.plan_when_imported(tx, run_id, &policy.settings).await
    }
}
