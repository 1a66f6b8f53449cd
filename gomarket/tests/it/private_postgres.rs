//! The first run on a fresh machine: PostgreSQL installed but not running, no database URL
//! configured. `gomarket serve` (the binary itself) starts a private cluster from the system's
//! binaries, the console's login page answers and a login works, and the cluster stops with
//! `serve`. Without binaries it says in one line what to install; a configured URL is never
//! replaced.
//!
//! "Nothing answers at the default URL" is made true without stopping the machine's own
//! PostgreSQL (the other tests use it): each run is in a network namespace of its own
//! (`unshare --net`), whose 127.0.0.1 has nothing listening.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A directory the `postgres` system user can reach (the cluster belongs to it under root).
fn scratch(name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("gomarket-{name}-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn is_root() -> bool {
    std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").unwrap()) == 0
}

/// Runs `script` with bash in a new network namespace (as root, or as this user in a user
/// namespace of its own), `GOMARKET_BIN` naming the binary under test.
fn in_own_network(script: &str, envs: &[(&str, &Path)]) -> Output {
    let mut command = Command::new("unshare");
    if !is_root() {
        command.args(["--user", "--map-current-user"]);
    }
    command
        .args(["--net", "bash", "-c"])
        .arg(format!("set -u\nip link set lo up\n{script}"))
        .env("GOMARKET_BIN", env!("CARGO_BIN_EXE_gomarket"))
        // Nothing configured: the test's own environment may name a database.
        .env_remove("DATABASE_URL")
        .env_remove("GOMARKET_DATABASE_URL")
        .env_remove("GOMARKET_KAFKA_BROKERS")
        .env_remove("GOMARKET_REDIS_URL")
        .env("GOMARKET_LOG", "info,sqlx=warn");
    for (name, value) in envs {
        command.env(name, value);
    }
    command
        .output()
        .expect("unshare (util-linux) runs the binary in a network namespace of its own")
}

fn pg_ctl_status(data: &Path) -> Option<i32> {
    let bin = gomarket_infra::database::PrivateCluster::find_binaries().expect("PostgreSQL's binaries");
    let mut command = Command::new(bin.join("pg_ctl"));
    command.arg("status").arg("-D").arg(data);
    if is_root() {
        // The cluster belongs to `postgres`; pg_ctl refuses root.
        command = Command::new("runuser");
        command
            .args(["-u", "postgres", "--"])
            .arg(bin.join("pg_ctl"))
            .arg("status")
            .arg("-D")
            .arg(data);
    }
    command.output().unwrap().status.code()
}

#[test]
fn serve_starts_a_private_postgres_when_none_answers_and_stops_it_after() {
    let dir = scratch("first-run");
    let data = dir.join("postgres");
    let script = r#"
"$GOMARKET_BIN" serve >"$DIR/serve.log" 2>&1 & pid=$!
for _ in $(seq 1 240); do
  curl -sf http://127.0.0.1:8080/ -o "$DIR/index.html" && break
  sleep 0.25
done
curl -sf http://127.0.0.1:8080/console/js/pages/login.js -o "$DIR/login.js"
curl -sf http://127.0.0.1:8080/graphql -H 'Content-Type: application/json' \
  -d '{"query":"mutation { login(email: \"admin\", password: \"first-run-password\") { accessToken errors { message } } }"}' \
  -o "$DIR/login.json"
kill -TERM $pid
wait $pid
echo "serve exited with $?"
"#;
    let output = in_own_network(
        script,
        &[
            ("DIR", &dir),
            ("GOMARKET_POSTGRES_DATA_DIR", &data),
            ("GOMARKET_ADMIN_PASSWORD", Path::new("first-run-password")),
        ],
    );
    let log = std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default();
    let said = format!(
        "{}\n{}\nserve's log:\n{log}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(said.contains("serve exited with 0"), "{said}");
    assert!(log.contains("starting a private one"), "{said}");
    assert!(log.contains("started a private PostgreSQL cluster"), "{said}");
    assert!(log.contains("first start: created user `admin`"), "{said}");
    let index = std::fs::read_to_string(dir.join("index.html")).unwrap_or_default();
    assert!(
        index.contains("/console/js/app.js"),
        "the console answers: {index}\n{said}"
    );
    let login_page = std::fs::read_to_string(dir.join("login.js")).unwrap_or_default();
    assert!(login_page.contains("Вход в GoMarket"), "the login page: {said}");
    let login = std::fs::read_to_string(dir.join("login.json")).unwrap_or_default();
    assert!(
        login.contains("\"accessToken\":\"ey"),
        "the first-start admin logs in against the private database: {login}\n{said}"
    );
    // The cluster is initialised where documented, and stopped with serve.
    assert!(data.join("PG_VERSION").is_file(), "{said}");
    assert!(!data.join("postmaster.pid").exists(), "stopped: {said}");
    assert_eq!(pg_ctl_status(&data), Some(3), "pg_ctl: no server running");

    // Again: the same cluster (and data) is used, no new initialisation.
    let again = in_own_network(
        r#""$GOMARKET_BIN" serve >"$DIR/serve2.log" 2>&1 & pid=$!
for _ in $(seq 1 240); do curl -sf http://127.0.0.1:8080/ -o /dev/null && break; sleep 0.25; done
kill -TERM $pid; wait $pid; echo "serve exited with $?""#,
        &[("DIR", &dir), ("GOMARKET_POSTGRES_DATA_DIR", &data)],
    );
    let log = std::fs::read_to_string(dir.join("serve2.log")).unwrap_or_default();
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("serve exited with 0"),
        "{log}"
    );
    assert!(!log.contains("initialising"), "the data is kept: {log}");
    assert!(
        !log.contains("first start"),
        "the same database, its admin already there: {log}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn without_binaries_serve_says_in_one_line_what_to_install_and_a_configured_url_is_kept() {
    let dir = scratch("no-binaries");
    let empty = dir.join("bin");
    std::fs::create_dir_all(&empty).unwrap();
    let data = dir.join("postgres");
    let output = in_own_network(
        r#""$GOMARKET_BIN" serve; echo "exit $?""#,
        &[
            ("GOMARKET_POSTGRES_BIN_DIR", &empty),
            ("GOMARKET_POSTGRES_DATA_DIR", &data),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains("exit 1"), "{stdout}{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains("apt install postgresql"), "{stderr}");
    assert!(errors[0].contains("127.0.0.1:5432"), "{stderr}");
    assert!(!data.exists(), "nothing created");

    // A configured URL that does not answer is reported, never replaced by a private cluster.
    let output = in_own_network(
        r#"DATABASE_URL=postgres://postgres@127.0.0.1:5432/gomarket "$GOMARKET_BIN" serve; echo "exit $?""#,
        &[("GOMARKET_POSTGRES_DATA_DIR", &data)],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains("exit 1"), "{stdout}{stderr}");
    assert!(
        stderr.contains("cannot reach PostgreSQL at postgres://postgres@127.0.0.1:5432/gomarket"),
        "{stderr}"
    );
    assert!(!stderr.contains("private"), "{stderr}");
    assert!(!data.exists(), "nothing created");
    std::fs::remove_dir_all(&dir).ok();
}
