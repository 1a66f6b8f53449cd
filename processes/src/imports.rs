//! Imports as long-running work of a process: the sweep that fails imports whose process
//! died, and the wait that lets running imports finish when the process is asked to stop.

use gomarket_infra::error_chain::Chain;
use gomarket_infra::shutdown::Shutdown;
use gomarket_infra::supplier::import::Importer;
use std::sync::Arc;
use std::time::Duration;

/// How often running imports are checked for a dead runner.
pub const ABANDONED_IMPORT_SWEEP: Duration = Duration::from_secs(30);

/// Marks failed the imports whose process died, at start and then every `every`, until
/// `shutdown`. Safe on every replica at once.
pub async fn sweep_abandoned(importer: Arc<Importer>, every: Duration, mut shutdown: Shutdown) {
    loop {
        if let Err(error) = importer.fail_abandoned().await {
            tracing::warn!(error = %Chain(&error), "checking for abandoned imports failed");
        }
        tokio::select! {
            () = shutdown.triggered() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}

/// Lets the imports this process runs finish, for at most `within` (SIGTERM: a rollout should
/// not fail an import that would end in seconds).
pub async fn wait_for_imports(importer: &Importer, within: Duration) {
    let running = importer.running();
    if running == 0 {
        return;
    }
    tracing::info!(running, ?within, "waiting for running imports to finish");
    if !importer.idle_within(within).await {
        tracing::warn!(
            running = importer.running(),
            "imports still running; they are interrupted and will be marked failed"
        );
    }
}
