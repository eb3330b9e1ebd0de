//! The admin REST API, compatible with Keycloak's for what the seeds do (realms; clients with
//! their secret, roles and protocol mappers; users with reset-password, groups and role
//! mappings; groups with members; realm roles), authenticated as Keycloak's: a bearer token of
//! the `master` realm whose user holds the realm role `admin`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{Ctx, blocking, clock, respond};
use crate::bootstrap::{ADMIN_ROLE, MASTER};
use crate::directory::DirectoryError;
use crate::model::{Group, ModelError, ProtocolMapper, Realm, Role, User};
use crate::provider::{RandomMinter, hash_password, new_id, random_token};
use crate::representation::{
    self, ClientRepresentation, GroupRepresentation, RealmRepresentation, RoleRepresentation,
    UserRepresentation,
};

/// An admin API error: status and Keycloak's body.
struct AdminError(StatusCode, Value);

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (self.0, axum::Json(self.1)).into_response()
    }
}

type Answer = Result<Response, AdminError>;

fn not_found(what: &str) -> AdminError {
    AdminError(
        StatusCode::NOT_FOUND,
        json!({ "error": format!("{what} not found") }),
    )
}

fn bad_request(message: impl Into<String>) -> AdminError {
    AdminError(
        StatusCode::BAD_REQUEST,
        json!({ "errorMessage": message.into() }),
    )
}

impl From<DirectoryError> for AdminError {
    fn from(e: DirectoryError) -> Self {
        match e {
            DirectoryError::RealmNotFound => not_found("Realm"),
            DirectoryError::RealmExists => AdminError(
                StatusCode::CONFLICT,
                json!({ "errorMessage": "Conflict detected. See logs for details" }),
            ),
            DirectoryError::Model(ModelError::Conflict { what, field }) => AdminError(
                StatusCode::CONFLICT,
                json!({ "errorMessage": format!("{what} exists with same {field}") }),
            ),
            DirectoryError::Model(ModelError::NotFound(what)) => not_found(what),
            DirectoryError::Model(ModelError::Invalid(message)) => bad_request(message),
            other => {
                tracing::error!(error = %other, "admin API");
                AdminError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"error": "unknown_error"}),
                )
            }
        }
    }
}

fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AdminError> {
    serde_json::from_slice(bytes).map_err(|e| bad_request(format!("Invalid JSON: {e}")))
}

fn ok_json<T: serde::Serialize>(value: &T) -> Answer {
    Ok((StatusCode::OK, axum::Json(value)).into_response())
}

fn no_content() -> Answer {
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn created(location: String) -> Answer {
    let mut response = StatusCode::CREATED.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// Checks the bearer token: a `master` realm access token of a user with the `admin` role.
async fn authorize(ctx: &Arc<Ctx>, headers: &HeaderMap) -> Result<(), AdminError> {
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

/// Runs an edit of a realm off the async workers.
async fn edit<T: Send + 'static>(
    ctx: &Arc<Ctx>,
    realm: &str,
    change: impl FnOnce(&mut Realm) -> Result<T, DirectoryError> + Send + 'static,
) -> Result<T, AdminError> {
    let provider = ctx.provider.clone();
    let realm = realm.to_string();
    Ok(blocking(move || provider.directory().update_realm(&realm, change)).await?)
}

fn realm_of(ctx: &Ctx, realm: &str) -> Result<Arc<Realm>, AdminError> {
    ctx.provider
        .directory()
        .realm(realm)
        .ok_or_else(|| not_found("Realm"))
}

fn location(ctx: &Ctx, path: &str) -> String {
    format!("{}{}/admin/realms/{path}", ctx.public_url, ctx.prefix)
}

/// The admin routes.
pub fn routes(ctx: Arc<Ctx>) -> Router {
    Router::new()
        .route("/admin/realms", get(realms).post(create_realm))
        .route(
            "/admin/realms/{realm}",
            get(get_realm).put(update_realm).delete(delete_realm),
        )
        .route(
            "/admin/realms/{realm}/clients",
            get(clients).post(create_client),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}",
            get(get_client).put(update_client).delete(delete_client),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/client-secret",
            get(client_secret).post(regenerate_secret),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/roles",
            get(client_roles).post(create_client_role),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/roles/{role}",
            get(client_role).delete(delete_client_role),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/protocol-mappers/models",
            get(mappers).post(create_mapper),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/service-account-user",
            get(service_account_user),
        )
        .route("/admin/realms/{realm}/users", get(users).post(create_user))
        .route("/admin/realms/{realm}/users/count", get(users_count))
        .route(
            "/admin/realms/{realm}/users/{id}",
            get(get_user).put(update_user).delete(delete_user),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/reset-password",
            put(reset_password),
        )
        .route("/admin/realms/{realm}/users/{id}/groups", get(user_groups))
        .route(
            "/admin/realms/{realm}/users/{id}/groups/{group}",
            put(join_group).delete(leave_group),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings/realm",
            get(user_realm_roles)
                .post(add_user_realm_roles)
                .delete(remove_user_realm_roles),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings/clients/{client}",
            get(user_client_roles)
                .post(add_user_client_roles)
                .delete(remove_user_client_roles),
        )
        .route(
            "/admin/realms/{realm}/groups",
            get(groups).post(create_group),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}",
            get(get_group).put(update_group).delete(delete_group),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}/children",
            post(create_child_group),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}/members",
            get(group_members),
        )
        .route(
            "/admin/realms/{realm}/roles",
            get(realm_roles).post(create_realm_role),
        )
        .route(
            "/admin/realms/{realm}/roles/{role}",
            get(realm_role).delete(delete_realm_role),
        )
        .with_state(ctx)
}

async fn realms(State(ctx): State<Arc<Ctx>>, headers: HeaderMap) -> Answer {
    authorize(&ctx, &headers).await?;
    let list: Vec<RealmRepresentation> = ctx
        .provider
        .directory()
        .realms()
        .iter()
        .map(|r| summary(r))
        .collect();
    ok_json(&list)
}

fn summary(realm: &Realm) -> RealmRepresentation {
    let mut rep = representation::export(realm);
    rep.users = None;
    rep.clients = None;
    rep.groups = None;
    rep.roles = None;
    rep
}

async fn create_realm(State(ctx): State<Arc<Ctx>>, headers: HeaderMap, bytes: Bytes) -> Answer {
    authorize(&ctx, &headers).await?;
    let rep: RealmRepresentation = body(&bytes)?;
    if rep.realm.is_empty() {
        return Err(bad_request("Realm name cannot be empty"));
    }
    let provider = ctx.provider.clone();
    let name = rep.realm.clone();
    blocking(move || -> Result<(), AdminError> {
        let realm = representation::import(&rep, &mut RandomMinter)
            .map_err(|e| bad_request(e.to_string()))?;
        provider.directory().create_realm(realm)?;
        Ok(())
    })
    .await?;
    created(location(&ctx, &name))
}

async fn get_realm(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    ok_json(&summary(&r))
}

async fn update_realm(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let rep: RealmRepresentation = body(&bytes)?;
    edit(&ctx, &realm, move |r| {
        representation::apply_settings(r, &rep);
        if !rep.realm.is_empty() {
            r.name = rep.realm.clone();
        }
        Ok(())
    })
    .await?;
    no_content()
}

async fn delete_realm(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    if realm == MASTER {
        return Err(bad_request("Cannot delete the master realm"));
    }
    let provider = ctx.provider.clone();
    blocking(move || provider.directory().delete_realm(&realm)).await?;
    no_content()
}

fn query(raw: Option<&str>) -> HashMap<String, String> {
    respond::query(raw)
}

async fn clients(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    let q = query(raw.as_deref());
    let list: Vec<ClientRepresentation> = r
        .clients
        .iter()
        .filter(|c| q.get("clientId").is_none_or(|id| *id == c.client_id))
        .map(representation::client_to)
        .collect();
    ok_json(&list)
}

async fn create_client(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let rep: ClientRepresentation = body(&bytes)?;
    let id = edit(&ctx, &realm, move |r| {
        let mut minter = RandomMinter;
        let client = representation::client_from(&rep, &mut minter);
        let id = client.id.clone();
        r.add_client(client)?;
        representation::ensure_service_accounts(r, &mut minter);
        Ok(id)
    })
    .await?;
    created(location(&ctx, &format!("{realm}/clients/{id}")))
}

fn client_index(r: &Realm, id: &str) -> Result<usize, DirectoryError> {
    r.clients
        .iter()
        .position(|c| c.id == id)
        .ok_or(DirectoryError::Model(ModelError::NotFound(
            "Could not find client",
        )))
}

async fn get_client(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    let c = r
        .client_by_id(&id)
        .ok_or_else(|| not_found("Could not find client"))?;
    ok_json(&representation::client_to(c))
}

async fn update_client(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let rep: ClientRepresentation = body(&bytes)?;
    edit(&ctx, &realm, move |r| {
        let i = client_index(r, &id)?;
        let mut minter = RandomMinter;
        representation::update_client(&mut r.clients[i], &rep, &mut minter);
        representation::ensure_service_accounts(r, &mut minter);
        Ok(())
    })
    .await?;
    no_content()
}

async fn delete_client(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    edit(&ctx, &realm, move |r| {
        let i = client_index(r, &id)?;
        let removed = r.clients.remove(i);
        r.users
            .retain(|u| u.service_account_client_id.as_deref() != Some(removed.client_id.as_str()));
        Ok(())
    })
    .await?;
    no_content()
}

async fn client_secret(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    let c = r
        .client_by_id(&id)
        .ok_or_else(|| not_found("Could not find client"))?;
    ok_json(&json!({"type": "secret", "value": c.secret}))
}

async fn regenerate_secret(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let secret = edit(&ctx, &realm, move |r| {
        let i = client_index(r, &id)?;
        let secret = random_token(24);
        r.clients[i].secret = Some(secret.clone());
        Ok(secret)
    })
    .await?;
    ok_json(&json!({"type": "secret", "value": secret}))
}

async fn client_roles(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    let c = r
        .client_by_id(&id)
        .ok_or_else(|| not_found("Could not find client"))?;
    let list: Vec<RoleRepresentation> = c
        .roles
        .iter()
        .map(|x| representation::role_to(x, true, &c.id))
        .collect();
    ok_json(&list)
}

async fn create_client_role(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let rep: RoleRepresentation = body(&bytes)?;
    let name = rep.name.clone();
    let id2 = id.clone();
    edit(&ctx, &realm, move |r| {
        let i = client_index(r, &id2)?;
        let client = &mut r.clients[i];
        if rep.name.is_empty() {
            return Err(ModelError::Invalid("name is required".into()).into());
        }
        if client.roles.iter().any(|x| x.name == rep.name) {
            return Err(ModelError::Conflict {
                what: "Role",
                field: "name",
            }
            .into());
        }
        client.roles.push(Role {
            id: new_id(),
            name: rep.name.clone(),
            description: rep.description.clone(),
        });
        Ok(())
    })
    .await?;
    created(location(
        &ctx,
        &format!("{realm}/clients/{id}/roles/{name}"),
    ))
}

async fn client_role(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id, role)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    let c = r
        .client_by_id(&id)
        .ok_or_else(|| not_found("Could not find client"))?;
    let x = c
        .roles
        .iter()
        .find(|x| x.name == role)
        .ok_or_else(|| not_found("Could not find role"))?;
    ok_json(&representation::role_to(x, true, &c.id))
}

async fn delete_client_role(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id, role)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    edit(&ctx, &realm, move |r| {
        let i = client_index(r, &id)?;
        let before = r.clients[i].roles.len();
        r.clients[i].roles.retain(|x| x.name != role);
        if r.clients[i].roles.len() == before {
            return Err(ModelError::NotFound("Could not find role").into());
        }
        Ok(())
    })
    .await?;
    no_content()
}

async fn mappers(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    let c = r
        .client_by_id(&id)
        .ok_or_else(|| not_found("Could not find client"))?;
    ok_json(&representation::client_to(c).protocol_mappers)
}

async fn create_mapper(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let rep: representation::ProtocolMapperRepresentation = body(&bytes)?;
    let mapper_id = new_id();
    let id2 = id.clone();
    edit(&ctx, &realm, move |r| {
        let i = client_index(r, &id2)?;
        let client = &mut r.clients[i];
        if client.protocol_mappers.iter().any(|m| m.name == rep.name) {
            return Err(ModelError::Conflict {
                what: "Protocol mapper",
                field: "name",
            }
            .into());
        }
        client.protocol_mappers.push(ProtocolMapper {
            name: rep.name.clone(),
            protocol_mapper: rep.protocol_mapper.clone(),
            config: rep.config.clone(),
        });
        Ok(())
    })
    .await?;
    created(location(
        &ctx,
        &format!("{realm}/clients/{id}/protocol-mappers/models/{mapper_id}"),
    ))
}

async fn service_account_user(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    let c = r
        .client_by_id(&id)
        .ok_or_else(|| not_found("Could not find client"))?;
    let u = r
        .users
        .iter()
        .find(|u| u.service_account_client_id.as_deref() == Some(c.client_id.as_str()))
        .ok_or_else(|| bad_request("Service account not enabled for the client"))?;
    ok_json(&representation::user_to(u))
}

fn matching_users<'r>(r: &'r Realm, q: &HashMap<String, String>) -> Vec<&'r User> {
    let exact = q.get("exact").is_some_and(|v| v == "true");
    let field = |wanted: Option<&String>, value: Option<&str>| match wanted {
        None => true,
        Some(w) => {
            let v = value.unwrap_or("").to_lowercase();
            let w = w.to_lowercase();
            if exact { v == w } else { v.contains(&w) }
        }
    };
    let first: usize = q.get("first").and_then(|v| v.parse().ok()).unwrap_or(0);
    let max: usize = q.get("max").and_then(|v| v.parse().ok()).unwrap_or(100);
    r.users
        .iter()
        .filter(|u| u.service_account_client_id.is_none())
        .filter(|u| field(q.get("username"), Some(&u.username)))
        .filter(|u| field(q.get("email"), u.email.as_deref()))
        .filter(|u| {
            q.get("search").is_none_or(|s| {
                let s = s.trim_matches('*').to_lowercase();
                u.username.contains(&s)
                    || u.email
                        .as_deref()
                        .is_some_and(|e| e.to_lowercase().contains(&s))
            })
        })
        .skip(first)
        .take(max)
        .collect()
}

async fn users(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    let q = query(raw.as_deref());
    let list: Vec<UserRepresentation> = matching_users(&r, &q)
        .into_iter()
        .map(representation::user_to)
        .collect();
    ok_json(&list)
}

async fn users_count(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    let mut q = query(raw.as_deref());
    q.insert("max".into(), usize::MAX.to_string());
    ok_json(&matching_users(&r, &q).len())
}

async fn create_user(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let rep: UserRepresentation = body(&bytes)?;
    let provider = ctx.provider.clone();
    let realm2 = realm.clone();
    // Hash outside the realm lock.
    let mut user = User::new(new_id(), &rep.username);
    user.created_timestamp = (clock::now() * 1000) as i64;
    let id = user.id.clone();
    blocking(move || -> Result<(), AdminError> {
        representation::update_user(&mut user, &rep, &mut RandomMinter)
            .map_err(|e| bad_request(e.to_string()))?;
        user.roles.realm = rep.realm_roles.clone();
        user.roles.client = rep.client_roles.clone();
        provider.directory().update_realm(&realm2, |r| {
            for path in &rep.groups {
                let g = r
                    .group_by_path(path)
                    .ok_or_else(|| ModelError::Invalid(format!("Group {path} not found")))?;
                user.groups.push(g.id.clone());
            }
            r.add_user(user)?;
            Ok(())
        })?;
        Ok(())
    })
    .await?;
    created(location(&ctx, &format!("{realm}/users/{id}")))
}

fn user_index(r: &Realm, id: &str) -> Result<usize, DirectoryError> {
    r.users
        .iter()
        .position(|u| u.id == id)
        .ok_or(DirectoryError::Model(ModelError::NotFound("User")))
}

async fn get_user(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    let u = r.user(&id).ok_or_else(|| not_found("User"))?;
    ok_json(&representation::user_to(u))
}

async fn update_user(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let rep: UserRepresentation = body(&bytes)?;
    let provider = ctx.provider.clone();
    blocking(move || -> Result<(), AdminError> {
        let r = provider
            .directory()
            .realm(&realm)
            .ok_or_else(|| not_found("Realm"))?;
        let mut user = r.user(&id).cloned().ok_or_else(|| not_found("User"))?;
        representation::update_user(&mut user, &rep, &mut RandomMinter)
            .map_err(|e| bad_request(e.to_string()))?;
        provider.directory().update_realm(&realm, |r| {
            if r.users
                .iter()
                .any(|u| u.username == user.username && u.id != user.id)
            {
                return Err(ModelError::Conflict {
                    what: "User",
                    field: "username",
                }
                .into());
            }
            let i = user_index(r, &id)?;
            r.users[i] = user;
            Ok(())
        })?;
        Ok(())
    })
    .await?;
    no_content()
}

async fn delete_user(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    edit(&ctx, &realm, move |r| {
        let i = user_index(r, &id)?;
        r.users.remove(i);
        Ok(())
    })
    .await?;
    no_content()
}

async fn reset_password(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let credential: representation::CredentialRepresentation = body(&bytes)?;
    let Some(password) = credential.value.filter(|v| !v.is_empty()) else {
        return Err(bad_request("Password cannot be empty"));
    };
    let temporary = credential.temporary.unwrap_or(false);
    let provider = ctx.provider.clone();
    blocking(move || -> Result<(), AdminError> {
        let hash = hash_password(&password).map_err(bad_request)?;
        provider.directory().update_realm(&realm, |r| {
            let i = user_index(r, &id)?;
            let user = &mut r.users[i];
            user.password_hash = Some(hash);
            user.required_actions.retain(|a| a != "UPDATE_PASSWORD");
            if temporary {
                user.required_actions.push("UPDATE_PASSWORD".into());
            }
            Ok(())
        })?;
        Ok(())
    })
    .await?;
    no_content()
}

async fn user_groups(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    let u = r.user(&id).ok_or_else(|| not_found("User"))?;
    let list: Vec<GroupRepresentation> = r
        .user_groups(u)
        .into_iter()
        .map(|g| {
            let mut rep = representation::group_to(&r, g);
            rep.sub_groups.clear();
            rep
        })
        .collect();
    ok_json(&list)
}

async fn join_group(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id, group)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    edit(&ctx, &realm, move |r| {
        if r.group(&group).is_none() {
            return Err(ModelError::NotFound("Group").into());
        }
        let i = user_index(r, &id)?;
        if !r.users[i].groups.contains(&group) {
            r.users[i].groups.push(group);
        }
        Ok(())
    })
    .await?;
    no_content()
}

async fn leave_group(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id, group)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    edit(&ctx, &realm, move |r| {
        let i = user_index(r, &id)?;
        r.users[i].groups.retain(|g| *g != group);
        Ok(())
    })
    .await?;
    no_content()
}

fn realm_role_reps(r: &Realm, names: &[String]) -> Vec<RoleRepresentation> {
    r.roles
        .iter()
        .filter(|x| names.contains(&x.name))
        .map(|x| representation::role_to(x, false, &r.id))
        .collect()
}

async fn user_realm_roles(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    let u = r.user(&id).ok_or_else(|| not_found("User"))?;
    ok_json(&realm_role_reps(&r, &u.roles.realm))
}

async fn change_roles(
    ctx: &Arc<Ctx>,
    realm: &str,
    id: String,
    client: Option<String>,
    bytes: &[u8],
    add: bool,
) -> Answer {
    let reps: Vec<RoleRepresentation> = body(bytes)?;
    edit(ctx, realm, move |r| {
        let (known, key): (Vec<String>, Option<String>) = match &client {
            Some(cid) => {
                let c = r.client_by_id(cid).ok_or(ModelError::NotFound("Client"))?;
                (
                    c.roles.iter().map(|x| x.name.clone()).collect(),
                    Some(c.client_id.clone()),
                )
            }
            None => (r.roles.iter().map(|x| x.name.clone()).collect(), None),
        };
        for rep in &reps {
            if !known.contains(&rep.name) {
                return Err(ModelError::NotFound("Role").into());
            }
        }
        let i = user_index(r, &id)?;
        let user = &mut r.users[i];
        let list = match key {
            Some(k) => user.roles.client.entry(k).or_default(),
            None => &mut user.roles.realm,
        };
        for rep in &reps {
            if add {
                if !list.contains(&rep.name) {
                    list.push(rep.name.clone());
                }
            } else {
                list.retain(|x| *x != rep.name);
            }
        }
        user.roles.client.retain(|_, v| !v.is_empty());
        Ok(())
    })
    .await?;
    no_content()
}

async fn add_user_realm_roles(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&ctx, &headers).await?;
    change_roles(&ctx, &realm, id, None, &bytes, true).await
}

async fn remove_user_realm_roles(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&ctx, &headers).await?;
    change_roles(&ctx, &realm, id, None, &bytes, false).await
}

async fn user_client_roles(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id, client)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    let u = r.user(&id).ok_or_else(|| not_found("User"))?;
    let c = r
        .client_by_id(&client)
        .ok_or_else(|| not_found("Could not find client"))?;
    let names = u
        .roles
        .client
        .get(&c.client_id)
        .cloned()
        .unwrap_or_default();
    let list: Vec<RoleRepresentation> = c
        .roles
        .iter()
        .filter(|x| names.contains(&x.name))
        .map(|x| representation::role_to(x, true, &c.id))
        .collect();
    ok_json(&list)
}

async fn add_user_client_roles(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id, client)): Path<(String, String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&ctx, &headers).await?;
    change_roles(&ctx, &realm, id, Some(client), &bytes, true).await
}

async fn remove_user_client_roles(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id, client)): Path<(String, String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&ctx, &headers).await?;
    change_roles(&ctx, &realm, id, Some(client), &bytes, false).await
}

async fn groups(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    let list: Vec<GroupRepresentation> = r
        .groups
        .iter()
        .filter(|g| g.parent.is_none())
        .map(|g| representation::group_to(&r, g))
        .collect();
    ok_json(&list)
}

async fn add_group(ctx: &Arc<Ctx>, realm: &str, parent: Option<String>, bytes: &[u8]) -> Answer {
    let rep: GroupRepresentation = body(bytes)?;
    let id = new_id();
    let id2 = id.clone();
    edit(ctx, realm, move |r| {
        if let Some(p) = &parent
            && r.group(p).is_none()
        {
            return Err(ModelError::NotFound("Could not find parent group").into());
        }
        r.add_group(Group {
            id: id2,
            name: rep.name.clone(),
            parent,
            roles: Default::default(),
        })?;
        Ok(())
    })
    .await?;
    created(location(ctx, &format!("{realm}/groups/{id}")))
}

async fn create_group(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&ctx, &headers).await?;
    add_group(&ctx, &realm, None, &bytes).await
}

async fn create_child_group(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&ctx, &headers).await?;
    add_group(&ctx, &realm, Some(id), &bytes).await
}

async fn get_group(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    let g = r
        .group(&id)
        .ok_or_else(|| not_found("Could not find group by id"))?;
    ok_json(&representation::group_to(&r, g))
}

async fn update_group(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let rep: GroupRepresentation = body(&bytes)?;
    edit(&ctx, &realm, move |r| {
        let g = r
            .groups
            .iter_mut()
            .find(|g| g.id == id)
            .ok_or(ModelError::NotFound("Could not find group by id"))?;
        if !rep.name.is_empty() {
            g.name = rep.name.clone();
        }
        Ok(())
    })
    .await?;
    no_content()
}

async fn delete_group(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    edit(&ctx, &realm, move |r| {
        if r.group(&id).is_none() {
            return Err(ModelError::NotFound("Could not find group by id").into());
        }
        let mut doomed = vec![id];
        let mut i = 0;
        while i < doomed.len() {
            let children: Vec<String> = r
                .groups
                .iter()
                .filter(|g| g.parent.as_deref() == Some(doomed[i].as_str()))
                .map(|g| g.id.clone())
                .collect();
            doomed.extend(children);
            i += 1;
        }
        r.groups.retain(|g| !doomed.contains(&g.id));
        for u in &mut r.users {
            u.groups.retain(|g| !doomed.contains(g));
        }
        Ok(())
    })
    .await?;
    no_content()
}

async fn group_members(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    if r.group(&id).is_none() {
        return Err(not_found("Could not find group by id"));
    }
    let list: Vec<UserRepresentation> = r
        .users
        .iter()
        .filter(|u| u.groups.contains(&id))
        .map(representation::user_to)
        .collect();
    ok_json(&list)
}

async fn realm_roles(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    let names: Vec<String> = r.roles.iter().map(|x| x.name.clone()).collect();
    ok_json(&realm_role_reps(&r, &names))
}

async fn create_realm_role(
    State(ctx): State<Arc<Ctx>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let rep: RoleRepresentation = body(&bytes)?;
    let name = rep.name.clone();
    edit(&ctx, &realm, move |r| {
        r.add_role(Role {
            id: new_id(),
            name: rep.name.clone(),
            description: rep.description.clone(),
        })?;
        Ok(())
    })
    .await?;
    created(location(&ctx, &format!("{realm}/roles/{name}")))
}

async fn realm_role(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, role)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    let r = realm_of(&ctx, &realm)?;
    let x = r
        .roles
        .iter()
        .find(|x| x.name == role)
        .ok_or_else(|| not_found("Could not find role"))?;
    ok_json(&representation::role_to(x, false, &r.id))
}

async fn delete_realm_role(
    State(ctx): State<Arc<Ctx>>,
    Path((realm, role)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    authorize(&ctx, &headers).await?;
    edit(&ctx, &realm, move |r| {
        let before = r.roles.len();
        r.roles.retain(|x| x.name != role);
        if r.roles.len() == before {
            return Err(ModelError::NotFound("Could not find role").into());
        }
        for u in &mut r.users {
            u.roles.realm.retain(|x| *x != role);
        }
        Ok(())
    })
    .await?;
    no_content()
}
