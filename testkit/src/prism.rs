//! A Prism validating mock of a marketplace's OpenAPI spec (the official specs, copied into
//! `testkit/wildberries/` and `testkit/ozon/`), started per test with `--errors`: a request
//! that breaks the spec is answered 4xx and logged as a violation, which
//! [`PrismMock::violations`] returns.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The specs this mock can serve.
#[derive(Debug, Clone, Copy)]
pub enum WbSpec {
    /// Content, prices, marketplace (stocks, warehouses).
    Products,
    /// `/ping`, seller info.
    General,
    /// Statistics reports: orders, sales, stocks.
    Reports,
    /// Tariffs: commission by subject.
    Tariffs,
    /// Analytics: stock history, sales funnel.
    Analytics,
}

impl WbSpec {
    fn path(self) -> PathBuf {
        let file = match self {
            Self::Products => "products-openapi.yaml",
            Self::General => "general-openapi.yaml",
            Self::Reports => "reports-openapi.yaml",
            Self::Tariffs => "tariffs-openapi.yaml",
            Self::Analytics => "analytics-openapi.yaml",
        };
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("wildberries").join(file)
    }

    /// The reports spec's own examples break its schema (times without a zone where it says
    /// `date-time`), so Prism, which validates its answers too, would refuse them: it answers
    /// examples it builds from the schema instead. Requests are validated all the same.
    fn args(self) -> &'static [&'static str] {
        match self {
            Self::Reports => &["--ignoreExamples"],
            Self::Products | Self::General | Self::Tariffs | Self::Analytics => &[],
        }
    }
}

/// Any spec this mock can serve: one of Wildberries', or Ozon's Seller API.
#[derive(Debug, Clone, Copy)]
pub enum Spec {
    Wildberries(WbSpec),
    /// `seller-api.json`: every Seller API method, each a POST with `Client-Id` and `Api-Key`.
    Ozon,
}

impl From<WbSpec> for Spec {
    fn from(spec: WbSpec) -> Self {
        Self::Wildberries(spec)
    }
}

/// Four error responses of Ozon's official spec (`/v1/analytics/product-queries/details`)
/// point at a file of Ozon's own repository instead of the schema of that name in the spec,
/// so no tool can open the spec as published. The mock reads a copy with those references
/// pointed at `#/components/schemas/rpcStatus` (the same schema); nothing else changes.
const OZON_BROKEN_REF: &str = "../../components/schemas/rpcStatus.yaml";
const OZON_SCHEMA_REF: &str = "#/components/schemas/rpcStatus";

fn ozon_spec() -> PathBuf {
    static RESOLVED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    RESOLVED
        .get_or_init(|| {
            let official = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("ozon")
                .join("seller-api.json");
            let text = std::fs::read_to_string(&official).expect("Ozon's spec is in testkit/ozon/");
            assert_eq!(
                text.matches(OZON_BROKEN_REF).count(),
                4,
                "the spec's broken references changed"
            );
            // One copy for every test process: written aside, then renamed into place.
            let path = std::env::temp_dir().join("gomarket-ozon-seller-api.json");
            let aside = path.with_extension(format!("{}.tmp", std::process::id()));
            std::fs::write(&aside, text.replace(OZON_BROKEN_REF, OZON_SCHEMA_REF)).expect("a temporary spec");
            std::fs::rename(&aside, &path).expect("the spec in place");
            path
        })
        .clone()
}

impl Spec {
    fn path(self) -> PathBuf {
        match self {
            Self::Wildberries(spec) => spec.path(),
            Self::Ozon => ozon_spec(),
        }
    }

    fn args(self) -> &'static [&'static str] {
        match self {
            Self::Wildberries(spec) => spec.args(),
            Self::Ozon => &[],
        }
    }
}

pub struct PrismMock {
    pub url: String,
    log: PathBuf,
    _child: tokio::process::Child,
}

/// The Prism executable: `GOMARKET_TEST_PRISM`, set by scripts/test. No skipping: without it
/// the test fails and says how to get it.
fn prism_executable() -> String {
    std::env::var("GOMARKET_TEST_PRISM")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| {
            panic!(
                "this test needs the Prism mock: run scripts/test (it installs it), or set \
                 GOMARKET_TEST_PRISM=$(scripts/ensure-prism)"
            )
        })
}

impl PrismMock {
    /// Starts Prism on a free port and waits until it answers.
    pub async fn start(spec: impl Into<Spec>) -> Self {
        let spec = spec.into();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = std::env::temp_dir().join(format!("gomarket-prism-{}.log", uuid::Uuid::new_v4().simple()));
        let out = std::fs::File::create(&log).expect("prism log file");
        let child = tokio::process::Command::new(prism_executable())
            .args(["mock", "--errors", "-h", "127.0.0.1", "-p", &port.to_string()])
            .args(spec.args())
            .arg(spec.path())
            .stdout(Stdio::from(out.try_clone().expect("log handle")))
            .stderr(Stdio::from(out))
            .kill_on_drop(true)
            .spawn()
            .expect("prism starts");
        let mock = Self {
            url: format!("http://127.0.0.1:{port}"),
            log,
            _child: child,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !mock.log_text().contains("Prism is listening") {
            assert!(Instant::now() < deadline, "prism did not start: {}", mock.log_text());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        mock
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Every request violation Prism logged so far. Prism logs most twice (the rule broken,
    /// then `Violation: request…` repeating it) and a missing required parameter once (the rule
    /// alone): each counts once.
    pub fn violations(&self) -> Vec<String> {
        let log = self.log_text();
        let lines: Vec<&str> = log.lines().collect();
        let violations: Vec<&str> = lines
            .iter()
            .copied()
            .filter(|l| l.contains("Violation: request"))
            .collect();
        let rule_alone = |l: &&str| {
            l.contains("[VALIDATOR]")
                && l.contains("error")
                && l.split_once("error")
                    .map(|(_, rule)| rule.trim())
                    .is_some_and(|rule| rule.starts_with("Request ") && !violations.iter().any(|v| v.contains(rule)))
        };
        lines
            .iter()
            .filter(|l| {
                l.contains("Violation: request")
                    || rule_alone(l)
                    || l.contains("NO_PATH_MATCHED")
                    || l.contains("Route not resolved")
            })
            .map(|l| (*l).to_owned())
            .collect()
    }

    /// How many requests Prism answered (each logs "Request received").
    pub fn requests(&self) -> usize {
        self.log_text()
            .lines()
            .filter(|l| l.contains("Request received"))
            .count()
    }
}

impl Drop for PrismMock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.log);
    }
}
