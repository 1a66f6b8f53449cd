//! The transport of the Ozon client: one base URL (`GOMARKET_OZON_URL`), every call a POST
//! with the seller's `Client-Id` and `Api-Key` (the key marked sensitive, never logged), the
//! account's rate limits, and the reactions to each kind of answer:
//! - 429: wait (`Retry-After` when given, else jittered backoff), holding back the limit,
//!   then retry;
//! - 5xx and timeouts: jittered exponential backoff, bounded attempts;
//! - 401, and 403 (Ozon's answer to a key that is invalid, deactivated or lacks the method's
//!   role): [`MarketplaceError::Unauthorized`];
//! - any other 4xx: [`MarketplaceError::Refused`] with Ozon's own `message`; never retried.

use super::limits::ALL_METHODS;
use crate::marketplace::port::{Credentials, MarketplaceError};
use crate::marketplace::rate_limit::{Limit, RateLimits};
use crate::marketplace::retry::RetryPolicy;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde_json::Value;
use std::time::Duration;

/// The Ozon Seller API's base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OzonEndpoint(pub String);

impl Default for OzonEndpoint {
    fn default() -> Self {
        Self("https://api-seller.ozon.ru".into())
    }
}

/// The Ozon client: shared by every Ozon account (each request names its account).
#[derive(Debug, Clone)]
pub struct OzonClient {
    http: reqwest::Client,
    base: String,
    limits: RateLimits,
    retry: RetryPolicy,
}

/// The two headers of an account.
struct Headers {
    client_id: HeaderValue,
    api_key: HeaderValue,
}

fn headers(credentials: &Credentials) -> Result<Headers, MarketplaceError> {
    let client_id = credentials
        .client_id
        .as_ref()
        .and_then(|id| HeaderValue::from_str(id.as_str()).ok())
        .ok_or_else(|| MarketplaceError::Unauthorized {
            detail: "the account has no Client-Id".into(),
        })?;
    let mut api_key =
        HeaderValue::from_str(credentials.token().trim()).map_err(|_| MarketplaceError::Unauthorized {
            detail: "the API key has characters a header cannot carry".into(),
        })?;
    api_key.set_sensitive(true);
    Ok(Headers { client_id, api_key })
}

impl OzonClient {
    pub fn new(endpoint: OzonEndpoint, limits: RateLimits, retry: RetryPolicy) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(retry.request_timeout)
            .build()
            .expect("an HTTP client builds");
        Self {
            http,
            base: endpoint.0.trim_end_matches('/').to_owned(),
            limits,
            retry,
        }
    }

    pub fn limits(&self) -> &RateLimits {
        &self.limits
    }

    /// Whether a request under `limit` could go now without waiting.
    pub fn ready(&self, credentials: &Credentials, limit: Limit) -> bool {
        self.limits.ready(credentials.account_id, limit)
    }

    /// POSTs `body` (none: an empty body, for methods that declare none) to `path` under
    /// `limit` (and Ozon's limit on all methods), retried as the module says; the answer's
    /// JSON.
    pub async fn post(
        &self,
        credentials: &Credentials,
        limit: Option<Limit>,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, MarketplaceError> {
        let auth = headers(credentials)?;
        let url = format!("{}{path}", self.base);
        let account = credentials.account_id;
        let mut attempt = 1;
        let mut rate_limited = 0;
        loop {
            if let Some(limit) = limit {
                self.limits.acquire(account, limit).await;
            }
            self.limits.acquire(account, ALL_METHODS).await;
            let mut request = self
                .http
                .post(&url)
                .header("Client-Id", auth.client_id.clone())
                .header("Api-Key", auth.api_key.clone());
            request = match body {
                Some(body) => request.json(body),
                None => request.header(CONTENT_TYPE, "application/json"),
            };
            let failure = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    if status == StatusCode::TOO_MANY_REQUESTS && rate_limited < self.retry.max_rate_limited {
                        rate_limited += 1;
                        let wait = retry_after(&response).unwrap_or_else(|| self.retry.backoff(rate_limited));
                        tracing::warn!(path, ?wait, "Ozon answered 429; waiting");
                        let until = tokio::time::Instant::now() + wait;
                        self.limits.block_until(account, limit.unwrap_or(ALL_METHODS), until);
                        continue;
                    }
                    let bytes = response.bytes().await;
                    match (status, bytes) {
                        (status, Ok(bytes)) if status.is_success() => {
                            return if bytes.is_empty() {
                                Ok(Value::Null)
                            } else {
                                serde_json::from_slice(&bytes).map_err(|e| MarketplaceError::BadResponse {
                                    reason: format!("{path}: {e}"),
                                })
                            };
                        }
                        (status, Ok(bytes)) if status.is_client_error() => {
                            let body: Value = serde_json::from_slice(&bytes)
                                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
                            let message = error_text(&body).unwrap_or_else(|| status.to_string());
                            return Err(match status {
                                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                                    MarketplaceError::Unauthorized { detail: message }
                                }
                                _ => MarketplaceError::Refused {
                                    status: status.as_u16(),
                                    message,
                                },
                            });
                        }
                        (status, _) => format!("{url} answered HTTP {status}"),
                    }
                }
                Err(e) => format!("{url}: {e}"),
            };
            if attempt >= self.retry.attempts {
                return Err(MarketplaceError::Unavailable { reason: failure });
            }
            let wait = self.retry.backoff(attempt);
            tracing::warn!(path, attempt, ?wait, reason = %failure, "Ozon request failed; retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// As [`Self::post`], with the answer read as `T`.
    pub async fn post_for<T: serde::de::DeserializeOwned>(
        &self,
        credentials: &Credentials,
        limit: Option<Limit>,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, MarketplaceError> {
        let answer = self.post(credentials, limit, path, body).await?;
        serde_json::from_value(answer).map_err(|e| MarketplaceError::BadResponse {
            reason: format!("{path}: {e}"),
        })
    }
}

/// `Retry-After` in seconds.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get("retry-after")?.to_str().ok()?;
    let seconds: f64 = value.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(3600.0)))
}

/// Ozon's own words from an error body (`rpcStatus {code, message, details}`), or the body's
/// text when it is not JSON.
pub fn error_text(body: &Value) -> Option<String> {
    match body {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Object(_) => body
            .get("message")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ozon_s_error_text_is_its_rpc_status_message() {
        assert_eq!(
            error_text(
                &json!({"code": 7, "message": "Invalid Api-Key, please check the key and try again", "details": []})
            ),
            Some("Invalid Api-Key, please check the key and try again".into())
        );
        assert_eq!(error_text(&json!({"code": 3})), None);
        assert_eq!(error_text(&json!("Circle is open")), Some("Circle is open".into()));
    }
}
