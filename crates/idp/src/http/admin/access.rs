//! Who may call the admin API, as axum extractors: a bearer token of the `master` realm whose
//! enabled user holds the realm role `admin` (Keycloak's 401 and 403 otherwise). A handler
//! takes [`Admin`] (no realm in its path), [`ReadRealm`] (the realm of `{realm}` as it is now)
//! or [`EditRealm`] (changes to the realm of `{realm}`), and says only what it does.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::super::{Ctx, blocking, clock};
use super::answer::{AdminError, REALM_NOT_FOUND, location, not_found};
use crate::bootstrap::{ADMIN_ROLE, MASTER};
use crate::directory::DirectoryError;
use crate::model::Realm;

/// A request whose token was checked.
pub(super) struct Admin(pub(super) Arc<Ctx>);

/// A checked request on the realm named by the path's `{realm}`, read when the request came.
pub(super) struct ReadRealm(pub(super) Arc<Realm>);

/// A checked request that changes the realm named by the path's `{realm}`; the realm is looked
/// up by the change itself, so a body is read (and refused) before a missing realm is.
pub(super) struct EditRealm {
    /// The handlers' context.
    pub(super) ctx: Arc<Ctx>,
    /// The realm's name.
    pub(super) name: String,
}

impl FromRequestParts<Arc<Ctx>> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, ctx: &Arc<Ctx>) -> Result<Self, Response> {
        authorize(ctx, &parts.headers)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self(ctx.clone()))
    }
}

impl FromRequestParts<Arc<Ctx>> for EditRealm {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, ctx: &Arc<Ctx>) -> Result<Self, Response> {
        let Path(mut params) = Path::<HashMap<String, String>>::from_request_parts(parts, ctx)
            .await
            .map_err(IntoResponse::into_response)?;
        let Admin(ctx) = Admin::from_request_parts(parts, ctx).await?;
        let name = params.remove("realm").unwrap_or_default();
        Ok(Self { ctx, name })
    }
}

impl FromRequestParts<Arc<Ctx>> for ReadRealm {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, ctx: &Arc<Ctx>) -> Result<Self, Response> {
        let at = EditRealm::from_request_parts(parts, ctx).await?;
        at.realm().map(Self).map_err(IntoResponse::into_response)
    }
}

impl EditRealm {
    /// Runs a change of the realm off the async workers.
    pub(super) async fn change<T: Send + 'static>(
        &self,
        change: impl FnMut(&mut Realm) -> Result<T, DirectoryError> + Send + 'static,
    ) -> Result<T, AdminError> {
        let provider = self.ctx.provider.clone();
        let realm = self.name.clone();
        Ok(blocking(move || provider.directory().update_realm(&realm, change)).await?)
    }

    /// The realm as it is now, or Keycloak's 404; with the users of LDAP providers without
    /// import that logged in (read from LDAP then, never stored).
    pub(super) fn realm(&self) -> Result<Arc<Realm>, AdminError> {
        let provider = &self.ctx.provider;
        provider
            .directory()
            .realm(&self.name)
            .map(|r| provider.with_unimported(r))
            .ok_or_else(|| not_found(REALM_NOT_FOUND))
    }

    /// The URL of a resource of this realm: `…/admin/realms/<realm>/<path>`.
    pub(super) fn location(&self, path: &str) -> String {
        location(&self.ctx, &format!("{}/{path}", self.name))
    }
}

/// Checks the bearer token: a `master` realm access token of a user with the `admin` role.
pub(super) async fn authorize(ctx: &Arc<Ctx>, headers: &HeaderMap) -> Result<(), AdminError> {
    let unauthorized = || {
        AdminError(
            StatusCode::UNAUTHORIZED,
            json!({"error": "HTTP 401 Unauthorized"}),
        )
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::to_string)
        .ok_or_else(unauthorized)?;
    let master = ctx.provider.realm(MASTER).map_err(|_| unauthorized())?;
    let provider = ctx.provider.clone();
    let m = master.clone();
    let claims = blocking(move || provider.verify(&m, &token, "Bearer", clock::now()))
        .await
        .map_err(|_| unauthorized())?;
    let user = claims
        .get("sub")
        .and_then(Value::as_str)
        .and_then(|sub| master.user(sub))
        .filter(|u| u.enabled)
        .ok_or_else(unauthorized)?;
    if !master
        .effective_roles(user)
        .realm
        .iter()
        .any(|r| r == ADMIN_ROLE)
    {
        return Err(AdminError(
            StatusCode::FORBIDDEN,
            json!({"error": "HTTP 403 Forbidden"}),
        ));
    }
    Ok(())
}
