//! GraphQL over HTTP, as the benchmark's clients speak it.

use serde_json::{Value, json};

/// Posts a GraphQL request (with the bearer token, if any) and returns the answer, which must
/// hold no errors.
pub async fn post(client: &reqwest::Client, url: &str, token: Option<&str>, request: &Value) -> Value {
    let mut post = client.post(url).json(request);
    if let Some(token) = token {
        post = post.bearer_auth(token);
    }
    let body: Value = post.send().await.unwrap().json().await.unwrap();
    assert!(body["errors"].is_null(), "{body}");
    body
}

/// An access token of `admin`.
pub async fn login(url: &str, password: &str) -> String {
    let request = json!({
        "query": "mutation($p: String!) { login(email: \"admin\", password: $p) { accessToken } }",
        "variables": { "p": password },
    });
    let body = post(&reqwest::Client::new(), url, None, &request).await;
    body["data"]["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("login failed: {body}"))
        .to_owned()
}
