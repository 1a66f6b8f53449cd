//! Authentication at the edge: turns `Authorization: Bearer`, `X-Api-Key` (HTTP) or the
//! websocket `connection_init` payload into the request's principal, and finds the client's
//! address for rate limits and login throttling.

use axum::http::HeaderMap;
use gomarket_domain::identity::Principal;
use gomarket_infra::identity::{AuthError, IdentityService};
use std::net::SocketAddr;
use uuid::Uuid;

pub const API_KEY_HEADER: &str = "x-api-key";

/// The outcome of looking at a request's credentials.
#[derive(Debug, Default)]
pub struct Authentication {
    pub principal: Option<Principal>,
    /// The bearer token's session.
    pub session: Option<Uuid>,
    /// Why presented credentials were refused (safe to show).
    pub error: Option<String>,
    /// They could not be checked at all (the identity store failed).
    pub store_failed: bool,
}

/// Credentials as presented, before checking.
#[derive(Debug, Default)]
pub struct Credentials {
    pub bearer: Option<String>,
    pub api_key: Option<String>,
}

impl Credentials {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let bearer = text("authorization").and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
        });
        Self {
            bearer,
            api_key: text(API_KEY_HEADER),
        }
    }

    /// From a graphql-ws `connection_init` payload: `{"Authorization": "Bearer …"}`,
    /// `{"authToken": "…"}` or `{"X-Api-Key": "…"}` (keys matched case-insensitively).
    pub fn from_connection_init(payload: &serde_json::Value) -> Self {
        let mut credentials = Self::default();
        let Some(object) = payload.as_object() else {
            return credentials;
        };
        for (key, value) in object {
            let Some(value) = value.as_str().map(str::trim).filter(|v| !v.is_empty()) else {
                continue;
            };
            match key.to_ascii_lowercase().as_str() {
                "authorization" => {
                    credentials.bearer = value
                        .split_once(' ')
                        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                        .map(|(_, token)| token.trim().to_owned());
                }
                "authtoken" | "accesstoken" | "token" => credentials.bearer = Some(value.to_owned()),
                "x-api-key" | "apikey" => credentials.api_key = Some(value.to_owned()),
                _ => {}
            }
        }
        credentials
    }

    pub async fn authenticate(&self, identity: &IdentityService) -> Authentication {
        let result = match (&self.bearer, &self.api_key) {
            (Some(token), _) => identity.authenticate_bearer(token).await,
            (None, Some(key)) => identity.authenticate_api_key(key).await.map(|p| (p, None)),
            (None, None) => return Authentication::default(),
        };
        match result {
            Ok((principal, session)) => Authentication {
                principal: Some(principal),
                session,
                ..Authentication::default()
            },
            Err(AuthError::Store(cause)) => {
                tracing::error!(%cause, "cannot check credentials");
                Authentication {
                    principal: None,
                    session: None,
                    error: Some("credentials could not be checked; retry".to_owned()),
                    store_failed: true,
                }
            }
            Err(error) => {
                tracing::info!(reason = %error, "credentials refused");
                Authentication {
                    principal: None,
                    session: None,
                    error: Some(error.to_string()),
                    store_failed: false,
                }
            }
        }
    }
}

/// The client's address: the peer's, or the first `X-Forwarded-For` hop when the proxy in
/// front is trusted to set it.
pub fn client_address(peer: Option<SocketAddr>, headers: &HeaderMap, trust_forwarded_for: bool) -> Option<String> {
    let forwarded = trust_forwarded_for
        .then(|| {
            headers
                .get("x-forwarded-for")?
                .to_str()
                .ok()?
                .split(',')
                .next()
                .map(str::trim)
        })
        .flatten()
        .filter(|v| v.parse::<std::net::IpAddr>().is_ok());
    forwarded
        .map(str::to_owned)
        .or_else(|| peer.map(|p| p.ip().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use serde_json::json;

    #[test]
    fn credentials_from_headers_and_init_payloads() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("bearer abc.def.ghi"));
        headers.insert("x-api-key", HeaderValue::from_static(" gmk_1_2 "));
        let c = Credentials::from_headers(&headers);
        assert_eq!(c.bearer.as_deref(), Some("abc.def.ghi"));
        assert_eq!(c.api_key.as_deref(), Some("gmk_1_2"));
        let mut basic = HeaderMap::new();
        basic.insert("authorization", HeaderValue::from_static("Basic dXNlcg=="));
        assert_eq!(Credentials::from_headers(&basic).bearer, None);

        let c = Credentials::from_connection_init(&json!({ "Authorization": "Bearer t1" }));
        assert_eq!(c.bearer.as_deref(), Some("t1"));
        let c = Credentials::from_connection_init(&json!({ "authToken": "t2", "X-Api-Key": "k" }));
        assert_eq!((c.bearer.as_deref(), c.api_key.as_deref()), (Some("t2"), Some("k")));
        assert!(Credentials::from_connection_init(&json!(null)).bearer.is_none());
    }

    #[test]
    fn forwarded_for_only_when_trusted() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.7, 10.0.0.1"));
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        assert_eq!(
            client_address(Some(peer), &headers, false).as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            client_address(Some(peer), &headers, true).as_deref(),
            Some("203.0.113.7")
        );
        headers.insert("x-forwarded-for", HeaderValue::from_static("not an ip"));
        assert_eq!(client_address(Some(peer), &headers, true).as_deref(), Some("127.0.0.1"));
    }
}
