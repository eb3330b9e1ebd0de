//! The OpenID Connect endpoints of a realm, answering as Keycloak does.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::respond::{self, oauth_error};
use super::{Ctx, blocking, clock, pages};
use crate::flows::claims::TokenContext;
use crate::flows::error::{ErrorCode, OAuthError};
use crate::flows::refresh::TokenId;
use crate::provider::lifetimes::session_lifetimes;
use crate::provider::request::TokenRequest;
use crate::provider::tokens::TokenProblem;

fn authorization(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A back-channel request's form and `Authorization` header (client authentication).
fn token_request(headers: &HeaderMap, body: &[u8]) -> Result<TokenRequest, OAuthError> {
    Ok(TokenRequest {
        form: respond::form(headers, body)?,
        authorization: authorization(headers),
    })
}

/// `GET .well-known/openid-configuration`.
pub async fn discovery(State(ctx): State<Arc<Ctx>>, Path(realm): Path<String>) -> Response {
    let Ok(r) = ctx.provider.realm(&realm) else {
        return respond::realm_not_found();
    };
    // `openid` and the realm's OpenID Connect client scopes, as Keycloak lists them.
    let scopes: Vec<&str> = std::iter::once("openid")
        .chain(
            r.client_scopes
                .iter()
                .filter(|s| s.protocol == "openid-connect")
                .map(|s| s.name.as_str()),
        )
        .collect();
    let issuer = ctx.issuer(&realm);
    let oidc = format!("{issuer}/protocol/openid-connect");
    let algs = [
        "PS384", "RS384", "EdDSA", "ES384", "ES256", "RS256", "ES512", "PS256", "PS512", "RS512",
    ];
    respond::json(&json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{oidc}/auth"),
        "token_endpoint": format!("{oidc}/token"),
        "introspection_endpoint": format!("{oidc}/token/introspect"),
        "userinfo_endpoint": format!("{oidc}/userinfo"),
        "end_session_endpoint": format!("{oidc}/logout"),
        "frontchannel_logout_session_supported": false,
        "frontchannel_logout_supported": false,
        "jwks_uri": format!("{oidc}/certs"),
        "grant_types_supported": ["authorization_code", "client_credentials", "password", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
        "acr_values_supported": ["0", "1"],
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "prompt_values_supported": ["none", "login"],
        "id_token_signing_alg_values_supported": algs,
        "userinfo_signing_alg_values_supported": ["none"],
        "response_modes_supported": ["query"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "name", "given_name", "family_name", "preferred_username", "email", "acr", "azp", "nonce"],
        "claim_types_supported": ["normal"],
        "claims_parameter_supported": false,
        "scopes_supported": scopes,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "code_challenge_methods_supported": ["plain", "S256"],
        "tls_client_certificate_bound_access_tokens": false,
        "revocation_endpoint": format!("{oidc}/revoke"),
        "backchannel_logout_supported": false,
        "backchannel_logout_session_supported": false,
        "device_authorization_endpoint": format!("{oidc}/auth/device"),
        "authorization_response_iss_parameter_supported": true,
    }))
}

/// `GET /realms/{realm}`: Keycloak's public realm description, with `public_key` (the base64
/// SubjectPublicKeyInfo of the realm's active signing key).
pub async fn realm_info(State(ctx): State<Arc<Ctx>>, Path(realm): Path<String>) -> Response {
    let Ok(r) = ctx.provider.realm(&realm) else {
        return respond::realm_not_found();
    };
    let issuer = ctx.issuer(&realm);
    let provider = ctx.provider.clone();
    let public_key = match blocking(move || provider.keyring(&r, clock::now())).await {
        Ok(ring) => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(ring.active().public_key().spki_der())
        }
        Err(error) => {
            tracing::error!(%error, "keys");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    respond::json(&json!({
        "realm": realm,
        "public_key": public_key,
        "token-service": format!("{issuer}/protocol/openid-connect"),
        "account-service": format!("{issuer}/account"),
        "tokens-not-before": 0,
    }))
}

/// `GET certs`: the JWKS.
pub async fn certs(State(ctx): State<Arc<Ctx>>, Path(realm): Path<String>) -> Response {
    let Ok(r) = ctx.provider.realm(&realm) else {
        return respond::realm_not_found();
    };
    let provider = ctx.provider.clone();
    match blocking(move || provider.keyring(&r, clock::now())).await {
        Ok(ring) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            ring.jwks().to_string(),
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "keys");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `POST token`.
pub async fn token(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if ctx.provider.realm(&realm).is_err() {
        return respond::realm_not_found();
    }
    let request = match token_request(&headers, &body) {
        Ok(request) => request,
        Err(e) => return oauth_error(&e),
    };
    let issuer = ctx.issuer(&realm);
    if let Err(e) = resync(&ctx, &realm, &request).await {
        return oauth_error(&e);
    }
    let answer = if request.runs_inline() {
        ctx.provider.token(&realm, &issuer, &request, clock::now())
    } else {
        let provider = ctx.provider.clone();
        blocking(move || {
            federate(&provider, &realm, &request, clock::now())?;
            // Read after LDAP was: a change it made (a group left) revokes the user's tokens
            // of the seconds before it, and this one must not be of them.
            provider.token(&realm, &issuer, &request, clock::now())
        })
        .await
    };
    match answer {
        Ok(response) => respond::json(&response),
        Err(e) => oauth_error(&e),
    }
}

/// Before a password grant: the user is read from the realm's LDAP providers (imported, or
/// its copy and groups refreshed), so the grant sees what LDAP says now.
fn federate(
    provider: &crate::provider::Provider,
    realm: &str,
    request: &TokenRequest,
    now: u64,
) -> Result<(), OAuthError> {
    if request.form.get("grant_type").map(String::as_str) != Some("password") {
        return Ok(());
    }
    let username = request.form.get("username").map_or("", |u| u.trim());
    provider.federate_login(realm, username, now).map_err(|e| {
        tracing::warn!(realm, error = %e, "LDAP lookup");
        crate::provider::LoginFailure::FederationUnavailable.into()
    })
}

/// Before the refresh of a session that came through an upstream identity provider with
/// `FORCE` mappers: re-reads the user upstream and applies the mappers, so the new tokens say
/// what the upstream says now (its groups, for one).
async fn resync(ctx: &Ctx, realm: &str, request: &TokenRequest) -> Result<(), OAuthError> {
    let Ok(r) = ctx.provider.realm(realm) else {
        return Ok(());
    };
    let Some(found) = ctx
        .provider
        .broker_refresh(&r, request, clock::now())
        .await?
    else {
        return Ok(());
    };
    let provider = ctx.provider.clone();
    blocking(move || provider.broker_resync(&r, found)).await
}

/// The bearer token of a request: the `Authorization` header, or `access_token` in a form.
fn bearer(headers: &HeaderMap, form: &std::collections::HashMap<String, String>) -> Option<String> {
    authorization(headers)
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
                .map(|t| t.trim().to_string())
        })
        .or_else(|| form.get("access_token").cloned())
}

/// `GET|POST userinfo`.
pub async fn userinfo(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(r) = ctx.provider.realm(&realm) else {
        return respond::realm_not_found();
    };
    let form = if method == Method::POST {
        respond::form(&headers, &body).unwrap_or_default()
    } else {
        Default::default()
    };
    let Some(token) = bearer(&headers, &form) else {
        return oauth_error(&OAuthError {
            code: ErrorCode::InvalidRequest,
            description: "Token not provided".into(),
            unauthorized: true,
        });
    };
    let now = clock::now();
    let provider = ctx.provider.clone();
    let issuer = ctx.issuer(&realm);
    let answer = blocking(move || -> Result<Value, OAuthError> {
        let claims = provider
            .verify(&r, &token, "Bearer", now)
            .map_err(TokenProblem::bearer_error)?;
        let text = |n: &str| {
            claims
                .get(n)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let invalid = || TokenProblem::Invalid.bearer_error();
        let client = r.client(&text("azp")).ok_or_else(invalid)?;
        let user = r
            .user(&text("sub"))
            .filter(|u| u.enabled)
            .ok_or_else(invalid)?;
        let sid = text("sid");
        if !sid.is_empty() {
            let session = provider
                .directory()
                .session(&r.name, &sid)
                .ok()
                .flatten()
                .ok_or_else(invalid)?;
            if !session.serves(&client.client_id, session_lifetimes(&r, &session), now) {
                return Err(invalid());
            }
        }
        let scope = text("scope");
        Ok(crate::flows::claims::userinfo(&TokenContext {
            issuer: &issuer,
            realm: &r,
            client,
            user,
            session_id: &sid,
            auth_time: None,
            nonce: None,
            scope: &scope,
            now,
        }))
    })
    .await;
    match answer {
        Ok(v) => respond::json(&v),
        Err(e) => oauth_error(&e),
    }
}

/// `POST token/introspect` (RFC 7662).
pub async fn introspect(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(r) = ctx.provider.realm(&realm) else {
        return respond::realm_not_found();
    };
    let request = match token_request(&headers, &body) {
        Ok(request) => request,
        Err(e) => return oauth_error(&e),
    };
    let provider = ctx.provider.clone();
    let answer = blocking(move || -> Result<Value, OAuthError> {
        provider.authenticate_client(&r, &request)?;
        let token = request
            .form
            .get("token")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::missing("token"))?;
        let now = clock::now();
        let claims =
            provider.verify_one_of(&r, token, &["Bearer", "Refresh", "Offline", "ID"], now);
        let Ok(mut claims) = claims else {
            return Ok(json!({"active": false}));
        };
        let text = |n: &str| {
            claims
                .get(n)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let sid = text("sid");
        let azp = text("azp");
        let user = r.user(&text("sub")).filter(|u| u.enabled);
        let session_ok = sid.is_empty()
            || provider
                .directory()
                .session(&r.name, &sid)
                .ok()
                .flatten()
                .is_some_and(|s| {
                    let family_ok = match TokenId::parse(&text("jti")) {
                        Some(id) if matches!(text("typ").as_str(), "Refresh" | "Offline") => s
                            .families
                            .get(&id.family)
                            .is_some_and(|f| !f.revoked && f.generation == id.generation),
                        _ => true,
                    };
                    family_ok && s.serves(&azp, session_lifetimes(&r, &s), now)
                });
        if user.is_none() || !session_ok {
            return Ok(json!({"active": false}));
        }
        claims.insert("client_id".into(), json!(azp));
        if let Some(u) = user {
            claims.insert("username".into(), json!(u.username));
        }
        claims.insert("token_type".into(), json!("Bearer"));
        claims.insert("active".into(), json!(true));
        Ok(Value::Object(claims))
    })
    .await;
    match answer {
        Ok(v) => respond::json(&v),
        Err(e) => oauth_error(&e),
    }
}

/// `POST revoke` (RFC 7009): a refresh token's family is revoked; unknown tokens are fine.
pub async fn revoke(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(r) = ctx.provider.realm(&realm) else {
        return respond::realm_not_found();
    };
    let request = match token_request(&headers, &body) {
        Ok(request) => request,
        Err(e) => return oauth_error(&e),
    };
    let provider = ctx.provider.clone();
    let answer = blocking(move || -> Result<(), OAuthError> {
        let client = provider.authenticate_client(&r, &request)?;
        let token = request
            .form
            .get("token")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::missing("token"))?;
        let now = clock::now();
        if let Ok(claims) = provider.verify_one_of(&r, token, &["Refresh", "Offline"], now) {
            let text = |n: &str| claims.get(n).and_then(Value::as_str).unwrap_or("");
            if text("azp") != client.client_id {
                return Err(OAuthError::new(
                    ErrorCode::InvalidToken,
                    "Unmatching clients",
                ));
            }
            if let Some(id) = TokenId::parse(text("jti")) {
                provider.revoke_family(&r, text("sid"), &id.family);
            }
        }
        Ok(())
    })
    .await;
    match answer {
        Ok(()) => (StatusCode::OK, respond::no_store()).into_response(),
        Err(e) => oauth_error(&e),
    }
}

/// A client's redirect URIs, relative ones resolved as Keycloak resolves them.
fn registered_redirects(c: &crate::model::Client, issuer: &str, realm: &str) -> Vec<String> {
    crate::flows::redirect::resolve(
        &c.redirect_uris,
        c.other.get("rootUrl").and_then(Value::as_str),
        crate::provider::browser::server_base(issuer, realm),
    )
}

/// `GET|POST logout`: RP-initiated logout (`id_token_hint`, `post_logout_redirect_uri`,
/// `state`), the browser's SSO cookie, or a client's refresh token (back-channel, 204).
pub async fn logout(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    method: Method,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(r) = ctx.provider.realm(&realm) else {
        return respond::realm_not_found();
    };
    let mut params = respond::query(raw.as_deref());
    if method == Method::POST {
        match respond::form(&headers, &body) {
            Ok(f) => params.extend(f),
            Err(e) => return oauth_error(&e),
        }
    }
    let now = clock::now();
    let provider = ctx.provider.clone();
    let cookie_sid = respond::cookie(&headers, "KEYCLOAK_IDENTITY").map(str::to_string);
    let auth = authorization(&headers);
    let r2 = r.clone();
    let params2 = params.clone();
    let issuer2 = ctx.issuer(&realm);
    let outcome = blocking(move || -> Result<(bool, Option<String>), OAuthError> {
        // Back-channel: a client posts its refresh token.
        if let Some(refresh) = params2.get("refresh_token") {
            let request = TokenRequest {
                form: params2.clone(),
                authorization: auth,
            };
            let client = provider.authenticate_client(&r2, &request)?;
            let claims = provider
                .verify(&r2, refresh, "Refresh", now)
                .map_err(|p| p.refresh_error())?;
            if claims.get("azp").and_then(Value::as_str) != Some(client.client_id.as_str()) {
                return Err(OAuthError::invalid_grant("Invalid refresh token"));
            }
            if let Some(sid) = claims.get("sid").and_then(Value::as_str)
                && provider.end_session(&r2, sid)
            {
                let facts = crate::provider::EventFacts {
                    client: Some(&client.client_id),
                    user: claims.get("sub").and_then(Value::as_str),
                    session: Some(sid),
                    ..Default::default()
                };
                provider.log_event(&r2, "LOGOUT", facts, now);
            }
            return Ok((true, None));
        }
        let mut client_redirects = None;
        let mut sid = cookie_sid;
        if let Some(hint) = params2.get("id_token_hint") {
            // An expired hint still names the session (OIDC RP-initiated logout §2).
            let claims = provider
                .verify(&r2, hint, "ID", now)
                .or_else(|p| match p {
                    TokenProblem::Expired => {
                        Ok(kubeward_jose::jws::unverified_payload(hint).unwrap_or_default())
                    }
                    TokenProblem::Invalid => Err(p),
                })
                .map_err(|_| OAuthError::invalid_request("Invalid IDToken"))?;
            if let Some(s) = claims.get("sid").and_then(Value::as_str) {
                sid = Some(s.to_string());
            }
            if let Some(c) = claims
                .get("azp")
                .and_then(Value::as_str)
                .and_then(|id| r2.client(id))
            {
                client_redirects = Some(registered_redirects(c, &issuer2, &r2.name));
            }
        } else if let Some(c) = params2.get("client_id").and_then(|id| r2.client(id)) {
            client_redirects = Some(registered_redirects(c, &issuer2, &r2.name));
        }
        if let Some(sid) = sid {
            let user = provider
                .directory()
                .session(&r2.name, &sid)
                .ok()
                .flatten()
                .map(|s| s.user_id);
            if provider.end_session(&r2, &sid) {
                let facts = crate::provider::EventFacts {
                    user: user.as_deref(),
                    session: Some(&sid),
                    ..Default::default()
                };
                provider.log_event(&r2, "LOGOUT", facts, now);
            }
        }
        let target = match params2.get("post_logout_redirect_uri") {
            Some(uri) => {
                let allowed = client_redirects
                    .as_deref()
                    .is_some_and(|list| crate::flows::redirect::allowed(list, uri));
                if !allowed {
                    return Err(OAuthError::invalid_request("Invalid redirect uri"));
                }
                let state = params2.get("state").map(String::as_str);
                Some(match state {
                    Some(s) => crate::provider::browser::with_query(uri, &[("state", s)]),
                    None => uri.clone(),
                })
            }
            None => None,
        };
        Ok((false, target))
    })
    .await;
    let path = ctx.realm_path(&realm);
    let clear = vec![respond::set_cookie("KEYCLOAK_IDENTITY", "", &path)];
    match outcome {
        Ok((true, _)) => StatusCode::NO_CONTENT.into_response(),
        Ok((false, Some(target))) => respond::redirect(&target, clear),
        Ok((false, None)) => pages::render(
            StatusCode::OK,
            &pages::InfoPage {
                title: "You are logged out",
                message: "You are logged out.",
            },
            clear,
        ),
        Err(e) if params.contains_key("refresh_token") => oauth_error(&e),
        Err(e) => pages::info(StatusCode::BAD_REQUEST, "We are sorry...", &e.description),
    }
}

/// `POST auth/device` (RFC 8628 §3.1).
pub async fn device_authorization(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(r) = ctx.provider.realm(&realm) else {
        return respond::realm_not_found();
    };
    let request = match token_request(&headers, &body) {
        Ok(request) => request,
        Err(e) => return oauth_error(&e),
    };
    let base = ctx.issuer(&realm);
    match ctx
        .provider
        .device_authorization(&r, &base, &request, clock::now())
    {
        Ok(answer) => respond::json(&answer),
        Err(e) => oauth_error(&e),
    }
}
