//! The admin console under `/admin/console/`: realms, clients (secret shown and regenerated,
//! redirect URIs, roles), users (password and TOTP reset, enable and disable, groups, role
//! mappings, sessions and their sign-out), groups and their roles, realm roles, key rotation and
//! the admin event log, as server-rendered pages that work without JavaScript.
//!
//! Only an enabled user of the `master` realm holding its realm role `admin` signs in (with the
//! realm's brute-force protection, and the TOTP code when one is enrolled); the check is made
//! again on every request, so a disabled or demoted admin is out at once. Every form carries
//! the session's CSRF token, the session cookie is `SameSite=Strict`, and a POST whose `Origin`
//! is another site is refused.
//!
//! - `session`: sign-in sessions, their cookie and CSRF token.
//! - `forms`: reading the forms back.
//! - `templates`: the pages.
//! - `views`: the pages' handlers (GET).
//! - `actions`: the changes (POST), each recorded in `events`.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::{pages, respond};
use crate::bootstrap::{ADMIN_ROLE, MASTER};
use crate::provider::Provider;

mod actions;
mod events;
mod forms;
mod session;
mod templates;
mod views;

use session::{Flash, Session, Sessions};

/// The console's state.
pub struct Console {
    provider: Arc<Provider>,
    public_url: String,
    sessions: Sessions,
    events: events::EventLog,
}

/// The console's routes.
pub fn routes(provider: Arc<Provider>, public_url: &str) -> Router {
    let console = Arc::new(Console {
        provider,
        public_url: public_url.trim_end_matches('/').to_string(),
        sessions: Sessions::default(),
        events: events::EventLog::default(),
    });
    Router::new()
        .route(
            "/admin/console",
            get(|| async { Redirect::permanent("/admin/console/") }),
        )
        .route("/admin/console/", get(views::home))
        .route("/admin/console/login", post(actions::login))
        .route("/admin/console/logout", post(actions::logout))
        .route("/admin/console/realms", post(actions::create_realm))
        .route("/admin/console/realms/{realm}", get(views::realm))
        .route(
            "/admin/console/realms/{realm}/{section}",
            get(views::section).post(actions::in_realm),
        )
        .route(
            "/admin/console/realms/{realm}/keys/rotate",
            post(actions::rotate_keys),
        )
        .route(
            "/admin/console/realms/{realm}/{kind}/{id}",
            get(views::object),
        )
        .route(
            "/admin/console/realms/{realm}/{kind}/{id}/{*action}",
            post(actions::object),
        )
        .with_state(console)
}

/// A signed-in request: its session id and session.
pub struct Signed {
    id: String,
    session: Session,
}

impl Console {
    /// The session of the request's cookie, if it is live and its user is still an enabled
    /// admin of the master realm.
    fn signed(&self, headers: &HeaderMap, now: u64) -> Option<Signed> {
        let id = respond::cookie(headers, session::COOKIE)?.to_string();
        let session = self.sessions.touch(&id, now)?;
        let master = self.provider.directory().realm(MASTER)?;
        let still_admin = master.user(&session.user_id).is_some_and(|u| {
            u.enabled
                && master
                    .effective_roles(u)
                    .realm
                    .iter()
                    .any(|r| r == ADMIN_ROLE)
        });
        if !still_admin {
            self.sessions.end(&id);
            return None;
        }
        Some(Signed { id, session })
    }

    /// The issuer of a realm.
    fn issuer(&self, realm: &str) -> String {
        format!("{}/realms/{realm}", self.public_url)
    }
}

impl Signed {
    /// The frame of a page in `realm`'s `section`, with the message of the last change.
    fn frame(&self, realm: Option<&str>, section: &'static str) -> templates::Frame {
        let (done, failed) = match &self.session.flash {
            Some(Flash::Done(m)) => (Some(m.clone()), None),
            Some(Flash::Failed(m)) => (None, Some(m.clone())),
            None => (None, None),
        };
        templates::Frame {
            admin: self.session.username.clone(),
            csrf: self.session.csrf.clone(),
            realm: realm.map(str::to_string),
            section,
            done,
            failed,
        }
    }
}

/// Where a signed-out request goes: the sign-in page.
fn to_sign_in() -> Response {
    Redirect::to("/admin/console/").into_response()
}

/// A 303 to a console page after a change.
fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// A page for a refused request.
fn refused(status: StatusCode, message: &str) -> Response {
    pages::info(status, "Request refused", message)
}

/// The console URL of a realm's page: `/admin/console/realms/<realm>[/<rest>]`.
fn realm_url(realm: &str, rest: &str) -> String {
    let encoded: String = serde_urlencoded::to_string([("r", realm)])
        .unwrap_or_default()
        .trim_start_matches("r=")
        .replace('+', "%20");
    if rest.is_empty() {
        format!("/admin/console/realms/{encoded}")
    } else {
        format!("/admin/console/realms/{encoded}/{rest}")
    }
}

#[cfg(test)]
mod tests;
