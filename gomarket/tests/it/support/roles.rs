//! GoMarket as separate processes, one role each (`gomarket <role>`), against one database and
//! broker, as a deployment runs it. `GOMARKET_TEST_CHILD_LOG=info` shows their logs.

use super::ADMIN_PASSWORD;
use super::wb_fake::WbFake;
use gomarket_infra::kafka::KafkaConfig;
use gomarket_testkit::eventually;
use std::net::SocketAddr;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::process::{Child, Command};

/// The environment every role of one deployment shares.
#[derive(Clone)]
pub struct Deployment {
    pub env: Vec<(String, String)>,
}

impl Deployment {
    /// Database `url`, Wildberries at `fake`, events through `kafka` when given.
    pub fn new(url: &str, fake: &WbFake, kafka: Option<&KafkaConfig>) -> Self {
        let mut env: Vec<(String, String)> = [
            ("DATABASE_URL", url.to_owned()),
            ("GOMARKET_ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
            ("GOMARKET_WB_CONTENT_URL", fake.url()),
            ("GOMARKET_WB_PRICES_URL", fake.url()),
            ("GOMARKET_WB_MARKETPLACE_URL", fake.url()),
            ("GOMARKET_WB_COMMON_URL", fake.url()),
            ("GOMARKET_WORKER_INTERVAL_MS", "100".to_owned()),
            ("GOMARKET_WB_BACKOFF_MS", "50".to_owned()),
            ("GOMARKET_SCHEDULER_INTERVAL_MS", "200".to_owned()),
            // The fake has no statistics reports: the sales ingest has its own test.
            ("GOMARKET_RUN_INGEST", "false".to_owned()),
            // The tests drive many requests from one address and one principal.
            ("GOMARKET_RATE_LIMIT_PER_SECOND", "1000000".to_owned()),
            ("GOMARKET_RATE_LIMIT_BURST", "1000000".to_owned()),
            ("GOMARKET_RATE_LIMIT_IP_PER_SECOND", "1000000".to_owned()),
            ("GOMARKET_RATE_LIMIT_IP_BURST", "1000000".to_owned()),
            // Feeds come from temporary folders and servers on this host.
            ("GOMARKET_FEED_DIR", "/".to_owned()),
            ("GOMARKET_FEED_ALLOW_PRIVATE", "true".to_owned()),
            (
                "GOMARKET_LOG",
                std::env::var("GOMARKET_TEST_CHILD_LOG").unwrap_or_else(|_| "off".into()),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if let Some(kafka) = kafka {
            env.push(("GOMARKET_KAFKA_BROKERS".into(), kafka.brokers.clone()));
            env.push(("GOMARKET_KAFKA_TOPIC_PREFIX".into(), kafka.topic_prefix.clone()));
            env.push(("GOMARKET_KAFKA_PARTITIONS".into(), kafka.partitions.to_string()));
        }
        Self { env }
    }

    /// Starts `gomarket <args>` with this deployment's environment plus `extra`.
    pub fn spawn(&self, args: &[&str], extra: &[(&str, String)]) -> Child {
        let logs = std::env::var_os("GOMARKET_TEST_CHILD_LOG").is_some();
        let mut command = Command::new(env!("CARGO_BIN_EXE_gomarket"));
        command
            .args(args)
            .env_remove("GOMARKET_DATABASE_URL")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .envs(extra.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(if logs { Stdio::inherit() } else { Stdio::null() })
            .stderr(if logs { Stdio::inherit() } else { Stdio::null() })
            .kill_on_drop(true);
        command
            .spawn()
            .unwrap_or_else(|e| panic!("gomarket {args:?} starts: {e}"))
    }

    /// Runs `gomarket migrate` to completion.
    pub async fn migrate(&self) {
        let status = self.spawn(&["migrate"], &[]).wait().await.unwrap();
        assert!(status.success(), "gomarket migrate: {status}");
    }
}

/// A free port on loopback (bound and released: the role binds it moments later).
pub fn free_address() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
}

/// Waits until `http://{address}{path}` answers 200.
pub async fn wait_until_ok(address: SocketAddr, path: &str) {
    let client = reqwest::Client::new();
    let what = format!("{address}{path} never answered 200");
    eventually(Duration::from_secs(60), &what, || async {
        let answer = client
            .get(format!("http://{address}{path}"))
            .timeout(Duration::from_secs(2))
            .send()
            .await;
        if matches!(&answer, Ok(a) if a.status().is_success()) {
            Ok(())
        } else {
            Err(answer)
        }
    })
    .await;
}

/// Sends SIGTERM, as an orchestrator stopping a pod does.
pub fn terminate(child: &Child) {
    let pid = child.id().expect("the process is running");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -TERM {pid}");
}

/// Waits until connections to `address` are refused (the role handled its first signal and
/// closed its listener), at most `within`.
pub async fn refused_within(address: SocketAddr, within: Duration) {
    let refused = async {
        while tokio::net::TcpStream::connect(address).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(within, refused)
        .await
        .unwrap_or_else(|_| panic!("{address} still accepted connections {within:?} after SIGTERM"));
}

/// Waits for a terminated role to exit, at most `within`.
pub async fn exit_within(child: &mut Child, within: Duration) -> ExitStatus {
    tokio::time::timeout(within, child.wait())
        .await
        .unwrap_or_else(|_| panic!("the role did not stop within {within:?} of SIGTERM"))
        .expect("waiting for the role")
}
