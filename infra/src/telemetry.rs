//! Prometheus metrics shared by every role of the process, rendered at `/metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CommandOutcome {
    command: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CommandName {
    command: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProjectionName {
    projection: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GatewayRequest {
    side: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RedisUse {
    purpose: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLookup {
    query: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GatewaySide {
    side: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.5 ms .. ~8 s
    Histogram::new(exponential_buckets(0.0005, 2.0, 15))
}

/// The process's metrics. Cheap to clone; all clones feed one registry.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Mutex<Registry>>,
    commands: Family<CommandOutcome, Counter>,
    command_seconds: HistogramFamily<CommandName>,
    projection_applied: Family<ProjectionName, Counter>,
    projection_lag_events: Family<ProjectionName, Gauge>,
    projection_lag_seconds: Family<ProjectionName, Gauge<f64, AtomicU64>>,
    relayed: Counter,
    relay_lag_events: Gauge,
    relay_lag_seconds: Gauge<f64, AtomicU64>,
    gateway_requests: Family<GatewayRequest, Counter>,
    gateway_seconds: HistogramFamily<GatewaySide>,
    redis_up: Gauge,
    redis_fallbacks: Family<RedisUse, Counter>,
    read_cache: Family<CacheLookup, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("gomarket");
        let commands = Family::<CommandOutcome, Counter>::default();
        registry.register("commands", "Commands handled, by command and outcome", commands.clone());
        let command_seconds: HistogramFamily<CommandName> = Family::new_with_constructor(latency_histogram);
        registry.register(
            "command_duration_seconds",
            "Command handling latency",
            command_seconds.clone(),
        );
        let projection_applied = Family::<ProjectionName, Counter>::default();
        registry.register(
            "projection_events_applied",
            "Events applied by each projection",
            projection_applied.clone(),
        );
        let projection_lag_events = Family::<ProjectionName, Gauge>::default();
        registry.register(
            "projection_lag_events",
            "Events recorded but not yet applied by each projection",
            projection_lag_events.clone(),
        );
        let projection_lag_seconds = Family::<ProjectionName, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "projection_lag_seconds",
            "Age of the oldest event not yet applied by each projection (0 when caught up)",
            projection_lag_seconds.clone(),
        );
        let relayed = Counter::default();
        registry.register(
            "relay_events_published",
            "Events the relay published to Kafka",
            relayed.clone(),
        );
        let relay_lag_events = Gauge::default();
        registry.register(
            "relay_lag_events",
            "Events in the store not yet published to Kafka",
            relay_lag_events.clone(),
        );
        let relay_lag_seconds = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "relay_lag_seconds",
            "Age of the oldest event not yet published to Kafka (0 when caught up)",
            relay_lag_seconds.clone(),
        );
        let gateway_requests = Family::<GatewayRequest, Counter>::default();
        registry.register(
            "gateway_requests",
            "Requests the gateway answered, by the side it sent them to and HTTP status (502 and 504 are its own)",
            gateway_requests.clone(),
        );
        let gateway_seconds: HistogramFamily<GatewaySide> = Family::new_with_constructor(latency_histogram);
        registry.register(
            "gateway_request_duration_seconds",
            "Time from the gateway receiving a request to its answer, by side",
            gateway_seconds.clone(),
        );
        let redis_up = Gauge::default();
        registry.register(
            "redis_up",
            "1 while Redis (GOMARKET_REDIS_URL) answers or is not configured, 0 while the edge runs on its fallbacks",
            redis_up.clone(),
        );
        let redis_fallbacks = Family::<RedisUse, Counter>::default();
        registry.register(
            "redis_fallbacks",
            "Operations that could not use Redis and fell back (per-process limit, PostgreSQL check, uncached read), by purpose",
            redis_fallbacks.clone(),
        );
        let read_cache = Family::<CacheLookup, Counter>::default();
        registry.register(
            "read_cache_lookups",
            "Hot-read cache lookups by query and outcome (hit, miss, unavailable)",
            read_cache.clone(),
        );
        redis_up.set(1);
        Self {
            redis_up,
            redis_fallbacks,
            read_cache,
            registry: Arc::new(Mutex::new(registry)),
            gateway_requests,
            gateway_seconds,
            relayed,
            relay_lag_events,
            relay_lag_seconds,
            commands,
            command_seconds,
            projection_applied,
            projection_lag_events,
            projection_lag_seconds,
        }
    }

    pub fn record_command(&self, command: &str, outcome: &str, took: Duration) {
        self.commands
            .get_or_create(&CommandOutcome {
                command: command.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
        self.command_seconds
            .get_or_create(&CommandName {
                command: command.to_owned(),
            })
            .observe(took.as_secs_f64());
    }

    pub fn record_applied(&self, projection: &str, events: u64) {
        self.projection_applied
            .get_or_create(&ProjectionName {
                projection: projection.to_owned(),
            })
            .inc_by(events);
    }

    pub fn set_projection_lag(&self, projection: &str, events: i64, seconds: f64) {
        self.set_projection_lag_events(projection, events);
        let name = ProjectionName {
            projection: projection.to_owned(),
        };
        self.projection_lag_seconds.get_or_create(&name).set(seconds);
    }

    /// Lag in events alone: a Kafka-fed projection knows how many records it has yet to
    /// commit, not how old the oldest is.
    pub fn set_projection_lag_events(&self, projection: &str, events: i64) {
        let name = ProjectionName {
            projection: projection.to_owned(),
        };
        self.projection_lag_events.get_or_create(&name).set(events);
    }

    /// One request the gateway answered (forwarded, or refused itself).
    pub fn record_gateway_request(&self, side: &str, status: u16, elapsed: Duration) {
        let request = GatewayRequest {
            side: side.to_owned(),
            status,
        };
        self.gateway_requests.get_or_create(&request).inc();
        let side = GatewaySide { side: side.to_owned() };
        self.gateway_seconds.get_or_create(&side).observe(elapsed.as_secs_f64());
    }

    pub fn set_redis_up(&self, up: bool) {
        self.redis_up.set(i64::from(up));
    }

    /// One operation that wanted Redis and did without it.
    pub fn record_redis_fallback(&self, purpose: &str) {
        self.redis_fallbacks
            .get_or_create(&RedisUse {
                purpose: purpose.to_owned(),
            })
            .inc();
    }

    pub fn record_read_cache(&self, query: &str, outcome: &str) {
        self.read_cache
            .get_or_create(&CacheLookup {
                query: query.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    pub fn record_relayed(&self, events: u64) {
        self.relayed.inc_by(events);
    }

    pub fn set_relay_lag(&self, events: i64, seconds: f64) {
        self.relay_lag_events.set(events);
        self.relay_lag_seconds.set(seconds);
    }

    /// The metrics in Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        prometheus_client::encoding::text::encode(&mut out, &registry).expect("writing to a String cannot fail");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_recorded_commands() {
        let metrics = Metrics::new();
        metrics.record_command("CreateProduct", "accepted", Duration::from_millis(3));
        metrics.set_projection_lag("products", 7, 1.5);
        let text = metrics.render();
        assert!(
            text.contains(r#"gomarket_commands_total{command="CreateProduct",outcome="accepted"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"gomarket_projection_lag_events{projection="products"} 7"#),
            "{text}"
        );
        assert!(text.contains("gomarket_command_duration_seconds_bucket"), "{text}");
    }
}
