//! The transport of the Wildberries client: one base URL per API, the token in the
//! `Authorization` header (marked sensitive, never logged), the account's rate limits, and the
//! documented reactions to each kind of answer:
//! - 429: wait exactly `X-Ratelimit-Retry` seconds (a bounded exponential backoff when the
//!   header is missing), holding back the whole limit group, then retry;
//! - 5xx and timeouts: jittered exponential backoff, bounded attempts;
//! - 401: [`WbError::Unauthorized`] (credentials invalid or expired);
//! - any other 4xx: [`WbError::Refused`] with Wildberries' own error text; never retried.

use super::limits::LimitGroup;
use crate::marketplace::rate_limit::RateLimits;
use crate::marketplace::retry::RetryPolicy;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::time::Duration;
use uuid::Uuid;

/// The base URL of each Wildberries API (the real hosts by default; the sandbox hosts, a
/// validating mock or a test server work the same way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WbEndpoints {
    pub content: String,
    pub prices: String,
    pub marketplace: String,
    pub common: String,
    /// The statistics API (orders, sales, stocks reports): `GOMARKET_WB_STATISTICS_URL`.
    pub statistics: String,
    /// The analytics API (stock history, sales funnel): `GOMARKET_WB_ANALYTICS_URL`.
    pub analytics: String,
    /// The tariffs API (commission by subject): `GOMARKET_WB_TARIFFS_URL`.
    pub tariffs: String,
}

impl Default for WbEndpoints {
    fn default() -> Self {
        Self {
            content: "https://content-api.wildberries.ru".into(),
            prices: "https://discounts-prices-api.wildberries.ru".into(),
            marketplace: "https://marketplace-api.wildberries.ru".into(),
            common: "https://common-api.wildberries.ru".into(),
            statistics: "https://statistics-api.wildberries.ru".into(),
            analytics: "https://seller-analytics-api.wildberries.ru".into(),
            tariffs: "https://common-api.wildberries.ru".into(),
        }
    }
}

/// Which API a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WbApi {
    Content,
    Prices,
    Marketplace,
    Common,
    Statistics,
    Analytics,
    Tariffs,
}

/// Why a Wildberries request did not succeed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WbError {
    /// 401: the token is invalid, expired, or lacks the API's category.
    #[error("marketplace credentials invalid or expired: {detail}")]
    Unauthorized { detail: String },
    /// Another 4xx: Wildberries refused the request, in its words. `body` is the answer.
    #[error("Wildberries refused the request (HTTP {status}): {message}")]
    Refused { status: u16, message: String, body: Value },
    /// 5xx or timeouts, still after every retry.
    #[error("Wildberries is unavailable: {reason}")]
    Unavailable { reason: String },
    /// A success whose body is not what the API documents.
    #[error("unexpected answer from Wildberries: {reason}")]
    BadResponse { reason: String },
}

/// A successful answer.
#[derive(Debug)]
pub struct WbResponse {
    pub status: StatusCode,
    pub body: Value,
}

impl WbResponse {
    pub fn parse<T: serde::de::DeserializeOwned>(self) -> Result<T, WbError> {
        serde_json::from_value(self.body).map_err(|e| WbError::BadResponse { reason: e.to_string() })
    }
}

/// The Wildberries client: shared by every account (each request names its account).
#[derive(Debug, Clone)]
pub struct WbClient {
    http: reqwest::Client,
    endpoints: WbEndpoints,
    limits: RateLimits,
    retry: RetryPolicy,
}

/// One account's credentials for a request: its id (for the rate limits) and its token.
#[derive(Clone)]
pub struct WbAccount {
    pub id: Uuid,
    token: HeaderValue,
}

impl std::fmt::Debug for WbAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WbAccount")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl WbAccount {
    /// `None` when the token cannot be an HTTP header value.
    pub fn new(id: Uuid, token: &str) -> Option<Self> {
        let mut token = HeaderValue::from_str(token.trim()).ok()?;
        token.set_sensitive(true);
        Some(Self { id, token })
    }
}

impl WbClient {
    /// Whether `account` could send a request of `group` now without waiting: lets a worker
    /// go on with other work instead of sleeping on a slow group.
    pub fn ready(&self, account: &WbAccount, group: LimitGroup) -> bool {
        self.limits.ready(account.id, group.limit())
    }

    pub fn new(endpoints: WbEndpoints, limits: RateLimits, retry: RetryPolicy) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(retry.request_timeout)
            .build()
            .expect("a TLS-less HTTP client builds");
        Self {
            http,
            endpoints,
            limits,
            retry,
        }
    }

    pub fn limits(&self) -> &RateLimits {
        &self.limits
    }

    fn base(&self, api: WbApi) -> &str {
        match api {
            WbApi::Content => &self.endpoints.content,
            WbApi::Prices => &self.endpoints.prices,
            WbApi::Marketplace => &self.endpoints.marketplace,
            WbApi::Common => &self.endpoints.common,
            WbApi::Statistics => &self.endpoints.statistics,
            WbApi::Analytics => &self.endpoints.analytics,
            WbApi::Tariffs => &self.endpoints.tariffs,
        }
        .trim_end_matches('/')
    }

    /// Sends one request (with `body` as JSON when given), retried as the module says; the
    /// answer's JSON.
    pub async fn send(
        &self,
        account: &WbAccount,
        group: LimitGroup,
        api: WbApi,
        method: Method,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> Result<WbResponse, WbError> {
        let (status, bytes) = self.send_raw(account, group, api, method, path_and_query, body).await?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).map_err(|e| WbError::BadResponse {
                reason: format!("{path_and_query}: {e}"),
            })?
        };
        Ok(WbResponse { status, body })
    }

    /// As [`Self::send`], with the answer's bytes as they came: for reports read from the
    /// numbers' own text (a JSON value would have turned them into floats).
    pub async fn send_raw(
        &self,
        account: &WbAccount,
        group: LimitGroup,
        api: WbApi,
        method: Method,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, bytes::Bytes), WbError> {
        let url = format!("{}{path_and_query}", self.base(api));
        let mut attempt = 1;
        let mut rate_limited = 0;
        loop {
            self.limits.acquire(account.id, group.limit()).await;
            let mut request = self
                .http
                .request(method.clone(), &url)
                .header(AUTHORIZATION, account.token.clone());
            if let Some(body) = body {
                request = request.json(body);
            }
            let failure = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    if status == StatusCode::TOO_MANY_REQUESTS && rate_limited < self.retry.max_rate_limited {
                        rate_limited += 1;
                        let wait = retry_after(&response).unwrap_or_else(|| self.backoff(rate_limited));
                        tracing::warn!(
                            group = group.name(),
                            ?wait,
                            "Wildberries answered 429; waiting as asked"
                        );
                        self.limits
                            .block_until(account.id, group.limit(), tokio::time::Instant::now() + wait);
                        continue;
                    }
                    let bytes = response.bytes().await;
                    match (status, bytes) {
                        (status, Ok(bytes)) if status.is_success() => return Ok((status, bytes)),
                        (status, Ok(bytes)) if status.is_client_error() => {
                            if api == WbApi::Marketplace {
                                // A 4xx there counts as 10 requests.
                                self.limits.charge(account.id, group.limit(), 9);
                            }
                            let body = serde_json::from_slice(&bytes)
                                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
                            let message = error_text(&body).unwrap_or_else(|| status.to_string());
                            return Err(if status == StatusCode::UNAUTHORIZED {
                                WbError::Unauthorized { detail: message }
                            } else {
                                WbError::Refused {
                                    status: status.as_u16(),
                                    message,
                                    body,
                                }
                            });
                        }
                        (status, _) => format!("{url} answered HTTP {status}"),
                    }
                }
                Err(e) => format!("{url}: {e}"),
            };
            if attempt >= self.retry.attempts {
                return Err(WbError::Unavailable { reason: failure });
            }
            let wait = self.backoff(attempt);
            tracing::warn!(group = group.name(), attempt, ?wait, reason = %failure, "Wildberries request failed; retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.retry.backoff(attempt)
    }
}

/// `X-Ratelimit-Retry` (seconds, possibly fractional).
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get("x-ratelimit-retry")?.to_str().ok()?;
    let seconds: f64 = value.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(3600.0)))
}

/// Wildberries' own words from an error body, whichever of its shapes it has: content and
/// prices `{errorText, additionalErrors}`, marketplace `{code, message}` (or an array of
/// them), gateway problem+json `{title, detail}`.
pub fn error_text(body: &Value) -> Option<String> {
    let text = |v: &Value, key: &str| {
        v.get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    match body {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().filter_map(error_text).collect();
            (!texts.is_empty()).then(|| texts.join("; "))
        }
        Value::Object(_) => {
            let mut message = text(body, "errorText")
                .or_else(|| text(body, "message"))
                .or_else(|| text(body, "detail"))
                .or_else(|| text(body, "title"))?;
            if let Some(extra) = body.get("additionalErrors").filter(|v| !v.is_null())
                && let Some(more) = error_text(extra).or_else(|| Some(extra.to_string()).filter(|s| s != "{}"))
            {
                message = format!("{message} ({more})");
            }
            if let Some(code) = text(body, "code").filter(|_| body.get("message").is_some()) {
                message = format!("{code}: {message}");
            }
            Some(message)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_text_reads_every_documented_shape() {
        assert_eq!(
            error_text(&json!({"data": null, "error": true, "errorText": "Неверный запрос", "additionalErrors": null})),
            Some("Неверный запрос".into())
        );
        assert_eq!(
            error_text(&json!({"code": "IncorrectRequest", "message": "Некорректный запрос"})),
            Some("IncorrectRequest: Некорректный запрос".into())
        );
        assert_eq!(
            error_text(&json!([{"code": "NotFound", "message": "Товар не найден", "data": []}])),
            Some("NotFound: Товар не найден".into())
        );
        assert_eq!(
            error_text(&json!({"title": "unauthorized", "detail": "token expired", "status": 401})),
            Some("token expired".into())
        );
        assert_eq!(error_text(&json!({})), None);
    }
}
