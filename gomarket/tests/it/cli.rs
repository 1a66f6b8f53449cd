//! The binary itself: help text and the one-line error without a database.

use std::process::Command;

fn gomarket() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gomarket"))
}

#[test]
fn help_documents_options_and_their_variables() {
    let output = gomarket().args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success());
    for needle in [
        "GOMARKET_LISTEN",
        "127.0.0.1:8080",
        "GOMARKET_DATABASE_URL",
        "DATABASE_URL",
        "GOMARKET_LOG",
    ] {
        assert!(help.contains(needle), "help lacks {needle}:\n{help}");
    }
}

#[test]
fn without_postgres_serve_exits_with_one_line_naming_the_url() {
    let url = "postgres://postgres:secret@127.0.0.1:1/gomarket";
    let output = gomarket()
        .args(["serve"])
        .env("DATABASE_URL", url)
        .env_remove("GOMARKET_DATABASE_URL")
        .env("GOMARKET_LISTEN", "127.0.0.1:0")
        .env("GOMARKET_LOG", "off")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(
        lines[0].contains("postgres://postgres:***@127.0.0.1:1/gomarket"),
        "{stderr}"
    );
    assert!(!lines[0].contains("secret"), "password must not be printed");
}

/// `docs/schema.graphql` is the contract clients read; it must match the code.
/// Regenerate with `cargo run -- schema > docs/schema.graphql`.
#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/schema.graphql")).unwrap();
    assert_eq!(committed, gomarket::schema::sdl(), "docs/schema.graphql is stale");
}

/// `migrate` (like every role) creates its database when the server has none of that name,
/// and a second run finds it there and applies nothing twice.
#[test]
fn migrate_creates_a_missing_database_once() {
    let name = format!("gm_created_{}", uuid::Uuid::new_v4().simple());
    let admin = gomarket_testkit::admin_url();
    let (server, _) = admin.rsplit_once('/').expect("the admin URL names a database");
    let url = format!("{server}/{name}");
    for _ in 0..2 {
        let output = gomarket()
            .args(["migrate"])
            .env("DATABASE_URL", &url)
            .env_remove("GOMARKET_DATABASE_URL")
            .env("GOMARKET_LOG", "off")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let pool = sqlx::PgPool::connect(&url).await.expect("the database exists");
        let migrations: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(migrations > 10, "{migrations} migrations applied");
        pool.close().await;
        let admin = sqlx::PgPool::connect(&admin).await.unwrap();
        // A closed connection's backend may still be exiting; FORCE ends it rather than racing it.
        sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&admin)
            .await
            .unwrap();
    });
}
