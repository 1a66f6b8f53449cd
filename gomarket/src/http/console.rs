//! The seller's console: a small single-page application over the public GraphQL API, its
//! files embedded in the binary at compile time (no npm, no CDN; see docs/decisions.md).
//!
//! `/` is the page; `/console/…` its stylesheet and ES modules. Every answer carries a
//! Content-Security-Policy that allows scripts from this origin only (no inline script, no
//! `eval`), so text from a feed or a user can never run as code even if it reached the page
//! as markup; the page also cannot be framed.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::LazyLock;

/// `connect-src 'self'` covers the websocket to this origin (CSP Level 3).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: https:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'; form-action 'self'";

const INDEX: &str = include_str!("../../console/index.html");
const GRAPHIQL: &str = include_str!("../../console/graphiql.html");

/// GraphiQL's page: React sets style attributes and GraphiQL's editor injects style elements,
/// so styles may be inline there; scripts stay this origin's only.
const GRAPHIQL_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// (path under `/console/`, media type, contents)
const ASSETS: &[(&str, &str, &str)] = &[
    ("console.css", CSS, include_str!("../../console/console.css")),
    ("graphiql.css", CSS, include_str!("../../console/graphiql.css")),
    ("js/graphiql.js", JS, include_str!("../../console/js/graphiql.js")),
    (
        "vendor/graphiql/graphiql.min.js",
        JS,
        include_str!("../../console/vendor/graphiql/graphiql.min.js"),
    ),
    (
        "vendor/graphiql/graphiql.min.css",
        CSS,
        include_str!("../../console/vendor/graphiql/graphiql.min.css"),
    ),
    (
        "vendor/graphiql/react.production.min.js",
        JS,
        include_str!("../../console/vendor/graphiql/react.production.min.js"),
    ),
    (
        "vendor/graphiql/react-dom.production.min.js",
        JS,
        include_str!("../../console/vendor/graphiql/react-dom.production.min.js"),
    ),
    ("js/app.js", JS, include_str!("../../console/js/app.js")),
    ("js/api.js", JS, include_str!("../../console/js/api.js")),
    ("js/dom.js", JS, include_str!("../../console/js/dom.js")),
    ("js/live.js", JS, include_str!("../../console/js/live.js")),
    ("js/pages/login.js", JS, include_str!("../../console/js/pages/login.js")),
    ("js/pages/today.js", JS, include_str!("../../console/js/pages/today.js")),
    (
        "js/pages/catalog.js",
        JS,
        include_str!("../../console/js/pages/catalog.js"),
    ),
    (
        "js/pages/product.js",
        JS,
        include_str!("../../console/js/pages/product.js"),
    ),
    (
        "js/pages/suppliers.js",
        JS,
        include_str!("../../console/js/pages/suppliers.js"),
    ),
    (
        "js/pages/marketplaces.js",
        JS,
        include_str!("../../console/js/pages/marketplaces.js"),
    ),
    ("js/pages/users.js", JS, include_str!("../../console/js/pages/users.js")),
    ("js/pages/sync.js", JS, include_str!("../../console/js/pages/sync.js")),
    (
        "js/pages/policy_form.js",
        JS,
        include_str!("../../console/js/pages/policy_form.js"),
    ),
    (
        "js/pages/analytics.js",
        JS,
        include_str!("../../console/js/pages/analytics.js"),
    ),
];

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// The console's routes, for `serve`, the API sides and the gateway alike.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/console/{*path}", get(asset))
}

async fn index(headers: HeaderMap) -> Response {
    answer(&headers, "text/html; charset=utf-8", INDEX, CONTENT_SECURITY_POLICY)
}

/// GraphiQL, all of it from the binary.
pub fn graphiql(headers: &HeaderMap) -> Response {
    answer(
        headers,
        "text/html; charset=utf-8",
        GRAPHIQL,
        GRAPHIQL_CONTENT_SECURITY_POLICY,
    )
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == path) {
        Some((_, media_type, body)) => answer(&headers, media_type, body, CONTENT_SECURITY_POLICY),
        None => (StatusCode::NOT_FOUND, "no such console file").into_response(),
    }
}

/// One validator for every file, computed once: the files are fixed when the binary is built,
/// so any change to any of them is a new binary and a new tag for all (hashing GraphiQL's
/// megabyte per request would be work for nothing).
static ETAG: LazyLock<String> = LazyLock::new(|| {
    let all = [INDEX, GRAPHIQL]
        .into_iter()
        .chain(ASSETS.iter().map(|(_, _, body)| *body));
    format!("\"{:016x}\"", all.fold(FNV_OFFSET, fingerprint))
});

/// The file with its validator: the browser asks again every time (`no-cache`) and gets
/// `304 Not Modified` while the binary is the same, so a new release is picked up at once.
fn answer(request: &HeaderMap, media_type: &'static str, body: &'static str, policy: &'static str) -> Response {
    let etag = ETAG.as_str();
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, media_type)], body).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(etag) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a, continued over `body`: stable across builds of the same contents.
fn fingerprint(hash: u64, body: &str) -> u64 {
    body.bytes().fold(hash, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_the_page_imports_is_embedded() {
        // A module missing here would be a 404 in the browser: find every import.
        let mut wanted = vec!["console.css".to_owned(), "js/app.js".to_owned()];
        for (path, _, body) in ASSETS.iter().filter(|(p, _, _)| p.ends_with(".js")) {
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
            for line in body.lines().filter(|l| l.starts_with("import ")) {
                let target = line
                    .rsplit_once("from '")
                    .map(|(_, t)| t.trim_end_matches("';"))
                    .unwrap();
                let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
                for piece in target.split('/') {
                    match piece {
                        "." => {}
                        ".." => {
                            parts.pop();
                        }
                        other => parts.push(other),
                    }
                }
                wanted.push(parts.join("/"));
            }
        }
        for path in wanted {
            assert!(
                ASSETS.iter().any(|(p, _, _)| *p == path),
                "{path} is imported but not embedded"
            );
        }
        assert!(INDEX.contains("/console/js/app.js") && INDEX.contains("/console/console.css"));
        assert!(!INDEX.contains("<script>"), "no inline script: the CSP forbids it");
        for page in [INDEX, GRAPHIQL] {
            assert!(
                !page.contains("https://") && !page.contains("http://"),
                "nothing from elsewhere"
            );
        }
        for (path, _, _) in ASSETS.iter().filter(|(p, _, _)| p.starts_with("vendor/")) {
            assert!(
                GRAPHIQL.contains(&format!("/console/{path}")),
                "{path} is served but unused"
            );
        }
    }
}
