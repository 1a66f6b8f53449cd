//! The error codes clients see in `extensions.code`, and the one constructor every resolver
//! uses, so codes and the `field` extension are uniform across the API.

use crate::context::request_context;
use async_graphql::{Context, Error, ErrorExtensions};
use gomarket_infra::error_chain::Chain;
use gomarket_infra::event_store::{StoreError, unavailable_anywhere};

/// A stable, machine-readable error class; the same strings are sent as `extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum ErrorCode {
    /// The input is malformed or breaks a rule; `field` names the culprit.
    BadUserInput,
    /// The entity the input names does not exist.
    NotFound,
    /// It exists already (e.g. a product with this SKU).
    AlreadyExists,
    /// Someone else changed it first (stale `expectedVersion`, concurrent write). Re-read, retry.
    Conflict,
    /// Its current state forbids the operation (e.g. changing an archived product).
    FailedPrecondition,
    Unauthenticated,
    Forbidden,
    RateLimited,
    /// A dependency (database, read model) is not answering in time; retry later.
    UpstreamUnavailable,
    /// A subscriber took its items more slowly than they were recorded and fell behind the
    /// server's buffer: the subscription ends; `extensions.resumeAfter` is the cursor to
    /// subscribe again from (nothing is lost).
    SubscriberTooSlow,
    /// A query sent by its hash alone (`extensions.persistedQuery.sha256Hash`) whose text this
    /// server does not know: send the text with the hash once (Apollo's automatic persisted
    /// queries), then the hash alone.
    PersistedQueryNotFound,
    /// `GOMARKET_PERSISTED_QUERIES_ONLY`: the query is not in the allow-list
    /// (`gomarket persisted-queries register`).
    PersistedQueryNotInList,
    /// A bug or an infrastructure failure; details are in the server log under the request id.
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::NotFound => "NOT_FOUND",
            Self::AlreadyExists => "ALREADY_EXISTS",
            Self::Conflict => "CONFLICT",
            Self::FailedPrecondition => "FAILED_PRECONDITION",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::RateLimited => "RATE_LIMITED",
            Self::UpstreamUnavailable => "UPSTREAM_UNAVAILABLE",
            Self::SubscriberTooSlow => "SUBSCRIBER_TOO_SLOW",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::PersistedQueryNotInList => "PERSISTED_QUERY_NOT_IN_LIST",
            Self::Internal => "INTERNAL",
        }
    }
}

/// A GraphQL error with `extensions.code` and, when one input is to blame, `extensions.field`.
pub fn api_error(code: ErrorCode, message: impl Into<String>, field: Option<&str>) -> Error {
    Error::new(message).extend_with(|_, extensions| {
        extensions.set("code", code.as_str());
        if let Some(field) = field {
            extensions.set("field", field);
        }
    })
}

/// An internal failure: logged with its cause, shown to the client only as `INTERNAL` with the
/// request's correlation id to quote. For failures that are not errors with sources (a
/// broken invariant); errors go through [`failure`].
pub fn internal_error(cause: &dyn std::fmt::Display, correlation_id: &str) -> Error {
    tracing::error!(%cause, %correlation_id, "internal error");
    api_error(
        ErrorCode::Internal,
        format!("internal error; quote request id {correlation_id}"),
        None,
    )
}

/// A failure below the API, classified once: the database unreachable or timing out (anywhere
/// in the error's causes) is `UPSTREAM_UNAVAILABLE` (retry), anything else `INTERNAL`. Logged
/// once, with its causes; the client sees only the class and the request id.
pub fn failure(error: &(dyn std::error::Error + 'static), correlation_id: &str) -> Error {
    let chain = Chain(error);
    if unavailable_anywhere(error) {
        tracing::warn!(error = %chain, %correlation_id, "the database is unavailable");
        return api_error(
            ErrorCode::UpstreamUnavailable,
            format!("the database is not answering; retry shortly (request id {correlation_id})"),
            None,
        );
    }
    tracing::error!(error = %chain, %correlation_id, "internal error");
    api_error(
        ErrorCode::Internal,
        format!("internal error; quote request id {correlation_id}"),
        None,
    )
}

/// A failure of the store, classified by [`failure`].
pub fn store_failure(error: &StoreError, correlation_id: &str) -> Error {
    failure(error, correlation_id)
}

/// `.or_internal(ctx)`: a resolver's failure, classified by [`failure`] under the request's
/// correlation id.
pub trait OrInternal<T> {
    fn or_internal(self, ctx: &Context<'_>) -> async_graphql::Result<T>;
}

impl<T, E: std::error::Error + 'static> OrInternal<T> for Result<T, E> {
    fn or_internal(self, ctx: &Context<'_>) -> async_graphql::Result<T> {
        self.map_err(|error| failure(&error, &request_context(ctx).correlation_id))
    }
}
