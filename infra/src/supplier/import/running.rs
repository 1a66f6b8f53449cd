//! The imports running in the background of this process, so that a stopping process can let
//! them finish rather than leave them to be marked interrupted.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// A count of imports in flight, shared by every clone.
#[derive(Debug, Clone)]
pub struct RunningImports(Arc<watch::Sender<usize>>);

impl Default for RunningImports {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(0)))
    }
}

/// Held while one import runs; its drop counts the import out, however the task ends.
#[derive(Debug)]
pub struct Running(RunningImports);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl RunningImports {
    pub fn enter(&self) -> Running {
        self.0.send_modify(|n| *n += 1);
        Running(self.clone())
    }

    pub fn count(&self) -> usize {
        *self.0.borrow()
    }

    /// Whether every import ended within `within`.
    pub async fn idle_within(&self, within: Duration) -> bool {
        let mut count = self.0.subscribe();
        tokio::time::timeout(within, count.wait_for(|n| *n == 0)).await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn idle_once_every_running_import_is_dropped() {
        let running = RunningImports::default();
        assert!(running.idle_within(Duration::ZERO).await);
        let (a, b) = (running.enter(), running.enter());
        assert_eq!(running.count(), 2);
        drop(a);
        assert!(!running.idle_within(Duration::from_millis(20)).await, "one still runs");
        let waiting = tokio::spawn({
            let running = running.clone();
            async move { running.idle_within(Duration::from_secs(5)).await }
        });
        drop(b);
        assert!(waiting.await.unwrap());
        assert_eq!(running.count(), 0);
    }
}
