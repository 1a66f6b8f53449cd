//! Per-request and per-schema data that resolvers read from the GraphQL context.

use gomarket_domain::identity::Principal;
use std::time::Duration;
use uuid::Uuid;

/// Who is asking, within which request. Inserted into every GraphQL request by the HTTP edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// From `X-Request-Id`, or generated; recorded on every event the request causes.
    pub correlation_id: String,
    /// The authenticated principal, if the request carried valid credentials.
    pub principal: Option<Principal>,
    /// Why presented credentials were refused (expired token, revoked key, ...), so a refusal
    /// can say more than "not logged in".
    pub auth_error: Option<String>,
    /// The client's address (rate limits, failed-login throttling).
    pub client_address: Option<String>,
    /// The session of the bearer token the request carried (what `logout` ends).
    pub session: Option<Uuid>,
}

impl RequestContext {
    pub fn anonymous(correlation_id: impl Into<String>) -> Self {
        Self {
            correlation_id: correlation_id.into(),
            principal: None,
            auth_error: None,
            client_address: None,
            session: None,
        }
    }

    pub fn authenticated(correlation_id: impl Into<String>, principal: Principal) -> Self {
        Self {
            principal: Some(principal),
            ..Self::anonymous(correlation_id)
        }
    }

    /// How the principal appears in event metadata: `user:<login>`, `api-key:<id>`, or
    /// `anonymous`.
    pub fn actor(&self) -> String {
        self.principal
            .as_ref()
            .map_or_else(|| "anonymous".to_owned(), Principal::actor)
    }
}

/// Settings of the API, shared by all requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiSettings {
    /// How long a query given a consistency token waits for the read model (at most 5 s).
    pub consistency_timeout: Duration,
}

impl Default for ApiSettings {
    fn default() -> Self {
        Self {
            consistency_timeout: Duration::from_secs(5),
        }
    }
}

/// The request context, or an anonymous one for callers (tests, tools) that set none.
pub fn request_context(ctx: &async_graphql::Context<'_>) -> RequestContext {
    ctx.data_opt::<RequestContext>()
        .cloned()
        .unwrap_or_else(|| RequestContext::anonymous(Uuid::now_v7().to_string()))
}
