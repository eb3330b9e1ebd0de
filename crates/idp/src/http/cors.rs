//! CORS as Keycloak answers it on the endpoints a browser application calls (token, userinfo,
//! certs, introspection, revocation, logout). An answer to a request whose `Origin` the client
//! allows (its `webOrigins`, see `flows::web_origins`) carries `Access-Control-Allow-Origin:
//! <origin>` and `Access-Control-Allow-Credentials: true`; any other origin gets no CORS header,
//! so the browser keeps the answer from the page. The JWKS is shared with every origin. A
//! preflight (`OPTIONS`) is answered here, for any origin, with the route's methods.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::{Ctx, respond};
use crate::flows::{client_auth, web_origins};

/// How a route shares its answers with pages of other origins.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// `Access-Control-Allow-Methods` of a preflight.
    methods: &'static str,
    /// Every origin may read (the JWKS), not only the client's.
    any_origin: bool,
    /// `Access-Control-Expose-Headers` of an answer.
    expose: Option<&'static str>,
}

/// The token endpoint.
pub const TOKEN: Policy = Policy {
    methods: "POST, OPTIONS",
    any_origin: false,
    expose: Some("Access-Control-Allow-Methods"),
};
/// Introspection and revocation.
pub const BACK_CHANNEL: Policy = Policy {
    methods: "POST, OPTIONS",
    any_origin: false,
    expose: None,
};
/// Userinfo and logout (Keycloak's default methods).
pub const BEARER: Policy = Policy {
    methods: "GET, HEAD, OPTIONS",
    any_origin: false,
    expose: None,
};
/// The JWKS.
pub const CERTS: Policy = Policy {
    methods: "GET",
    any_origin: true,
    expose: None,
};

/// Keycloak's `Access-Control-Allow-Headers` of a preflight to an endpoint that takes an
/// `Authorization` header.
const ALLOW_HEADERS: &str = "Origin, Accept, X-Requested-With, Content-Type, \
     Access-Control-Request-Method, Access-Control-Request-Headers, Authorization";
/// The largest body read to find the client (axum's default body limit).
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// A route whose answers are shared as `policy` says.
pub fn shared(
    route: MethodRouter<Arc<Ctx>>,
    ctx: &Arc<Ctx>,
    policy: Policy,
) -> MethodRouter<Arc<Ctx>> {
    // `OPTIONS` routed, so that the layer (which answers it) sees it before the router's
    // fallback for methods a route does not take.
    route
        .options(|| async { StatusCode::OK })
        .layer(from_fn_with_state((ctx.clone(), policy), cors))
}

async fn cors(
    State((ctx, policy)): State<(Arc<Ctx>, Policy)>,
    request: Request,
    next: Next,
) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if request.method() == Method::OPTIONS {
        return preflight(origin.as_deref(), policy);
    }
    let Some(origin) = origin else {
        return next.run(request).await;
    };
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "Failed to buffer the request body: length limit exceeded",
        )
            .into_response();
    };
    let allowed = policy.any_origin || client_allows(&ctx, &mut parts, &bytes, &origin).await;
    let mut response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if allowed {
        let headers = response.headers_mut();
        set(headers, header::ACCESS_CONTROL_ALLOW_ORIGIN, &origin);
        set(headers, header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        if let Some(expose) = policy.expose {
            set(headers, header::ACCESS_CONTROL_EXPOSE_HEADERS, expose);
        }
    }
    response
}

/// Keycloak's answer to `OPTIONS`: 200, and with an `Origin` the CORS headers of a preflight.
fn preflight(origin: Option<&str>, policy: Policy) -> Response {
    let mut response = StatusCode::OK.into_response();
    if let Some(origin) = origin {
        let headers = response.headers_mut();
        set(headers, header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        set(
            headers,
            header::ACCESS_CONTROL_ALLOW_METHODS,
            policy.methods,
        );
        set(headers, header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        set(headers, header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS);
        set(headers, header::ACCESS_CONTROL_MAX_AGE, "3600");
    }
    response
}

fn set(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(name, v);
    }
}

/// Whether the client the request is about allows `origin`.
async fn client_allows(ctx: &Ctx, parts: &mut Parts, body: &[u8], origin: &str) -> bool {
    let Ok(Path(realm)) = Path::<String>::from_request_parts(parts, &()).await else {
        return false;
    };
    let Ok(realm) = ctx.provider.realm(&realm) else {
        return false;
    };
    client_id(parts, body)
        .and_then(|id| realm.client(&id).cloned())
        .is_some_and(|c| web_origins::allows(&c, origin))
}

/// The client a request is about: the one it authenticates as (Basic or `client_id`), or the
/// `azp` of the token it carries (bearer, `token`, `id_token_hint`). Nothing is verified here:
/// the endpoint does that, and CORS only decides which page may read its answer.
fn client_id(parts: &Parts, body: &[u8]) -> Option<String> {
    let mut params: HashMap<String, String> = respond::query(parts.uri.query());
    params.extend(respond::form(&parts.headers, body).unwrap_or_default());
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let presented = client_auth::presented(
        authorization,
        params.get("client_id").map(String::as_str),
        None,
    )
    .ok()?;
    if let Some(id) = presented.client_id {
        return Some(id);
    }
    let bearer = authorization.and_then(|v| {
        v.strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
    });
    [
        bearer,
        params.get("access_token").map(String::as_str),
        params.get("token").map(String::as_str),
        params.get("id_token_hint").map(String::as_str),
    ]
    .into_iter()
    .flatten()
    .find_map(azp)
}

/// The `azp` claim of a JWT, unverified.
fn azp(token: &str) -> Option<String> {
    let payload = URL_SAFE_NO_PAD.decode(token.split('.').nth(1)?).ok()?;
    let claims: Value = serde_json::from_slice(&payload).ok()?;
    claims.get("azp")?.as_str().map(str::to_string)
}
