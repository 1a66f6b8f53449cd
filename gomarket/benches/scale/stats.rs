//! Latency samples and their percentiles.

use std::time::Duration;

/// Latencies of one measured operation.
#[derive(Debug, Default, Clone)]
pub struct Latencies(pub Vec<Duration>);

impl Latencies {
    pub fn merge(parts: impl IntoIterator<Item = Latencies>) -> Self {
        Self(parts.into_iter().flat_map(|part| part.0).collect())
    }

    /// The `q` quantile in milliseconds (nearest rank).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let mut sorted = self.0.clone();
        sorted.sort();
        match sorted.len() {
            0 => f64::NAN,
            n => sorted[((n as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3,
        }
    }

    pub fn summary(&self) -> String {
        format!(
            "n {:>6}  p50 {:>8.2} ms  p99 {:>8.2} ms  max {:>8.2} ms",
            self.0.len(),
            self.quantile_ms(0.5),
            self.quantile_ms(0.99),
            self.quantile_ms(1.0)
        )
    }
}
