//! Redis for tests: the shared test server (`GOMARKET_TEST_REDIS_URL`, started by
//! `scripts/ensure-redis`) under a key prefix of the test's own, or a private server the test
//! may stop and start again (`GOMARKET_TEST_REDIS_SERVER`, the `redis-server` binary).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The shared test Redis. There is deliberately no skipping: without one the test fails and
/// says how to get one.
pub fn redis_url() -> String {
    std::env::var("GOMARKET_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| {
            panic!(
                "this test needs Redis: run scripts/test (it starts one), or set \
                 GOMARKET_TEST_REDIS_URL=redis://host:port"
            )
        })
}

/// A key prefix no other test uses.
pub fn redis_prefix() -> String {
    format!("t{}:", Uuid::new_v4().simple())
}

/// A Redis server of the test's own on a free port, stopped when dropped.
pub struct PrivateRedis {
    pub port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut redis = Self { port, child: None };
        redis.restart();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server again (on the same port) after [`PrivateRedis::stop`].
    pub fn restart(&mut self) {
        let binary = std::env::var("GOMARKET_TEST_REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned());
        let child = Command::new(&binary)
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                &std::env::temp_dir().to_string_lossy(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary} (set GOMARKET_TEST_REDIS_SERVER): {e}"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not listen on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server (its connections drop at once).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
