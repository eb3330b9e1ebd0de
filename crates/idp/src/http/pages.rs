//! Server-rendered pages (askama, escaped by default): login, TOTP, TOTP enrolment, device code
//! entry, and information pages. They work without JavaScript and label every field.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// The login form.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    /// Realm name (title).
    pub realm: &'a str,
    /// Form action: the login's state in its query (`session_code`, `execution`, `client_id`,
    /// `tab_id`), as Keycloak's `url.loginAction`.
    pub action: &'a str,
    /// The username typed before.
    pub username: &'a str,
    /// An error to show.
    pub error: Option<&'a str>,
}

/// The TOTP step.
#[derive(Template)]
#[template(path = "totp.html")]
pub struct TotpPage<'a> {
    /// Realm name.
    pub realm: &'a str,
    /// Form action: the login's state in its query (`session_code`, `execution`, `client_id`,
    /// `tab_id`), as Keycloak's `url.loginAction`.
    pub action: &'a str,
    /// An error to show.
    pub error: Option<&'a str>,
}

/// The new password a temporary password asks for (UPDATE_PASSWORD).
#[derive(Template)]
#[template(path = "update_password.html")]
pub struct UpdatePasswordPage<'a> {
    /// Realm name.
    pub realm: &'a str,
    /// Form action: the login's state in its query (`session_code`, `execution`, `client_id`,
    /// `tab_id`), as Keycloak's `url.loginAction`.
    pub action: &'a str,
    /// An error to show.
    pub error: Option<&'a str>,
}

/// TOTP enrolment with the QR code.
#[derive(Template)]
#[template(path = "totp_setup.html")]
pub struct TotpSetupPage<'a> {
    /// Form action: the login's state in its query (`session_code`, `execution`, `client_id`,
    /// `tab_id`), as Keycloak's `url.loginAction`.
    pub action: &'a str,
    /// Base32 secret.
    pub secret: &'a str,
    /// The otpauth URI.
    pub uri: &'a str,
    /// The QR code, an SVG document made by `qrcode`.
    pub qr_svg: &'a str,
    /// An error to show.
    pub error: Option<&'a str>,
}

/// The device code entry form.
#[derive(Template)]
#[template(path = "device.html")]
pub struct DevicePage<'a> {
    /// Form action: the login's state in its query (`session_code`, `execution`, `client_id`,
    /// `tab_id`), as Keycloak's `url.loginAction`.
    pub action: &'a str,
    /// An error to show.
    pub error: Option<&'a str>,
}

/// An information or error page.
#[derive(Template)]
#[template(path = "info.html")]
pub struct InfoPage<'a> {
    /// Heading.
    pub title: &'a str,
    /// Text.
    pub message: &'a str,
}

/// Renders a page with a status and `Set-Cookie` headers; never cached, never framed.
pub fn render(status: StatusCode, page: &impl Template, cookies: Vec<HeaderValue>) -> Response {
    let body = page
        .render()
        .unwrap_or_else(|_| "<!DOCTYPE html><title>Error</title><p>Error</p>".to_string());
    let mut response = (status, Html(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self' http: https:; frame-ancestors 'none'"),
    );
    for c in cookies {
        headers.append(header::SET_COOKIE, c);
    }
    response
}

/// An information page.
pub fn info(status: StatusCode, title: &str, message: &str) -> Response {
    render(status, &InfoPage { title, message }, Vec::new())
}

/// Keycloak's page for a browser request to a realm that does not exist (404).
pub fn realm_not_found() -> Response {
    info(
        StatusCode::NOT_FOUND,
        "We are sorry...",
        "Realm does not exist",
    )
}
