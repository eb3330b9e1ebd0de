//! The browser side of identity brokering, on Keycloak's paths: `broker/{alias}/login` sends a
//! login upstream, `broker/{alias}/endpoint` takes the upstream's answer and logs the user in.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::broker_urls::endpoint;
use super::login::{LOGIN_COOKIE, SSO_COOKIE, expired, login_page};
use super::respond::{self, cookie, set_cookie};
use super::{Ctx, blocking, clock, pages};
use crate::model::Realm;
use crate::provider::EventFacts;
use crate::provider::broker::UNEXPECTED;
use crate::provider::browser::LoginStep;

/// `GET broker/{alias}/login`: sends the login upstream.
pub async fn login(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, alias)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Ok(r) = ctx.provider.realm(&realm) else {
        return pages::realm_not_found();
    };
    let q = respond::query(raw.as_deref());
    let Some(login_id) = cookie(&headers, LOGIN_COOKIE) else {
        return expired();
    };
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let location = ctx.provider.broker_redirect(
        &r,
        login_id,
        get("session_code"),
        get("tab_id"),
        &alias,
        &endpoint(&ctx, &realm, &alias),
        clock::now(),
    );
    match location {
        Some(location) => respond::redirect(&location, Vec::new()),
        None => expired(),
    }
}

/// `GET broker/{alias}/endpoint`: the upstream's answer. Its code is redeemed upstream, the ID
/// token checked, and the user it names logged in (created and linked at the first login).
pub async fn answer(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, alias)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Ok(r) = ctx.provider.realm(&realm) else {
        return pages::realm_not_found();
    };
    let q = respond::query(raw.as_deref());
    let Some(login_id) = cookie(&headers, LOGIN_COOKIE).map(str::to_string) else {
        return expired();
    };
    let now = clock::now();
    let state = q.get("state").map(String::as_str).unwrap_or("");
    let Some(pending) = ctx
        .provider
        .broker_pending(&r, &login_id, &alias, state, now)
    else {
        return expired();
    };
    let Some(login) = ctx.provider.login_state(&r, &login_id, now) else {
        return expired();
    };
    let failed = |message: &str| {
        login_page(
            &ctx,
            &r,
            &login_id,
            &login,
            "",
            Some(message),
            StatusCode::OK,
        )
    };
    let (Some(code), None) = (q.get("code"), q.get("error")) else {
        // The user cancelled, or the upstream refused: back to the login page.
        return failed(UNEXPECTED);
    };
    let Some(provider) = r.identity_provider(&alias).cloned() else {
        return failed(UNEXPECTED);
    };
    let redirect_uri = endpoint(&ctx, &realm, &alias);
    let identity = ctx
        .provider
        .broker_identity(&provider, code, &redirect_uri, &pending, now)
        .await;
    let (identity, refresh_token) = match identity {
        Ok(found) => found,
        Err(error) => {
            tracing::warn!(alias, %error, "upstream login");
            log_error(&ctx, &r, &alias, now);
            return failed(UNEXPECTED);
        }
    };
    let issuer = ctx.issuer(&realm);
    let provider = ctx.provider.clone();
    let (r2, id2, alias2, identity2) =
        (r.clone(), login_id.clone(), alias.clone(), identity.clone());
    let step = blocking(move || {
        provider.broker_login(&r2, &issuer, &id2, &alias2, &identity2, refresh_token, now)
    })
    .await;
    let path = ctx.realm_path(&realm);
    match step {
        Ok(LoginStep::Done {
            session_id,
            redirect,
        }) => {
            let facts = EventFacts {
                session: Some(&session_id),
                details: vec![
                    ("auth_method", "openid-connect".to_string()),
                    ("identity_provider", alias.clone()),
                    ("identity_provider_identity", identity.username.clone()),
                ],
                ..EventFacts::default()
            };
            ctx.provider.log_event(&r, "LOGIN", facts, now);
            let cookies = vec![
                set_cookie(SSO_COOKIE, &session_id, &path),
                set_cookie(LOGIN_COOKIE, "", &path),
            ];
            match redirect {
                Some(location) => respond::redirect(&location, cookies),
                None => pages::render(
                    StatusCode::OK,
                    &pages::InfoPage {
                        title: "Device Login Successful",
                        message: "Device Login Successful. You may close this browser window and go back to your device.",
                    },
                    cookies,
                ),
            }
        }
        Ok(_) => expired(),
        Err(message) => {
            log_error(&ctx, &r, &alias, now);
            failed(&message)
        }
    }
}

/// Records a failed upstream login (`IDENTITY_PROVIDER_LOGIN_ERROR`).
fn log_error(ctx: &Ctx, r: &Realm, alias: &str, now: u64) {
    let facts = EventFacts {
        error: Some("identity_provider_login_failure"),
        details: vec![("identity_provider", alias.to_string())],
        ..EventFacts::default()
    };
    ctx.provider
        .log_event(r, "IDENTITY_PROVIDER_LOGIN_ERROR", facts, now);
}
