//! Stopping on a signal: the first Ctrl-C or SIGTERM drains, a second stops at once; and
//! draining a one-role command's tasks before its health endpoints go down.

use crate::ops::OpsServer;
use gomarket_infra::shutdown::{self, Shutdown, ShutdownTrigger};
use tokio::task::JoinHandle;

/// A shutdown signal that fires on Ctrl-C or SIGTERM.
pub fn shutdown_on_signal() -> Shutdown {
    let (trigger, shutdown) = shutdown::channel();
    tokio::spawn(stop_on_signal(trigger));
    shutdown
}

/// Waits for a background role's tasks to finish their work after the signal (a projector
/// commits its offsets, the relay its position), then takes its health endpoints down.
pub async fn drain(tasks: Vec<JoinHandle<()>>, ops: Option<OpsServer>) -> anyhow::Result<()> {
    let mut failed = None;
    for task in tasks {
        if let Err(error) = task.await {
            failed = Some(error);
        }
    }
    if let Some(ops) = ops {
        ops.stop();
    }
    match failed {
        Some(error) => Err(error.into()),
        None => {
            tracing::info!("stopped");
            Ok(())
        }
    }
}

/// Triggers shutdown on Ctrl-C or SIGTERM.
async fn stop_on_signal(trigger: ShutdownTrigger) {
    signal().await;
    tracing::info!("shutdown requested; draining (a second Ctrl-C or SIGTERM stops at once)");
    trigger.trigger();
    // Draining may wait for imports; whoever asks twice does not want to wait.
    signal().await;
    eprintln!("second signal: stopping now, without draining");
    std::process::exit(130);
}

/// The next Ctrl-C or SIGTERM.
async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
