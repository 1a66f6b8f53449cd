//! Every `gomarket` command line the deployment files run (Kubernetes base and production
//! overlay, docker-compose, the Dockerfile's CMD and HEALTHCHECK) is accepted by the binary:
//! `gomarket <args...> --help` exits 0 with that role's usage. The command lines come from
//! `scripts/check-deploy` (target/deploy/commands.json), which `scripts/test` runs first.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

fn commands() -> Vec<Value> {
    let path = std::env::var_os("GOMARKET_TEST_DEPLOY_COMMANDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/deploy/commands.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run scripts/check-deploy first", path.display()));
    serde_json::from_str(&text).expect("commands.json is a JSON array")
}

/// `gomarket <args> --help` with only the container's own literal environment.
fn help(args: &[String], env: &serde_json::Map<String, Value>) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gomarket"))
        .args(args)
        .arg("--help")
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default())))
        .output()
        .expect("gomarket runs")
}

#[test]
fn every_role_command_line_in_the_deployment_files_is_accepted() {
    let commands = commands();
    let mut roles = BTreeSet::new();
    for command in &commands {
        let source = format!("{} ({})", command["source"], command["name"]);
        let args: Vec<String> = command["args"]
            .as_array()
            .unwrap_or_else(|| panic!("{source}: no args"))
            .iter()
            .map(|a| a.as_str().expect("string argument").to_owned())
            .collect();
        let empty = serde_json::Map::new();
        let env = command["env"].as_object().unwrap_or(&empty);
        let output = help(&args, env);
        let usage = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{source}: gomarket {args:?} --help failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let role = &args[0];
        assert!(
            usage.contains(&format!("Usage: gomarket {role}")),
            "{source}: not the usage of {role}: {usage}"
        );
        roles.insert(role.clone());
    }
    let expected = [
        "command-api",
        "gateway",
        "healthcheck",
        "ingest",
        "migrate",
        "projector",
        "query-api",
        "relay",
        "scheduler",
        "serve",
        "worker",
    ];
    assert_eq!(
        roles,
        expected.iter().map(|r| r.to_string()).collect(),
        "the deployment runs every role"
    );
}

#[test]
fn a_command_line_the_binary_does_not_know_is_refused() {
    let env = serde_json::Map::new();
    for bad in [vec!["command-side"], vec!["projector", "--partitions", "3"]] {
        let args: Vec<String> = bad.iter().map(|a| a.to_string()).collect();
        let output = help(&args, &env);
        assert_eq!(
            output.status.code(),
            Some(2),
            "gomarket {bad:?} --help is a usage error"
        );
    }
}
