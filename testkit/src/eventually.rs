//! Waiting for a condition instead of sleeping: the one loop every test that waits for
//! something (a projector, a worker, a run) uses.

use std::future::Future;
use std::time::{Duration, Instant};

/// How often [`eventually`] looks again.
const POLL: Duration = Duration::from_millis(50);

/// Polls `probe` until it returns `Some`, and returns that; panics with `what` and the last
/// thing `probe` saw (its `Err`) when `within` has passed.
///
/// ```ignore
/// let run = eventually(Duration::from_secs(30), "the run completes", || async {
///     let run = app.run(id).await;
///     if run["status"] == "COMPLETED" { Ok(run) } else { Err(run) }
/// })
/// .await;
/// ```
pub async fn eventually<T, E, F, Fut>(within: Duration, what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: std::fmt::Debug,
{
    let deadline = Instant::now() + within;
    loop {
        match probe().await {
            Ok(value) => return value,
            Err(seen) if Instant::now() >= deadline => {
                panic!("not within {within:?}: {what}; last seen: {seen:?}")
            }
            Err(_) => tokio::time::sleep(POLL).await,
        }
    }
}

/// Like [`eventually`], for a condition without a value to return.
pub async fn until<F, Fut>(within: Duration, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    eventually(within, what, || {
        let holds = condition();
        async move { if holds.await { Ok(()) } else { Err("false") } }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn returns_what_the_probe_found_once_it_does() {
        let calls = AtomicU32::new(0);
        let found = eventually(Duration::from_secs(5), "the third call", || async {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            if n == 3 { Ok(n) } else { Err(n) }
        })
        .await;
        assert_eq!(found, 3);
    }

    #[tokio::test]
    #[should_panic(expected = "not within")]
    async fn gives_up_at_the_deadline() {
        until(Duration::from_millis(120), "never", || async { false }).await;
    }
}
