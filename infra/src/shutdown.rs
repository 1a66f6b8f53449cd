//! A shutdown signal every long-lived task takes, so `main` can stop them all and wait.

use tokio::sync::watch;

/// Triggers shutdown of every task holding a [`Shutdown`] made from it.
#[derive(Debug, Clone)]
pub struct ShutdownTrigger(watch::Sender<bool>);

/// Completes when shutdown is triggered (or the trigger is dropped).
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Receiver<bool>);

pub fn channel() -> (ShutdownTrigger, Shutdown) {
    let (sender, receiver) = watch::channel(false);
    (ShutdownTrigger(sender), Shutdown(receiver))
}

impl ShutdownTrigger {
    pub fn trigger(&self) {
        let _ = self.0.send(true);
    }

    pub fn subscribe(&self) -> Shutdown {
        Shutdown(self.0.subscribe())
    }
}

impl Shutdown {
    pub fn is_triggered(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits for the trigger.
    pub async fn triggered(&mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}
