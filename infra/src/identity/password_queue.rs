//! Argon2 work through one bounded, first-come-first-served queue.
//!
//! Each hash or verification holds 19 MiB and a core for tens of milliseconds. Run as they
//! arrive, a burst of N logins costs N × 19 MiB at once (200 at once took the process to
//! 3.7 GB) and starves everything else of CPU. Here at most `workers` run at a time (tokio's
//! semaphore is fair: permits go in arrival order), and at most `max_waiting` wait; past
//! that, callers are told the queue is full instead of piling up.
//!
//! The work runs on `workers` threads of its own, not on tokio's blocking pool: the allocator
//! keeps a freed 19 MiB block in the arena of the thread that used it, so Argon2 spread over
//! the blocking pool's changing threads kept one block per arena (≈ 470 MB after a flood);
//! on fixed threads it is at most `workers` blocks.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::{Semaphore, oneshot};

type Job = Box<dyn FnOnce() + Send>;

/// Sizes of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordQueueSettings {
    /// Argon2 computations running at once (each holds 19 MiB).
    pub workers: usize,
    /// Callers waiting for a worker before new ones are turned away.
    pub max_waiting: usize,
}

impl Default for PasswordQueueSettings {
    fn default() -> Self {
        Self {
            workers: 2,
            max_waiting: 16,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordQueueError {
    /// `max_waiting` callers are already waiting.
    #[error("too many password checks in progress")]
    Full,
    /// The computation panicked.
    #[error("password computation failed")]
    Failed,
}

#[derive(Debug)]
pub struct PasswordQueue {
    /// Jobs for the worker threads; never more than `workers` in it (the semaphore).
    jobs: Mutex<mpsc::Sender<Job>>,
    workers: Semaphore,
    /// Callers admitted (waiting or running).
    admitted: AtomicUsize,
    settings: PasswordQueueSettings,
}

/// Gives the caller's place back however the call ends (including when its future is dropped
/// while waiting).
struct Admission<'a>(&'a AtomicUsize);

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl PasswordQueue {
    pub fn new(settings: PasswordQueueSettings) -> Arc<Self> {
        let settings = PasswordQueueSettings {
            workers: settings.workers.max(1),
            ..settings
        };
        let (jobs, inbox) = mpsc::channel::<Job>();
        let inbox = Arc::new(Mutex::new(inbox));
        for n in 0..settings.workers {
            let inbox = inbox.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    // Ends when the queue (the sender) is dropped.
                    loop {
                        let job = inbox.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                })
                .expect("spawning a password worker thread");
        }
        Arc::new(Self {
            jobs: Mutex::new(jobs),
            workers: Semaphore::new(settings.workers),
            admitted: AtomicUsize::new(0),
            settings,
        })
    }

    /// Runs `work` on a worker thread once one is free.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordQueueError> {
        let before = self.admitted.fetch_add(1, Ordering::AcqRel);
        let _admission = Admission(&self.admitted);
        if before >= self.settings.workers + self.settings.max_waiting {
            return Err(PasswordQueueError::Full);
        }
        let _worker = self
            .workers
            .acquire()
            .await
            .expect("the queue's semaphore is never closed");
        let (done, outcome) = oneshot::channel();
        let job: Job = Box::new(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            let _ = done.send(result);
        });
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job)
            .map_err(|_| PasswordQueueError::Failed)?;
        match outcome.await {
            Ok(Ok(value)) => Ok(value),
            _ => Err(PasswordQueueError::Failed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn at_most_workers_run_and_the_rest_wait_or_are_turned_away() {
        let queue = PasswordQueue::new(PasswordQueueSettings {
            workers: 2,
            max_waiting: 3,
        });
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let calls = (0..8).map(|_| {
            let (queue, running, most) = (queue.clone(), running.clone(), most.clone());
            async move {
                queue
                    .run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(50));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
            }
        });
        let outcomes = futures::future::join_all(calls).await;
        let full = outcomes
            .iter()
            .filter(|o| matches!(o, Err(PasswordQueueError::Full)))
            .count();
        assert_eq!(full, 3, "2 running + 3 waiting admitted, 3 turned away: {outcomes:?}");
        assert_eq!(most.load(Ordering::SeqCst), 2, "never more than 2 at once");
        assert_eq!(queue.admitted.load(Ordering::SeqCst), 0, "every place given back");
        queue.run(|| ()).await.expect("the queue admits again once drained");
    }
}
