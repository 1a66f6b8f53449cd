//! Persisted queries at the edge, per Apollo's protocol: a request whose
//! `extensions.persistedQuery.sha256Hash` names a known text runs that text; an unknown hash
//! is answered `PERSISTED_QUERY_NOT_FOUND` (message `PersistedQueryNotFound`, as Apollo
//! clients expect), and the client's next request carries the text with the hash, which is
//! then remembered for every replica. With `GOMARKET_PERSISTED_QUERIES_ONLY`, only registered
//! texts run, whether sent by hash or in full.

use super::AppState;
use crate::gateway::operation::is_mutation_query;
use async_graphql::{Request, Response, ServerError, Value};
use gomarket_api_core::ErrorCode;
use gomarket_infra::shared_state::persisted_queries::{PersistedQueryError, query_hash};

/// Why a request was not run.
#[derive(Debug, Clone, Copy)]
struct Refusal {
    code: ErrorCode,
    message: &'static str,
}

/// The request with its text in place, or the response refusing it.
pub async fn resolve(state: &AppState, request: Request) -> Result<Request, Response> {
    find_text(state, request).await.map_err(|refusal| {
        let mut error = ServerError::new(refusal.message, None);
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", refusal.code.as_str());
        error.extensions = Some(extensions);
        Response::from_errors(vec![error])
    })
}

async fn find_text(state: &AppState, mut request: Request) -> Result<Request, Refusal> {
    let hash = persisted_hash(&request)?;
    let allow_list_only = state.edge.persisted_queries_only;
    let has_text = !request.query.trim().is_empty();
    match (hash, has_text) {
        (Some(hash), false) => {
            let found = if allow_list_only {
                state.persisted.registered(&hash).await
            } else {
                state.persisted.find(&hash).await
            };
            match found.map_err(unreadable)? {
                Some(query) => {
                    request.query = query.to_string();
                    Ok(request)
                }
                None if allow_list_only => Err(not_in_list()),
                None => Err(refusal(ErrorCode::PersistedQueryNotFound, "PersistedQueryNotFound")),
            }
        }
        (Some(hash), true) => {
            if query_hash(&request.query) != hash {
                return Err(refusal(
                    ErrorCode::BadUserInput,
                    "provided sha does not match query (extensions.persistedQuery.sha256Hash is the SHA-256 of the query text, in hex)",
                ));
            }
            if allow_list_only {
                return admit_registered(state, &hash, request).await;
            }
            // Mutations are run but not remembered: their texts are where a client might inline
            // a password or a token, and nothing read from Redis or memory may hold one.
            if !is_mutation_query(&request.query, request.operation_name.as_deref()) {
                state.persisted.remember(&hash, &request.query).await;
            }
            Ok(request)
        }
        (None, true) if allow_list_only => {
            let hash = query_hash(&request.query);
            admit_registered(state, &hash, request).await
        }
        (None, _) => Ok(request),
    }
}

async fn admit_registered(state: &AppState, hash: &str, request: Request) -> Result<Request, Refusal> {
    match state.persisted.registered(hash).await.map_err(unreadable)? {
        Some(_) => Ok(request),
        None => Err(not_in_list()),
    }
}

/// `extensions.persistedQuery.sha256Hash`, lowercased; a `persistedQuery` of another version
/// or without a hash is refused.
fn persisted_hash(request: &Request) -> Result<Option<String>, Refusal> {
    let Some(persisted) = request.extensions.get("persistedQuery") else {
        return Ok(None);
    };
    let Value::Object(persisted) = persisted else {
        return Err(refusal(
            ErrorCode::BadUserInput,
            "extensions.persistedQuery must be an object",
        ));
    };
    if let Some(version) = persisted.get("version")
        && *version != Value::from(1)
    {
        return Err(refusal(
            ErrorCode::BadUserInput,
            "extensions.persistedQuery.version must be 1",
        ));
    }
    match persisted.get("sha256Hash") {
        Some(Value::String(hash)) => Ok(Some(hash.to_ascii_lowercase())),
        _ => Err(refusal(
            ErrorCode::BadUserInput,
            "extensions.persistedQuery.sha256Hash (the query's SHA-256 in hex) is missing",
        )),
    }
}

fn not_in_list() -> Refusal {
    refusal(
        ErrorCode::PersistedQueryNotInList,
        "this server runs only registered queries (GOMARKET_PERSISTED_QUERIES_ONLY); register this one with `gomarket persisted-queries register`",
    )
}

fn unreadable(error: PersistedQueryError) -> Refusal {
    tracing::error!(error = %gomarket_infra::error_chain::Chain(&error), "persisted queries unreadable");
    refusal(ErrorCode::Internal, "the persisted queries could not be read; retry")
}

fn refusal(code: ErrorCode, message: &'static str) -> Refusal {
    Refusal { code, message }
}
