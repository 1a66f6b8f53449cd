//! `gomarket secrets rotate`: after a new secrets-store key, every stored secret is
//! re-encrypted under it, so the old key can be dropped; without the old key the command
//! refuses and changes nothing.

use crate::support::{TestApp, serve_args};
use gomarket::cli::SecurityArgs;
use gomarket_infra::secrets::{SecretId, SecretStore};
use serde_json::json;
use std::process::Output;

const OLD_KEY: &str = "b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleSE=";
const NEW_KEY: &str = "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleSE=";

fn rotate(url: &str, key: &str, previous: Option<&str>) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gomarket"));
    command
        .args(["secrets", "rotate"])
        .env("DATABASE_URL", url)
        .env_remove("GOMARKET_DATABASE_URL")
        .env("GOMARKET_SECRET_KEY", key)
        .env("GOMARKET_LOG", "off");
    match previous {
        Some(previous) => command.env("GOMARKET_SECRET_PREVIOUS_KEYS", previous),
        None => command.env_remove("GOMARKET_SECRET_PREVIOUS_KEYS"),
    };
    command.output().expect("gomarket runs")
}

async fn store_with_only(app: &TestApp, key: &str) -> SecretStore {
    let security = SecurityArgs {
        secret_key: Some(key.to_owned()),
        ..SecurityArgs::default()
    };
    let keys = gomarket::keys::secret_keys(&security, &app.db.pool).await.unwrap();
    SecretStore::new(app.db.pool.clone(), keys)
}

#[tokio::test]
async fn rotate_re_encrypts_every_secret_under_the_new_key() {
    let mut args = serve_args();
    args.api.security.secret_key = Some(OLD_KEY.to_owned());
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let mut ids = Vec::new();
    for value in ["первый секрет", "second secret"] {
        let stored = app
            .graphql(
                "mutation($i: StoreSecretInput!) { storeSecret(input: $i) { secret { id } errors { code } } }",
                json!({ "i": { "name": value, "value": value } }),
            )
            .await;
        let id = stored["data"]["storeSecret"]["secret"]["id"].as_str().unwrap();
        ids.push((SecretId(id.parse().unwrap()), value));
    }
    let new_only = store_with_only(&app, NEW_KEY).await;
    assert!(
        new_only.reveal(ids[0].0).await.is_err(),
        "the new key alone cannot read them yet"
    );

    // Without the old key among the previous ones: refused, nothing changed.
    let refused = rotate(&app.db.url, NEW_KEY, None);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("GOMARKET_SECRET_PREVIOUS_KEYS"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let old_only = store_with_only(&app, OLD_KEY).await;
    assert_eq!(old_only.reveal(ids[0].0).await.unwrap().expose(), ids[0].1);

    let rotated = rotate(&app.db.url, NEW_KEY, Some(OLD_KEY));
    assert!(rotated.status.success(), "{}", String::from_utf8_lossy(&rotated.stderr));
    assert_eq!(
        String::from_utf8_lossy(&rotated.stdout).trim(),
        "re-encrypted 2 secret(s) under the active key"
    );
    for (id, value) in &ids {
        assert_eq!(
            new_only.reveal(*id).await.unwrap().expose(),
            *value,
            "readable with the new key alone"
        );
        assert!(old_only.reveal(*id).await.is_err(), "no longer under the old key");
    }
    let again = rotate(&app.db.url, NEW_KEY, Some(OLD_KEY));
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim(),
        "re-encrypted 0 secret(s) under the active key"
    );
}
