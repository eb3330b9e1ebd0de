//! The console's pages: the sign-in form, the realms, and one realm's clients, users, groups,
//! roles and events, each read from the realm as it is now.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

use super::super::{clock, pages};
use super::forms::RoleRef;
use super::templates::{
    self, Choice, ClientPage, ClientRow, ClientsPage, EventRow, EventsPage, GroupPage, GroupRow,
    GroupsPage, KeyRow, LoginPage, RealmPage, RealmRow, RealmsPage, RolesPage, SessionRow,
    UserPage, UserRow, UsersPage,
};
use super::{Console, Signed, refused, to_sign_in};
use crate::model::{Client, Realm, RoleMappings};
use crate::provider::random_token;

/// The cookie of the sign-in form's token.
pub const LOGIN_COOKIE: &str = "KUBEWARD_ADMIN_CONSOLE_LOGIN";

/// `/admin/console/`: the realms, or the sign-in form.
pub async fn home(State(console): State<Arc<Console>>, headers: HeaderMap) -> Response {
    let Some(signed) = console.signed(&headers, clock::now()) else {
        let token = random_token(24);
        let cookie = HeaderValue::from_str(&format!(
            "{LOGIN_COOKIE}={token}; Path=/admin/console; Secure; HttpOnly; SameSite=Strict"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"));
        let page = LoginPage {
            frame: templates::Frame::default(),
            login_csrf: token,
        };
        return pages::render(StatusCode::OK, &page, vec![cookie]);
    };
    let realms = console
        .provider
        .directory()
        .realms()
        .iter()
        .map(|r| RealmRow {
            name: r.name.clone(),
            enabled: r.enabled,
            clients: r.clients.len(),
            users: r.users.len(),
            groups: r.groups.len(),
        })
        .collect();
    let page = RealmsPage {
        frame: signed.frame(None, ""),
        realms,
    };
    pages::render(StatusCode::OK, &page, Vec::new())
}

/// The realm of the path, for a signed-in request.
#[allow(clippy::result_large_err)] // the Err is the answer itself, returned at once
fn open(
    console: &Console,
    headers: &HeaderMap,
    name: &str,
) -> Result<(Signed, Arc<Realm>), Response> {
    let signed = console
        .signed(headers, clock::now())
        .ok_or_else(to_sign_in)?;
    let realm = console
        .provider
        .directory()
        .realm(name)
        .ok_or_else(|| refused(StatusCode::NOT_FOUND, "Realm does not exist"))?;
    Ok((signed, realm))
}

/// `/admin/console/realms/<realm>`: counts and signing keys.
pub async fn realm(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let (signed, realm) = match open(&console, &headers, &name) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let keys = console
        .provider
        .directory()
        .keys(&realm.name)
        .unwrap_or_default()
        .into_iter()
        .map(|k| KeyRow {
            kid: k.kid,
            algorithm: k.algorithm,
            status: if k.retired.is_some() {
                "retired"
            } else {
                "active"
            },
        })
        .collect();
    let page = RealmPage {
        frame: signed.frame(Some(&realm.name), "realm"),
        name: realm.name.clone(),
        issuer: console.issuer(&realm.name),
        clients: realm.clients.len(),
        users: realm.users.len(),
        groups: realm.groups.len(),
        roles: realm.roles.len(),
        keys,
    };
    pages::render(StatusCode::OK, &page, Vec::new())
}

/// `/admin/console/realms/<realm>/<section>`: clients, users, groups, roles or events.
pub async fn section(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Path((name, section)): Path<(String, String)>,
) -> Response {
    let (signed, realm) = match open(&console, &headers, &name) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let r = &realm;
    match section.as_str() {
        "clients" => {
            let page = ClientsPage {
                frame: signed.frame(Some(&r.name), "clients"),
                realm: r.name.clone(),
                clients: r
                    .clients
                    .iter()
                    .map(|c| ClientRow {
                        uuid: c.id.clone(),
                        client_id: c.client_id.clone(),
                        kind: if c.public_client {
                            "public"
                        } else {
                            "confidential"
                        },
                        enabled: c.enabled,
                        grants: grants(c),
                    })
                    .collect(),
            };
            pages::render(StatusCode::OK, &page, Vec::new())
        }
        "users" => {
            let page = UsersPage {
                frame: signed.frame(Some(&r.name), "users"),
                realm: r.name.clone(),
                users: r
                    .users
                    .iter()
                    .filter(|u| u.service_account_client_id.is_none())
                    .map(|u| UserRow {
                        id: u.id.clone(),
                        username: u.username.clone(),
                        enabled: u.enabled,
                        email: u.email.clone().unwrap_or_default(),
                        groups: r
                            .user_groups(u)
                            .iter()
                            .map(|g| r.group_path(g))
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
                    .collect(),
            };
            pages::render(StatusCode::OK, &page, Vec::new())
        }
        "groups" => {
            let page = GroupsPage {
                frame: signed.frame(Some(&r.name), "groups"),
                realm: r.name.clone(),
                groups: r
                    .groups
                    .iter()
                    .map(|g| GroupRow {
                        id: g.id.clone(),
                        path: r.group_path(g),
                        members: r.users.iter().filter(|u| u.groups.contains(&g.id)).count(),
                    })
                    .collect(),
            };
            pages::render(StatusCode::OK, &page, Vec::new())
        }
        "roles" => {
            let page = RolesPage {
                frame: signed.frame(Some(&r.name), "roles"),
                realm: r.name.clone(),
                roles: r
                    .roles
                    .iter()
                    .map(|role| Choice {
                        value: role.description.clone().unwrap_or_default(),
                        label: role.name.clone(),
                    })
                    .collect(),
            };
            pages::render(StatusCode::OK, &page, Vec::new())
        }
        "events" => {
            let page = EventsPage {
                frame: signed.frame(Some(&r.name), "events"),
                realm: r.name.clone(),
                events: console
                    .events
                    .of_realm(&r.name)
                    .into_iter()
                    .map(|e| EventRow {
                        time: templates::utc(e.time),
                        admin: e.admin,
                        operation: e.operation,
                        resource: e.resource,
                    })
                    .collect(),
            };
            pages::render(StatusCode::OK, &page, Vec::new())
        }
        _ => refused(StatusCode::NOT_FOUND, "No such page"),
    }
}

/// `/admin/console/realms/<realm>/<kind>/<id>`: one client, user or group.
pub async fn object(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Path((name, kind, id)): Path<(String, String, String)>,
) -> Response {
    let (signed, realm) = match open(&console, &headers, &name) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let r = &realm;
    let missing = |what: &str| refused(StatusCode::NOT_FOUND, &format!("{what} not found"));
    match kind.as_str() {
        "clients" => {
            let Some(c) = r.client_by_id(&id) else {
                return missing("Client");
            };
            let page = ClientPage {
                frame: signed.frame(Some(&r.name), "clients"),
                realm: r.name.clone(),
                uuid: c.id.clone(),
                client_id: c.client_id.clone(),
                public: c.public_client,
                secret: (!c.public_client).then(|| c.secret.clone()).flatten(),
                grants: grants(c),
                redirect_uris: c.redirect_uris.join("\n"),
                roles: c.roles.iter().map(|role| role.name.clone()).collect(),
            };
            pages::render(StatusCode::OK, &page, Vec::new())
        }
        "users" => {
            let Some(u) = r.user(&id) else {
                return missing("User");
            };
            let groups: Vec<Choice> = r
                .user_groups(u)
                .iter()
                .map(|g| Choice {
                    value: g.id.clone(),
                    label: r.group_path(g),
                })
                .collect();
            let other_groups = r
                .groups
                .iter()
                .filter(|g| !u.groups.contains(&g.id))
                .map(|g| Choice {
                    value: g.id.clone(),
                    label: r.group_path(g),
                })
                .collect();
            let sessions = console
                .provider
                .directory()
                .sessions(&r.name)
                .unwrap_or_default()
                .into_iter()
                .filter(|s| s.user_id == u.id && !s.ended)
                .map(|s| {
                    let mut clients: Vec<String> =
                        s.families.values().map(|f| f.client_id.clone()).collect();
                    clients.sort();
                    clients.dedup();
                    SessionRow {
                        id: s.id.clone(),
                        started: templates::utc(s.started),
                        last: templates::utc(s.last_refresh.max(s.started)),
                        clients: clients.join(", "),
                    }
                })
                .collect();
            let page = UserPage {
                frame: signed.frame(Some(&r.name), "users"),
                realm: r.name.clone(),
                id: u.id.clone(),
                username: u.username.clone(),
                email: u.email.clone().unwrap_or_default(),
                enabled: u.enabled,
                totp: u.totp_secret.is_some(),
                required_actions: u.required_actions.join(", "),
                groups,
                other_groups,
                roles: mapped(r, &u.roles),
                assignable: assignable(r, &u.roles),
                sessions,
            };
            pages::render(StatusCode::OK, &page, Vec::new())
        }
        "groups" => {
            let Some(g) = r.group(&id) else {
                return missing("Group");
            };
            let page = GroupPage {
                frame: signed.frame(Some(&r.name), "groups"),
                realm: r.name.clone(),
                id: g.id.clone(),
                path: r.group_path(g),
                members: r
                    .users
                    .iter()
                    .filter(|u| u.groups.contains(&g.id))
                    .map(|u| u.username.clone())
                    .collect(),
                roles: mapped(r, &g.roles),
                assignable: assignable(r, &g.roles),
            };
            pages::render(StatusCode::OK, &page, Vec::new())
        }
        _ => refused(StatusCode::NOT_FOUND, "No such page"),
    }
}

/// The grants a client may use, by OAuth name.
fn grants(c: &Client) -> String {
    [
        (c.standard_flow_enabled, "authorization_code"),
        (c.direct_access_grants_enabled, "password"),
        (c.service_accounts_enabled, "client_credentials"),
        (c.device_authorization_grant_enabled, "device_code"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect::<Vec<_>>()
    .join(", ")
}

/// How a role is shown: `NAME (realm role)` or `NAME (client CLIENT_ID)`.
pub fn role_label(client_id: Option<&str>, name: &str) -> String {
    match client_id {
        Some(c) => format!("{name} (client {c})"),
        None => format!("{name} (realm role)"),
    }
}

/// The roles of mappings, as choices.
fn mapped(r: &Realm, m: &RoleMappings) -> Vec<Choice> {
    let mut out: Vec<Choice> = m
        .realm
        .iter()
        .map(|name| Choice {
            value: RoleRef::Realm(name.clone()).value(),
            label: role_label(None, name),
        })
        .collect();
    for (client_id, names) in &m.client {
        let Some(client) = r.client(client_id) else {
            continue;
        };
        out.extend(names.iter().map(|name| {
            Choice {
                value: RoleRef::Client {
                    client: client.id.clone(),
                    name: name.clone(),
                }
                .value(),
                label: role_label(Some(client_id), name),
            }
        }));
    }
    out
}

/// The realm and client roles not in the mappings yet.
fn assignable(r: &Realm, m: &RoleMappings) -> Vec<Choice> {
    let mut out: Vec<Choice> = r
        .roles
        .iter()
        .filter(|role| !m.realm.contains(&role.name))
        .map(|role| Choice {
            value: RoleRef::Realm(role.name.clone()).value(),
            label: role_label(None, &role.name),
        })
        .collect();
    for c in &r.clients {
        let given = m.client.get(&c.client_id);
        out.extend(
            c.roles
                .iter()
                .filter(|role| !given.is_some_and(|g| g.contains(&role.name)))
                .map(|role| Choice {
                    value: RoleRef::Client {
                        client: c.id.clone(),
                        name: role.name.clone(),
                    }
                    .value(),
                    label: role_label(Some(&c.client_id), &role.name),
                }),
        );
    }
    out
}
