//! The console's changes: each POST is checked (signed in, the session's CSRF token, an
//! `Origin` of this site), applied to the realm off the async workers, recorded in the event
//! log, and answered with a 303 to the page that shows it, the outcome in a message.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::super::{blocking, clock, respond};
use super::events::Event;
use super::forms::{self, RoleRef};
use super::session::{self, Flash};
use super::views::{LOGIN_COOKIE, role_label};
use super::{Console, Signed, realm_url, refused, see_other, to_sign_in};
use crate::bootstrap::{ADMIN_ROLE, MASTER};
use crate::directory::DirectoryError;
use crate::flows::{password, totp};
use crate::model::{Client, Group, ModelError, ProtocolMapper, Realm, Role, RoleMappings, User};
use crate::provider::{RandomMinter, hash_password, new_id, random_token};
use crate::representation;

type Form = std::collections::HashMap<String, String>;

/// A checked form: the session and the fields.
struct Post {
    signed: Signed,
    form: Form,
}

/// Checks a POST: a live session, a same-site `Origin` when the browser sends one, and the
/// session's CSRF token.
#[allow(clippy::result_large_err)] // the Err is the answer itself, returned at once
fn check(console: &Console, headers: &HeaderMap, body: &[u8]) -> Result<Post, Response> {
    if !same_origin(&console.public_url, headers) {
        return Err(refused(
            StatusCode::FORBIDDEN,
            "This form was sent from another site.",
        ));
    }
    let signed = console
        .signed(headers, clock::now())
        .ok_or_else(to_sign_in)?;
    let form = respond::form(headers, body)
        .map_err(|_| refused(StatusCode::BAD_REQUEST, "The form could not be read."))?;
    if !session::csrf_matches(&signed.session, form.get("csrf").map(String::as_str)) {
        return Err(refused(
            StatusCode::FORBIDDEN,
            "This form has expired: reload the page and try again.",
        ));
    }
    Ok(Post { signed, form })
}

/// Whether a form comes from the console's own site. A browser says so in `Sec-Fetch-Site`
/// (`same-origin`, or `none` when a person typed the URL); one without Fetch Metadata sends
/// `Origin`, which must be `https://<Host>` (HTTP/1.1) or the provider's public URL (HTTP/2 has
/// no `Host`). A client that sends neither is not a browser, and has no cookie to abuse.
fn same_origin(public_url: &str, headers: &HeaderMap) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(site) = text("sec-fetch-site") {
        return site == "same-origin" || site == "none";
    }
    let Some(origin) = text(header::ORIGIN.as_str()) else {
        return true;
    };
    let host = text(header::HOST.as_str()).unwrap_or_default();
    (!host.is_empty() && origin == format!("https://{host}")) || origin == origin_of(public_url)
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> &str {
    let start = url.find("://").map_or(0, |i| i + 3);
    match url[start..].find('/') {
        Some(end) => &url[..start + end],
        None => url,
    }
}

/// `POST /admin/console/login`: username, password, and the TOTP code of an enrolled admin.
pub async fn login(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = respond::form(&headers, &body).unwrap_or_default();
    let expected = respond::cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    let given = form.get("csrf").map(String::as_str).unwrap_or_default();
    if !same_origin(&console.public_url, &headers) || expected.is_empty() || expected != given {
        return refused(
            StatusCode::FORBIDDEN,
            "This sign-in form has expired: reload the page and sign in again.",
        );
    }
    let username = form.get("username").cloned().unwrap_or_default();
    let password_given = form.get("password").cloned().unwrap_or_default();
    let code = form.get("totp").cloned().unwrap_or_default();
    let provider = console.provider.clone();
    let now = clock::now();
    let outcome = blocking(move || -> Result<(String, String), &'static str> {
        let master = provider
            .realm(MASTER)
            .map_err(|_| "The master realm is missing.")?;
        let user = provider
            .check_password(&master, &username, &password_given, now)
            .map_err(|_| "Invalid username or password, or the account is locked or disabled.")?;
        if let Some(secret) = &user.totp_secret
            && !totp::verify(secret, code.trim(), now)
        {
            return Err("Invalid one-time code.");
        }
        if !user.required_actions.is_empty() {
            return Err(
                "Your account has required actions: sign in once at the master realm's login page first.",
            );
        }
        if !master
            .effective_roles(user)
            .realm
            .iter()
            .any(|r| r == ADMIN_ROLE)
        {
            return Err("Only administrators (the master realm's role admin) may sign in.");
        }
        Ok((user.id.clone(), user.username.clone()))
    })
    .await;
    match outcome {
        Ok((id, name)) => {
            let session_id = console.sessions.start(&id, &name, now);
            let mut response = see_other("/admin/console/");
            for cookie in [
                session::cookie(&session_id),
                format!(
                    "{LOGIN_COOKIE}=; Path=/admin/console; Secure; HttpOnly; SameSite=Strict; Max-Age=0"
                ),
            ] {
                if let Ok(v) = HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            response
        }
        Err(message) => refused(StatusCode::UNAUTHORIZED, message).into_response(),
    }
}

/// `POST /admin/console/logout`.
pub async fn logout(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let post = match check(&console, &headers, &body) {
        Ok(post) => post,
        Err(response) => return response,
    };
    console.sessions.end(&post.signed.id);
    let mut response = see_other("/admin/console/");
    if let Ok(v) = HeaderValue::from_str(&session::cookie("")) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// A change to record and report: the event, the page to go to, the message.
struct Done {
    operation: &'static str,
    resource: String,
    message: String,
    location: String,
}

/// Reports the outcome of a change: a message for the next page, an event when it was made.
fn finish(
    console: &Console,
    signed: &Signed,
    realm: &str,
    outcome: Result<Done, (String, String)>,
) -> Response {
    match outcome {
        Ok(done) => {
            console.events.record(Event {
                time: clock::now(),
                admin: signed.session.username.clone(),
                realm: realm.to_string(),
                operation: done.operation,
                resource: done.resource,
            });
            console
                .sessions
                .flash(&signed.id, Flash::Done(done.message));
            see_other(&done.location)
        }
        Err((message, location)) => {
            console.sessions.flash(&signed.id, Flash::Failed(message));
            see_other(&location)
        }
    }
}

/// Runs a change of a realm off the async workers (again, on a store replicas share, if another
/// replica changed the realm first).
async fn change<T: Send + 'static>(
    console: &Console,
    realm: &str,
    f: impl FnMut(&mut Realm) -> Result<T, DirectoryError> + Send + 'static,
) -> Result<T, String> {
    let provider = console.provider.clone();
    let realm = realm.to_string();
    blocking(move || provider.directory().update_realm(&realm, f))
        .await
        .map_err(|e| match e {
            DirectoryError::RealmNotFound => "Realm not found.".to_string(),
            other => other.to_string(),
        })
}

fn invalid(message: impl Into<String>) -> DirectoryError {
    DirectoryError::Model(ModelError::Invalid(message.into()))
}

/// `POST /admin/console/realms`: a new realm.
pub async fn create_realm(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let post = match check(&console, &headers, &body) {
        Ok(post) => post,
        Err(response) => return response,
    };
    let Some(name) = forms::text(&post.form, "name").map(str::to_string) else {
        console.sessions.flash(
            &post.signed.id,
            Flash::Failed("A realm needs a name.".into()),
        );
        return see_other("/admin/console/");
    };
    let provider = console.provider.clone();
    // Keycloak's default roles, clients and client scopes, as the admin API's new realms.
    let realm = crate::defaults::new_realm(new_id(), name.clone(), &mut RandomMinter);
    let created = blocking(move || provider.directory().create_realm(realm)).await;
    let outcome = match created {
        Ok(_) => Ok(Done {
            operation: "CREATE",
            resource: format!("realm {name}"),
            message: format!("Realm {name} created."),
            location: realm_url(&name, ""),
        }),
        Err(DirectoryError::RealmExists) => Err((
            format!("A realm named {name} exists already."),
            "/admin/console/".to_string(),
        )),
        Err(e) => Err((e.to_string(), "/admin/console/".to_string())),
    };
    finish(&console, &post.signed, &name, outcome)
}

/// `POST /admin/console/realms/<realm>/keys/rotate`.
pub async fn rotate_keys(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Path(realm): Path<String>,
    body: Bytes,
) -> Response {
    let post = match check(&console, &headers, &body) {
        Ok(post) => post,
        Err(response) => return response,
    };
    let algorithm = post.form.get("algorithm").cloned();
    let provider = console.provider.clone();
    let name = realm.clone();
    let rotated =
        blocking(move || provider.rotate_keys(&name, algorithm.as_deref(), clock::now())).await;
    let here = realm_url(&realm, "");
    let outcome = rotated
        .map(|kid| Done {
            operation: "UPDATE",
            resource: format!("keys: new signing key {kid}"),
            message: format!(
                "New signing key {kid}; the previous key stays published until its tokens expire."
            ),
            location: here.clone(),
        })
        .map_err(|e| (e.to_string(), here));
    finish(&console, &post.signed, &realm, outcome)
}

/// `POST /admin/console/realms/<realm>/<section>`: create a client, user, group or realm role,
/// or delete the realm.
pub async fn in_realm(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Path((realm, section)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let post = match check(&console, &headers, &body) {
        Ok(post) => post,
        Err(response) => return response,
    };
    let form = post.form.clone();
    let back = realm_url(&realm, &section);
    let outcome = match section.as_str() {
        "clients" => create_client(&console, &realm, form).await,
        "users" => create_user(&console, &realm, form).await,
        "groups" => create_group(&console, &realm, form).await,
        "roles" => create_realm_role(&console, &realm, form).await,
        "delete" => delete_realm(&console, &realm, &form).await,
        _ => return refused(StatusCode::NOT_FOUND, "No such action"),
    };
    let outcome = outcome.map_err(|message| (message, back));
    finish(&console, &post.signed, &realm, outcome)
}

async fn create_client(console: &Console, realm: &str, form: Form) -> Result<Done, String> {
    let client_id = forms::text(&form, "client_id")
        .ok_or("A client needs a client ID.")?
        .to_string();
    let public = form.get("type").is_some_and(|t| t == "public");
    let mut client = Client::new(new_id(), client_id.clone());
    client.public_client = public;
    client.standard_flow_enabled = forms::ticked(&form, "standard_flow");
    client.direct_access_grants_enabled = forms::ticked(&form, "direct_access");
    client.device_authorization_grant_enabled = forms::ticked(&form, "device");
    client.service_accounts_enabled = forms::ticked(&form, "service_account") && !public;
    client.redirect_uris = forms::uris(form.get("redirect_uris").map_or("", String::as_str));
    if !public {
        client.secret = Some(random_token(24));
    }
    if forms::ticked(&form, "groups_claim") {
        client.protocol_mappers.push(groups_mapper());
    }
    let uuid = client.id.clone();
    change(console, realm, move |r| {
        // The realm's default and optional scopes (`profile` maps `preferred_username`).
        crate::defaults::assign_default_scopes(r, &mut client);
        r.add_client(client.clone())?;
        representation::ensure_service_accounts(r, &mut RandomMinter);
        Ok(())
    })
    .await?;
    Ok(Done {
        operation: "CREATE",
        resource: format!("client {client_id}"),
        message: format!("Client {client_id} created."),
        location: realm_url(realm, &format!("clients/{uuid}")),
    })
}

/// The group membership mapper into `groups` (short names), in every token.
fn groups_mapper() -> ProtocolMapper {
    let config: BTreeMap<String, String> = [
        ("full.path", "false"),
        ("claim.name", "groups"),
        ("id.token.claim", "true"),
        ("access.token.claim", "true"),
        ("userinfo.token.claim", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    ProtocolMapper {
        id: new_id(),
        name: "groups".into(),
        protocol_mapper: "oidc-group-membership-mapper".into(),
        config,
    }
}

async fn create_user(console: &Console, realm: &str, form: Form) -> Result<Done, String> {
    let username = forms::text(&form, "username")
        .ok_or("A user needs a username.")?
        .to_string();
    let mut user = User::new(new_id(), &username);
    user.email = forms::text(&form, "email").map(str::to_string);
    user.created_timestamp = (clock::now() * 1000) as i64;
    if let Some(password) = form.get("password").filter(|p| !p.is_empty()) {
        user.password_hash = Some(hash(password).await?);
        if forms::ticked(&form, "temporary") {
            user.required_actions.push("UPDATE_PASSWORD".into());
        }
    }
    let id = user.id.clone();
    let name = user.username.clone();
    change(console, realm, move |r| Ok(r.add_user(user.clone())?)).await?;
    Ok(Done {
        operation: "CREATE",
        resource: format!("user {name}"),
        message: format!("User {name} created."),
        location: realm_url(realm, &format!("users/{id}")),
    })
}

/// argon2id off the async workers.
async fn hash(password: &str) -> Result<String, String> {
    let password = password.to_string();
    blocking(move || hash_password(&password)).await
}

async fn create_group(console: &Console, realm: &str, form: Form) -> Result<Done, String> {
    let name = forms::text(&form, "name")
        .ok_or("A group needs a name.")?
        .to_string();
    let parent = forms::text(&form, "parent").map(str::to_string);
    let group = Group {
        id: new_id(),
        name: name.clone(),
        parent,
        roles: RoleMappings::default(),
        attributes: BTreeMap::new(),
    };
    let id = group.id.clone();
    let path = change(console, realm, move |r| {
        if let Some(p) = &group.parent
            && r.group(p).is_none()
        {
            return Err(invalid("The parent group does not exist."));
        }
        let id = group.id.clone();
        r.add_group(group.clone())?;
        Ok(r.group(&id).map(|g| r.group_path(g)).unwrap_or_default())
    })
    .await?;
    Ok(Done {
        operation: "CREATE",
        resource: format!("group {path}"),
        message: format!("Group {path} created."),
        location: realm_url(realm, &format!("groups/{id}")),
    })
}

async fn create_realm_role(console: &Console, realm: &str, form: Form) -> Result<Done, String> {
    let name = forms::text(&form, "name")
        .ok_or("A role needs a name.")?
        .to_string();
    let description = forms::text(&form, "description").map(str::to_string);
    let role = Role::new(new_id(), &name, description);
    change(console, realm, move |r| Ok(r.add_role(role.clone())?)).await?;
    Ok(Done {
        operation: "CREATE",
        resource: format!("realm role {name}"),
        message: format!("Realm role {name} created."),
        location: realm_url(realm, "roles"),
    })
}

async fn delete_realm(console: &Console, realm: &str, form: &Form) -> Result<Done, String> {
    if realm == MASTER {
        return Err("The master realm cannot be deleted.".into());
    }
    if !forms::ticked(form, "confirm") {
        return Err("Tick the box to confirm the deletion.".into());
    }
    let provider = console.provider.clone();
    let name = realm.to_string();
    blocking(move || provider.directory().delete_realm(&name))
        .await
        .map_err(|e| e.to_string())?;
    Ok(Done {
        operation: "DELETE",
        resource: format!("realm {realm}"),
        message: format!("Realm {realm} deleted."),
        location: "/admin/console/".into(),
    })
}

/// `POST /admin/console/realms/<realm>/<kind>/<id>/<action>`: a change to one client, user,
/// group or realm role.
pub async fn object(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Path((realm, kind, id, action)): Path<(String, String, String, String)>,
    body: Bytes,
) -> Response {
    let post = match check(&console, &headers, &body) {
        Ok(post) => post,
        Err(response) => return response,
    };
    let back = realm_url(&realm, &format!("{kind}/{id}"));
    let form = post.form.clone();
    let outcome = match (kind.as_str(), action.as_str()) {
        ("clients", _) => client_action(&console, &realm, &id, &action, form).await,
        ("users", _) => user_action(&console, &realm, &id, &action, form).await,
        ("groups", _) => group_action(&console, &realm, &id, &action, form).await,
        ("roles", "delete") => delete_realm_role(&console, &realm, &id).await,
        _ => return refused(StatusCode::NOT_FOUND, "No such action"),
    };
    let back = if kind == "roles" {
        realm_url(&realm, "roles")
    } else {
        back
    };
    finish(
        &console,
        &post.signed,
        &realm,
        outcome.map_err(|message| (message, back)),
    )
}

async fn client_action(
    console: &Console,
    realm: &str,
    uuid: &str,
    action: &str,
    form: Form,
) -> Result<Done, String> {
    let here = realm_url(realm, &format!("clients/{uuid}"));
    let id = uuid.to_string();
    let find = move |r: &mut Realm| -> Result<usize, DirectoryError> {
        r.clients
            .iter()
            .position(|c| c.id == id)
            .ok_or(DirectoryError::Model(ModelError::NotFound(
                "Client not found",
            )))
    };
    let (operation, resource, message, location) = match action {
        "secret" => {
            let client_id = change(console, realm, move |r| {
                let i = find(r)?;
                let c = &mut r.clients[i];
                if c.public_client {
                    return Err(invalid("A public client has no secret."));
                }
                c.secret = Some(random_token(24));
                Ok(c.client_id.clone())
            })
            .await?;
            (
                "UPDATE",
                format!("client {client_id}: secret regenerated"),
                format!("A new secret for {client_id}; the old one no longer works."),
                here,
            )
        }
        "redirect-uris" => {
            let uris = forms::uris(form.get("redirect_uris").map_or("", String::as_str));
            let client_id = change(console, realm, move |r| {
                let i = find(r)?;
                r.clients[i].redirect_uris = uris.clone();
                Ok(r.clients[i].client_id.clone())
            })
            .await?;
            (
                "UPDATE",
                format!("client {client_id}: redirect URIs"),
                format!("Redirect URIs of {client_id} saved."),
                here,
            )
        }
        "roles" => {
            let name = forms::text(&form, "name")
                .ok_or("A role needs a name.")?
                .to_string();
            let role = Role::new(new_id(), &name, None);
            let client_id = change(console, realm, move |r| {
                let i = find(r)?;
                let c = &mut r.clients[i];
                if c.roles.iter().any(|x| x.name == role.name) {
                    return Err(DirectoryError::Model(ModelError::Conflict {
                        what: "Role",
                        field: "name",
                    }));
                }
                c.roles.push(role.clone());
                Ok(c.client_id.clone())
            })
            .await?;
            (
                "CREATE",
                format!("client {client_id}: role {name}"),
                format!("Client role {name} created."),
                here,
            )
        }
        "roles/delete" => {
            let name = forms::text(&form, "name").ok_or("Which role?")?.to_string();
            let role = name.clone();
            let client_id = change(console, realm, move |r| {
                let i = find(r)?;
                let client_id = r.clients[i].client_id.clone();
                let before = r.clients[i].roles.len();
                r.clients[i].roles.retain(|x| x.name != role);
                if r.clients[i].roles.len() == before {
                    return Err(DirectoryError::Model(ModelError::NotFound(
                        "Role not found",
                    )));
                }
                r.forget_role(Some(&client_id), &role);
                Ok(client_id)
            })
            .await?;
            (
                "DELETE",
                format!("client {client_id}: role {name}"),
                format!("Client role {name} deleted."),
                here,
            )
        }
        "delete" => {
            let client_id = change(console, realm, move |r| {
                let i = find(r)?;
                let client = r.clients.remove(i);
                r.users
                    .retain(|u| u.service_account_client_id.as_deref() != Some(&client.client_id));
                Ok(client.client_id)
            })
            .await?;
            (
                "DELETE",
                format!("client {client_id}"),
                format!("Client {client_id} deleted."),
                realm_url(realm, "clients"),
            )
        }
        _ => return Err("No such action.".into()),
    };
    Ok(Done {
        operation,
        resource,
        message,
        location,
    })
}

async fn user_action(
    console: &Console,
    realm: &str,
    id: &str,
    action: &str,
    form: Form,
) -> Result<Done, String> {
    let here = realm_url(realm, &format!("users/{id}"));
    let user_id = id.to_string();
    let find = move |r: &Realm| -> Result<usize, DirectoryError> {
        r.users
            .iter()
            .position(|u| u.id == user_id)
            .ok_or(DirectoryError::Model(ModelError::NotFound(
                "User not found",
            )))
    };
    let (operation, what, message, location): (&'static str, String, String, String) = match action
    {
        "enabled" => {
            let enabled = form.get("enabled").is_some_and(|v| v == "true");
            let name = change(console, realm, move |r| {
                let i = find(r)?;
                r.users[i].enabled = enabled;
                Ok(r.users[i].username.clone())
            })
            .await?;
            let word = if enabled { "enabled" } else { "disabled" };
            (
                "UPDATE",
                format!("user {name}: {word}"),
                format!("User {name} {word}."),
                here,
            )
        }
        "password" => {
            let new = form.get("password").cloned().unwrap_or_default();
            password::check_new(&new, &new).map_err(str::to_string)?;
            let hashed = hash(&new).await?;
            let temporary = forms::ticked(&form, "temporary");
            let name = change(console, realm, move |r| {
                let i = find(r)?;
                let u = &mut r.users[i];
                u.password_hash = Some(hashed.clone());
                u.required_actions.retain(|a| a != "UPDATE_PASSWORD");
                if temporary {
                    u.required_actions.push("UPDATE_PASSWORD".into());
                }
                Ok(u.username.clone())
            })
            .await?;
            (
                "UPDATE",
                format!("user {name}: password reset"),
                format!("Password of {name} set."),
                here,
            )
        }
        "totp/reset" => {
            let name = change(console, realm, move |r| {
                let i = find(r)?;
                r.users[i].totp_secret = None;
                Ok(r.users[i].username.clone())
            })
            .await?;
            (
                "UPDATE",
                format!("user {name}: authenticator removed"),
                format!("The authenticator of {name} was removed."),
                here,
            )
        }
        "groups" | "groups/remove" => {
            let join = action == "groups";
            let group = form.get("group").cloned().ok_or("Which group?")?;
            let (name, path) = change(console, realm, move |r| {
                let path =
                    r.group(&group)
                        .map(|g| r.group_path(g))
                        .ok_or(DirectoryError::Model(ModelError::NotFound(
                            "Group not found",
                        )))?;
                let i = find(r)?;
                let u = &mut r.users[i];
                if join {
                    if !u.groups.contains(&group) {
                        u.groups.push(group.clone());
                    }
                } else {
                    u.groups.retain(|g| *g != group);
                }
                Ok((u.username.clone(), path))
            })
            .await?;
            let word = if join { "joined" } else { "left" };
            (
                "UPDATE",
                format!("user {name}: {word} {path}"),
                format!("User {name} {word} {path}."),
                here,
            )
        }
        "roles" | "roles/remove" => {
            let add = action == "roles";
            let role = form
                .get("role")
                .and_then(|v| RoleRef::parse(v))
                .ok_or("Which role?")?;
            let (name, label) = change(console, realm, move |r| {
                let (client_id, role_name) = resolve(r, &role)?;
                let i = find(r)?;
                let u = &mut r.users[i];
                if add {
                    u.roles.add(client_id.as_deref(), &role_name);
                } else {
                    u.roles.remove(client_id.as_deref(), &role_name);
                }
                Ok((
                    u.username.clone(),
                    role_label(client_id.as_deref(), &role_name),
                ))
            })
            .await?;
            let word = if add { "assigned" } else { "removed" };
            (
                "UPDATE",
                format!("user {name}: {label} {word}"),
                format!("Role {label} {word}."),
                here,
            )
        }
        "sessions/revoke" => {
            let which = form.get("session").cloned().ok_or("Which session?")?;
            let provider = console.provider.clone();
            let realm_name = realm.to_string();
            let uid = id.to_string();
            let (name, ended) = blocking(move || -> Result<(String, usize), String> {
                let r = provider.realm(&realm_name).map_err(|e| e.to_string())?;
                let name = r
                    .user(&uid)
                    .map(|u| u.username.clone())
                    .ok_or("User not found")?;
                let sessions = provider
                    .directory()
                    .sessions(&realm_name)
                    .map_err(|e| e.to_string())?;
                let mut ended = 0;
                for s in sessions
                    .iter()
                    .filter(|s| s.user_id == uid && (which == "all" || s.id == which))
                {
                    if provider.end_session(&r, &s.id) {
                        ended += 1;
                    }
                }
                Ok((name, ended))
            })
            .await?;
            (
                "DELETE",
                format!("user {name}: {ended} session(s) signed out"),
                format!(
                    "{ended} session(s) of {name} signed out; their refresh tokens no longer work."
                ),
                here,
            )
        }
        "delete" => {
            let name = change(console, realm, move |r| {
                let i = find(r)?;
                Ok(r.users.remove(i).username.clone())
            })
            .await?;
            (
                "DELETE",
                format!("user {name}"),
                format!("User {name} deleted."),
                realm_url(realm, "users"),
            )
        }
        _ => return Err("No such action.".into()),
    };
    Ok(Done {
        operation,
        resource: what,
        message,
        location,
    })
}

/// The client id (if a client role) and name of a role that exists.
fn resolve(r: &Realm, role: &RoleRef) -> Result<(Option<String>, String), DirectoryError> {
    let (client_id, name) = match role {
        RoleRef::Realm(name) => (None, name.clone()),
        RoleRef::Client { client, name } => {
            let c = r
                .client_by_id(client)
                .ok_or(DirectoryError::Model(ModelError::NotFound(
                    "Client not found",
                )))?;
            (Some(c.client_id.clone()), name.clone())
        }
    };
    if r.role_named(client_id.as_deref(), &name).is_none() {
        return Err(DirectoryError::Model(ModelError::NotFound(
            "Role not found",
        )));
    }
    Ok((client_id, name))
}

async fn group_action(
    console: &Console,
    realm: &str,
    id: &str,
    action: &str,
    form: Form,
) -> Result<Done, String> {
    let here = realm_url(realm, &format!("groups/{id}"));
    let group_id = id.to_string();
    match action {
        "roles" | "roles/remove" => {
            let add = action == "roles";
            let role = form
                .get("role")
                .and_then(|v| RoleRef::parse(v))
                .ok_or("Which role?")?;
            let (path, label) =
                change(console, realm, move |r| {
                    let (client_id, role_name) = resolve(r, &role)?;
                    let path = r.group(&group_id).map(|g| r.group_path(g)).ok_or(
                        DirectoryError::Model(ModelError::NotFound("Group not found")),
                    )?;
                    let g = r.groups.iter_mut().find(|g| g.id == group_id).ok_or(
                        DirectoryError::Model(ModelError::NotFound("Group not found")),
                    )?;
                    if add {
                        g.roles.add(client_id.as_deref(), &role_name);
                    } else {
                        g.roles.remove(client_id.as_deref(), &role_name);
                    }
                    Ok((path, role_label(client_id.as_deref(), &role_name)))
                })
                .await?;
            let word = if add { "assigned" } else { "removed" };
            Ok(Done {
                operation: "UPDATE",
                resource: format!("group {path}: {label} {word}"),
                message: format!("Role {label} {word}."),
                location: here,
            })
        }
        "delete" => {
            let path =
                change(console, realm, move |r| {
                    let path = r.group(&group_id).map(|g| r.group_path(g)).ok_or(
                        DirectoryError::Model(ModelError::NotFound("Group not found")),
                    )?;
                    r.remove_group(&group_id);
                    Ok(path)
                })
                .await?;
            Ok(Done {
                operation: "DELETE",
                resource: format!("group {path}"),
                message: format!("Group {path} deleted."),
                location: realm_url(realm, "groups"),
            })
        }
        _ => Err("No such action.".into()),
    }
}

async fn delete_realm_role(console: &Console, realm: &str, name: &str) -> Result<Done, String> {
    let role = name.to_string();
    change(console, realm, move |r| {
        let before = r.roles.len();
        r.roles.retain(|x| x.name != role);
        if r.roles.len() == before {
            return Err(DirectoryError::Model(ModelError::NotFound(
                "Role not found",
            )));
        }
        r.forget_role(None, &role);
        Ok(())
    })
    .await?;
    Ok(Done {
        operation: "DELETE",
        resource: format!("realm role {name}"),
        message: format!("Realm role {name} deleted."),
        location: realm_url(realm, "roles"),
    })
}

#[cfg(test)]
mod tests;
