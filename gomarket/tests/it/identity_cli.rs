//! First start and offline user management through the binary itself.

use crate::support::{TestApp, serve_args};
use gomarket_testkit::TestDatabase;
use serde_json::{Value, json};
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};

fn gomarket() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gomarket"))
}

async fn login(address: &str, email: &str, password: &str) -> Value {
    reqwest::Client::new()
        .post(format!("http://{address}/graphql"))
        .json(&json!({
            "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken errors { code } } }",
            "variables": { "e": email, "p": password }
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn first_start_prints_a_generated_admin_password_once_and_never_logs_it() {
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_gomarket"))
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env_remove("GOMARKET_DATABASE_URL")
        .env_remove("GOMARKET_ADMIN_PASSWORD")
        .env_remove("GOMARKET_KAFKA_BROKERS")
        .env("GOMARKET_LISTEN", "127.0.0.1:0")
        .env("GOMARKET_LOG", "debug,sqlx=warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut password, mut address) = (None::<String>, None::<String>);
    let mut logs = String::new();
    while password.is_none() || address.is_none() {
        assert!(Instant::now() < deadline, "no password/address; logs:\n{logs}");
        tokio::select! {
            Ok(Some(line)) = stdout.next_line() => {
                let trimmed = line.trim();
                if !trimmed.is_empty() && !trimmed.contains(' ') {
                    password = Some(trimmed.to_owned());
                }
            }
            Ok(Some(line)) = stderr.next_line() => {
                if let Some(at) = line.find("http://") {
                    address = line[at + 7..].split('/').next().map(str::to_owned);
                }
                logs.push_str(&line);
                logs.push('\n');
            }
        }
    }
    let (password, address) = (password.unwrap(), address.unwrap());
    let ok = login(&address, "admin", &password).await;
    assert!(ok["data"]["login"]["accessToken"].is_string(), "{ok}");
    child.start_kill().unwrap();
    while let Ok(Ok(Some(line))) = tokio::time::timeout(Duration::from_secs(5), stderr.next_line()).await {
        logs.push_str(&line);
        logs.push('\n');
    }
    assert!(!logs.contains(&password), "the password reached the log");

    // A second start on the same database creates nobody and prints nothing.
    let second = gomarket()
        .args(["user", "create", "--email", "admin", "--role", "viewer"])
        .env("DATABASE_URL", &db.url)
        .env_remove("GOMARKET_DATABASE_URL")
        .env("GOMARKET_USER_PASSWORD", "another password here")
        .env("GOMARKET_LOG", "off")
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&second.stderr).contains("already exists"));
}

#[tokio::test]
async fn user_create_works_offline_with_the_password_from_stdin() {
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let mut child = gomarket()
        .args([
            "user",
            "create",
            "--email",
            "Ops@Shop.ru",
            "--role",
            "operator",
            "--role",
            "viewer",
        ])
        .env("DATABASE_URL", &db.url)
        .env_remove("GOMARKET_DATABASE_URL")
        .env_remove("GOMARKET_USER_PASSWORD")
        .env("GOMARKET_LOG", "off")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"operator password 1\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("created user ops@shop.ru"), "{stdout}");
    assert!(
        !stdout.contains("operator password 1"),
        "a supplied password is not echoed"
    );

    let bad_role = gomarket()
        .args(["user", "create", "--email", "x@shop.ru", "--role", "root"])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert_eq!(bad_role.status.code(), Some(2), "clap usage error");

    // The server, started on that database, lets the user in with the operator's rights.
    let mut args = serve_args();
    args.api.security.admin_password = None;
    let app = TestApp::spawn_on(db, args).await;
    let token = app.login("ops@shop.ru", "operator password 1").await;
    let me = app
        .graphql_as(Some(&token), "{ me { actor permissions user { roles } } }", json!({}))
        .await;
    assert_eq!(me["data"]["me"]["actor"], "user:ops@shop.ru", "{me}");
    assert_eq!(me["data"]["me"]["user"]["roles"], json!(["OPERATOR", "VIEWER"]));
    assert!(
        me["data"]["me"]["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("sync:run"))
    );
}
