//! The browser endpoints: the authorization endpoint, the login form (username/password, then
//! TOTP for enrolled users), and the device page of RFC 8628.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;

use super::pages::{
    self, DevicePage, LoginPage, ProviderLink, TotpPage, TotpSetupPage, UpdatePasswordPage,
};
use super::respond::{self, cookie, set_cookie};
use super::{Ctx, blocking, clock};
use crate::model::{CONFIGURE_TOTP, Realm, UPDATE_PASSWORD};
use crate::provider::browser::{
    AuthorizeError, Login, LoginForm, LoginPurpose, LoginStep, with_query,
};
use crate::provider::{EventFacts, Provider};

/// The SSO cookie (the session id), as Keycloak names it.
pub const SSO_COOKIE: &str = "KEYCLOAK_IDENTITY";
/// The login-in-progress cookie.
pub const LOGIN_COOKIE: &str = "AUTH_SESSION_ID";

fn params(
    method: &Method,
    raw: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> HashMap<String, String> {
    let mut p = respond::query(raw);
    if *method == Method::POST
        && let Ok(form) = respond::form(headers, body)
    {
        p.extend(form);
    }
    p
}

/// Keycloak's `execution` of each step: the authenticator's or the required action's id.
const USERNAME_PASSWORD: &str = "auth-username-password-form";
const OTP: &str = "auth-otp-form";

/// The action URL of a login's form, with the login's state in its query as Keycloak's
/// `url.loginAction`: `session_code`, `execution`, `client_id`, `tab_id`.
fn action(ctx: &Ctx, realm: &str, login: &Login, execution: &str) -> String {
    let base = format!("{}/login-actions/authenticate", ctx.issuer(realm));
    with_query(
        &base,
        &[
            ("session_code", &login.session_code),
            ("execution", execution),
            ("client_id", &login.client_id),
            ("tab_id", &login.tab_id),
        ],
    )
}

/// The login page (with its "sign in with" links).
pub(super) fn login_page(
    ctx: &Ctx,
    realm: &Realm,
    login_id: &str,
    login: &Login,
    username: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let path = ctx.realm_path(&realm.name);
    let title = realm.display_name.as_deref().unwrap_or(&realm.name);
    let providers = realm
        .identity_providers
        .iter()
        .filter(|p| p.enabled && !p.link_only && !p.hide_on_login)
        .map(|p| ProviderLink {
            alias: p.alias.clone(),
            label: p.display_name.clone().unwrap_or_else(|| p.alias.clone()),
            href: super::broker_urls::login_url(ctx, &realm.name, &p.alias, login),
        })
        .collect();
    pages::render(
        status,
        &LoginPage {
            realm: title,
            action: &action(ctx, &realm.name, login, USERNAME_PASSWORD),
            username,
            error,
            providers,
        },
        vec![set_cookie(LOGIN_COOKIE, login_id, &path)],
    )
}

/// `GET|POST auth`: the authorization request.
pub async fn authorize(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    method: Method,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(r) = ctx.provider.realm(&realm) else {
        return pages::realm_not_found();
    };
    let params = params(&method, raw.as_deref(), &headers, &body);
    let issuer = ctx.issuer(&realm);
    let request = match ctx.provider.authorization_request(&r, &issuer, &params) {
        Ok(request) => request,
        Err(AuthorizeError::Page(message)) => {
            return pages::info(StatusCode::BAD_REQUEST, "We are sorry...", &message);
        }
        Err(AuthorizeError::Redirect(uri)) => return respond::redirect(&uri, Vec::new()),
    };
    let now = clock::now();
    let sso = cookie(&headers, SSO_COOKIE).map(str::to_string);
    let provider = ctx.provider.clone();
    let r2 = r.clone();
    let session = match sso {
        Some(sid) => blocking(move || provider.sso_session(&r2, &sid, now)).await,
        None => None,
    };
    if let Some(session) = session.filter(|_| !request.force_login) {
        let location = ctx
            .provider
            .issue_code(&r, &issuer, &request, &session, now);
        return respond::redirect(&location, Vec::new());
    }
    if params.get("prompt").map(String::as_str) == Some("none") {
        let mut p = vec![("error", "login_required")];
        if let Some(state) = &request.state {
            p.push(("state", state));
        }
        return respond::redirect(&with_query(&request.redirect_uri, &p), Vec::new());
    }
    let hint = request.idp_hint.clone();
    let (login_id, login) = ctx
        .provider
        .begin_login(&r, LoginPurpose::Code(request), now);
    if let Some(alias) = hint
        && let Some(location) =
            super::broker_urls::upstream_location(&ctx, &r, &login_id, &login, &alias, now)
    {
        let cookie = set_cookie(LOGIN_COOKIE, &login_id, &ctx.realm_path(&realm));
        return respond::redirect(&location, vec![cookie]);
    }
    login_page(&ctx, &r, &login_id, &login, "", None, StatusCode::OK)
}

/// `POST login-actions/authenticate`: the login and TOTP forms.
pub async fn authenticate(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let state = respond::query(raw.as_deref());
    let Ok(r) = ctx.provider.realm(&realm) else {
        return pages::realm_not_found();
    };
    let form = respond::form(&headers, &body).unwrap_or_default();
    let Some(login_id) = cookie(&headers, LOGIN_COOKIE).map(str::to_string) else {
        return expired();
    };
    let now = clock::now();
    let issuer = ctx.issuer(&realm);
    let provider = ctx.provider.clone();
    let r2 = r.clone();
    let id2 = login_id.clone();
    let f = form.clone();
    let step = blocking(move || {
        let get = |n: &str| f.get(n).map(String::as_str);
        let from_url = |n: &str| state.get(n).map(String::as_str).unwrap_or("");
        let form = LoginForm {
            session_code: from_url("session_code"),
            tab_id: from_url("tab_id"),
            username: get("username"),
            password: get("password"),
            otp: get("otp"),
            password_new: get("password-new"),
            password_confirm: get("password-confirm"),
        };
        if let Some(username) = form.username.map(str::trim).filter(|u| !u.is_empty())
            && let Err(e) = provider.federate_login(&r2.name, username, now)
        {
            tracing::warn!(realm = %r2.name, error = %e, "LDAP lookup");
            return LoginStep::Retry(crate::provider::ldap::LDAP_UNAVAILABLE.into());
        }
        let r2 = provider.realm(&r2.name).unwrap_or(r2);
        let step = provider.submit_login(&r2, &issuer, &id2, &form, now);
        log_login(&provider, &r2, &step, form.username, now);
        step
    })
    .await;
    let path = ctx.realm_path(&realm);
    match step {
        LoginStep::Retry(message) => {
            let Some(login) = ctx.provider.login_state(&r, &login_id, now) else {
                return expired();
            };
            if login.pending_password_update {
                return update_password_page(&ctx, &r, &login, Some(&message));
            }
            if let Some(secret) = &login.pending_totp_secret {
                let issuer = r.display_name.as_deref().unwrap_or(&r.name);
                let username = login
                    .pending_user
                    .as_deref()
                    .and_then(|id| r.user(id))
                    .map(|u| u.username.clone())
                    .unwrap_or_default();
                let uri =
                    crate::flows::totp::otpauth_uri(secret, issuer, &username).unwrap_or_default();
                return totp_setup_page(&ctx, &r, &login, secret, &uri, Some(&message));
            }
            if login.pending_user.is_some() {
                return totp_page(&ctx, &r, &login, Some(&message));
            }
            let username = form.get("username").map(String::as_str).unwrap_or("");
            login_page(
                &ctx,
                &r,
                &login_id,
                &login,
                username,
                Some(&message),
                StatusCode::OK,
            )
        }
        LoginStep::TotpSetup { secret, uri } => {
            let Some(login) = ctx.provider.login_state(&r, &login_id, now) else {
                return expired();
            };
            totp_setup_page(&ctx, &r, &login, &secret, &uri, None)
        }
        LoginStep::UpdatePassword => {
            let Some(login) = ctx.provider.login_state(&r, &login_id, now) else {
                return expired();
            };
            update_password_page(&ctx, &r, &login, None)
        }
        LoginStep::Totp => {
            let Some(login) = ctx.provider.login_state(&r, &login_id, now) else {
                return expired();
            };
            totp_page(&ctx, &r, &login, None)
        }
        LoginStep::Done {
            session_id,
            redirect,
        } => {
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
        LoginStep::Expired => expired(),
    }
}

/// Records the login event of a login form post (`LOGIN`, or `LOGIN_ERROR` for wrong
/// credentials).
fn log_login(provider: &Provider, r: &Realm, step: &LoginStep, username: Option<&str>, now: u64) {
    if !r.events.events_enabled && !provider.has_listeners() {
        return;
    }
    let mut details = vec![("auth_method", "openid-connect".to_string())];
    if let Some(u) = username {
        details.push(("username", u.to_string()));
    }
    match step {
        LoginStep::Done { session_id, .. } => {
            let user = provider
                .directory()
                .session(&r.name, session_id)
                .ok()
                .flatten()
                .map(|s| s.user_id);
            let facts = EventFacts {
                user: user.as_deref(),
                session: Some(session_id),
                details,
                ..EventFacts::default()
            };
            provider.log_event(r, "LOGIN", facts, now);
        }
        LoginStep::Retry(message) if message == "Invalid username or password." => {
            let facts = EventFacts {
                error: Some("invalid_user_credentials"),
                details,
                ..EventFacts::default()
            };
            provider.log_event(r, "LOGIN_ERROR", facts, now);
        }
        _ => {}
    }
}

fn update_password_page(ctx: &Ctx, realm: &Realm, login: &Login, error: Option<&str>) -> Response {
    pages::render(
        StatusCode::OK,
        &UpdatePasswordPage {
            realm: realm.display_name.as_deref().unwrap_or(&realm.name),
            action: &action(ctx, &realm.name, login, UPDATE_PASSWORD),
            error,
        },
        Vec::new(),
    )
}

fn totp_page(ctx: &Ctx, realm: &Realm, login: &Login, error: Option<&str>) -> Response {
    pages::render(
        StatusCode::OK,
        &TotpPage {
            realm: realm.display_name.as_deref().unwrap_or(&realm.name),
            action: &action(ctx, &realm.name, login, OTP),
            error,
        },
        Vec::new(),
    )
}

fn totp_setup_page(
    ctx: &Ctx,
    realm: &Realm,
    login: &Login,
    secret: &str,
    uri: &str,
    error: Option<&str>,
) -> Response {
    let qr_svg = qrcode::QrCode::new(uri.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .build()
        })
        .unwrap_or_default();
    // The SVG document's XML declaration is not wanted inside HTML.
    let qr_svg = qr_svg
        .find("<svg")
        .map(|i| qr_svg[i..].to_string())
        .unwrap_or_default();
    pages::render(
        StatusCode::OK,
        &TotpSetupPage {
            action: &action(ctx, &realm.name, login, CONFIGURE_TOTP),
            secret,
            uri,
            qr_svg: &qr_svg,
            error,
        },
        Vec::new(),
    )
}

/// Keycloak's page for a login that is gone.
pub(super) fn expired() -> Response {
    pages::info(
        StatusCode::BAD_REQUEST,
        "We are sorry...",
        "Your login attempt timed out. Login will start from the beginning.",
    )
}

/// `GET|POST device`: the user types (or follows a link with) the user code, then logs in.
pub async fn device(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    method: Method,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(r) = ctx.provider.realm(&realm) else {
        return pages::realm_not_found();
    };
    let params = params(&method, raw.as_deref(), &headers, &body);
    let action = format!("{}/device", ctx.issuer(&realm));
    let Some(typed) = params.get("user_code").filter(|c| !c.is_empty()) else {
        return pages::render(
            StatusCode::OK,
            &DevicePage {
                action: &action,
                error: None,
            },
            Vec::new(),
        );
    };
    let now = clock::now();
    let Some(device_code) = ctx.provider.device_for_user_code(&r, typed, now) else {
        return pages::render(
            StatusCode::OK,
            &DevicePage {
                action: &action,
                error: Some("Invalid code, please try again."),
            },
            Vec::new(),
        );
    };
    let purpose = LoginPurpose::Device(device_code);
    let sso = cookie(&headers, SSO_COOKIE).map(str::to_string);
    let provider = ctx.provider.clone();
    let r2 = r.clone();
    let session = match sso {
        Some(sid) => blocking(move || provider.sso_session(&r2, &sid, now)).await,
        None => None,
    };
    if let Some(session) = session {
        let issuer = ctx.issuer(&realm);
        ctx.provider
            .continue_with_session(&r, &issuer, &purpose, &session, now);
        return pages::info(
            StatusCode::OK,
            "Device Login Successful",
            "Device Login Successful. You may close this browser window and go back to your device.",
        );
    }
    let (login_id, login) = ctx.provider.begin_login(&r, purpose, now);
    login_page(&ctx, &r, &login_id, &login, "", None, StatusCode::OK)
}
