//! The administration commands on a running provider, through Keycloak's admin REST API as
//! `kcadm.sh` uses it: a password grant of `admin-cli` in the admin's realm, then bearer requests
//! under `/admin/realms`. Keycloak's error bodies (`errorMessage`, `error`) are shown as they are.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use kubeward_idp::representation::{
    ClientRepresentation, CredentialRepresentation, GroupRepresentation, MappingsRepresentation,
    RealmRepresentation, RoleRepresentation, UserRepresentation,
};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::backend::{Backend, Holder, NewClient, NewUser, RoleChange};
use super::tables::{ClientRow, GroupRow, MappingRow, RealmRow, RoleRow, UserRow};

/// The client Keycloak's admin tools sign in with.
const ADMIN_CLI: &str = "admin-cli";
/// The device-grant switch among a client's attributes.
const DEVICE_GRANT: &str = "oauth2.device.authorization.grant.enabled";

/// How to reach and sign in to a provider.
pub struct Credentials {
    /// `https://host:port`, without a trailing `/`.
    pub server: String,
    /// The realm the admin belongs to (`master`).
    pub auth_realm: String,
    /// The admin's username.
    pub user: String,
    /// The admin's password.
    pub password: String,
    /// The CA of the provider's certificate, if not the system's roots.
    pub ca: Option<PathBuf>,
}

/// A signed-in admin session.
pub struct Online {
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
    server: String,
    user: String,
    token: String,
}

impl Online {
    /// Signs in (password grant of `admin-cli`).
    pub fn connect(credentials: Credentials) -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let http = kubeward_login::http::client(&kubeward_login::http::TlsOptions {
            certificate_authorities: credentials.ca.into_iter().collect(),
            ..Default::default()
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let token_url = format!(
            "{}/realms/{}/protocol/openid-connect/token",
            credentials.server, credentials.auth_realm
        );
        let answer: Value = runtime.block_on(async {
            let response = http
                .post(&token_url)
                .form(&[
                    ("grant_type", "password"),
                    ("client_id", ADMIN_CLI),
                    ("username", credentials.user.as_str()),
                    ("password", credentials.password.as_str()),
                ])
                .send()
                .await
                .map_err(|e| {
                    anyhow::anyhow!(
                        "cannot reach the identity provider at {}: {}",
                        credentials.server,
                        kubeward_login::http::chain(&e)
                    )
                })?;
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            if !status.is_success() {
                bail!(
                    "signing in to {} as {} failed: {}",
                    credentials.server,
                    credentials.user,
                    message(status, &body)
                );
            }
            Ok(body)
        })?;
        let token = answer["access_token"]
            .as_str()
            .context("the token endpoint answered no access_token")?
            .to_string();
        Ok(Self {
            runtime,
            http,
            server: credentials.server,
            user: credentials.user,
            token,
        })
    }

    /// Who is signed in.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// Sends a request under `/admin/realms` and returns the JSON answer (`Null` when empty).
    fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> anyhow::Result<Value> {
        let url = format!("{}/admin/realms{path}", self.server);
        self.runtime.block_on(async {
            let mut request = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(&self.token);
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await.map_err(|e| {
                anyhow::anyhow!("{method} {url}: {}", kubeward_login::http::chain(&e))
            })?;
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if !status.is_success() {
                bail!("the identity provider refused: {}", message(status, &body));
            }
            Ok(body)
        })
    }

    fn get<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let value = self.call(Method::GET, path, None::<&Value>)?;
        serde_json::from_value(value).with_context(|| format!("the answer to GET {path}"))
    }

    fn send(&self, method: Method, path: &str, body: &impl Serialize) -> anyhow::Result<Value> {
        self.call(method, path, Some(body))
    }

    fn delete(&self, path: &str) -> anyhow::Result<()> {
        self.call(Method::DELETE, path, None::<&Value>).map(drop)
    }

    /// The internal id of the client `client_id`.
    fn client_uuid(&self, realm: &str, client_id: &str) -> anyhow::Result<String> {
        let list: Vec<ClientRepresentation> = self.get(&format!("/{realm}/clients"))?;
        list.into_iter()
            .find(|c| c.client_id == client_id)
            .and_then(|c| c.id)
            .ok_or_else(|| anyhow::anyhow!("client {client_id:?} not found"))
    }

    /// The id of the user `username`.
    fn user_id(&self, realm: &str, username: &str) -> anyhow::Result<String> {
        let wanted = username.to_lowercase();
        let list: Vec<UserRepresentation> = self.get(&format!(
            "/{realm}/users?username={}&exact=true",
            encode(&wanted)
        ))?;
        list.into_iter()
            .find(|u| u.username == wanted)
            .and_then(|u| u.id)
            .ok_or_else(|| anyhow::anyhow!("user {username:?} not found"))
    }

    /// Every group of the realm, depth first, with its role mappings. As Keycloak 23+, the list
    /// holds the top-level groups and each group's subgroups are asked for under `…/children`.
    fn all_groups(&self, realm: &str) -> anyhow::Result<Vec<GroupRepresentation>> {
        let mut out = Vec::new();
        let top = self.get(&format!("/{realm}/groups?briefRepresentation=false"))?;
        self.with_subgroups(realm, top, &mut out)?;
        Ok(out)
    }

    /// Appends `list` to `out`, each group followed by its subgroups.
    fn with_subgroups(
        &self,
        realm: &str,
        list: Vec<GroupRepresentation>,
        out: &mut Vec<GroupRepresentation>,
    ) -> anyhow::Result<()> {
        for mut group in list {
            let mut children = std::mem::take(&mut group.sub_groups);
            if children.is_empty()
                && group.sub_group_count > 0
                && let Some(id) = &group.id
            {
                children = self.get(&format!(
                    "/{realm}/groups/{id}/children?briefRepresentation=false"
                ))?;
            }
            out.push(group);
            self.with_subgroups(realm, children, out)?;
        }
        Ok(())
    }

    /// The id of the group named `name` or at `/path`.
    fn group_id(&self, realm: &str, name: &str) -> anyhow::Result<String> {
        let groups = self.all_groups(realm)?;
        let found = if name.starts_with('/') {
            groups.iter().find(|g| g.path.as_deref() == Some(name))
        } else {
            groups.iter().find(|g| g.name == name)
        };
        found
            .and_then(|g| g.id.clone())
            .ok_or_else(|| anyhow::anyhow!("group {name:?} not found"))
    }

    /// `users/<id>` or `groups/<id>`.
    fn holder_path(&self, realm: &str, holder: Holder, name: &str) -> anyhow::Result<String> {
        Ok(match holder {
            Holder::User => format!("/{realm}/users/{}", self.user_id(realm, name)?),
            Holder::Group => format!("/{realm}/groups/{}", self.group_id(realm, name)?),
        })
    }
}

/// Keycloak's error message of an answer, after its status.
fn message(status: reqwest::StatusCode, body: &Value) -> String {
    let text = ["errorMessage", "error_description", "error"]
        .iter()
        .find_map(|key| body[key].as_str())
        .unwrap_or_default();
    if text.is_empty() {
        status.to_string()
    } else {
        format!("{status}: {text}")
    }
}

/// A query parameter value, percent-encoded.
fn encode(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)])
        .map(|s| s.trim_start_matches("v=").to_string())
        .unwrap_or_default()
}

impl Backend for Online {
    fn realms(&self) -> anyhow::Result<Vec<RealmRow>> {
        let list: Vec<RealmRepresentation> = self.get("")?;
        list.into_iter()
            .map(|r| {
                let name = r.realm;
                let clients: Vec<Value> = self.get(&format!("/{name}/clients"))?;
                let users: usize = self.get(&format!("/{name}/users/count"))?;
                Ok(RealmRow {
                    enabled: r.enabled.unwrap_or(true),
                    clients: clients.len(),
                    users,
                    groups: self.all_groups(&name)?.len(),
                    name,
                })
            })
            .collect()
    }

    fn create_realm(&self, name: &str) -> anyhow::Result<()> {
        self.send(Method::POST, "", &json!({"realm": name, "enabled": true}))
            .map(drop)
    }

    fn delete_realm(&self, name: &str) -> anyhow::Result<()> {
        self.delete(&format!("/{name}"))
    }

    fn import_realm(&self, rep: &RealmRepresentation) -> anyhow::Result<()> {
        self.send(Method::POST, "", rep).map(drop)
    }

    fn clients(&self, realm: &str) -> anyhow::Result<Vec<ClientRow>> {
        let list: Vec<ClientRepresentation> = self.get(&format!("/{realm}/clients"))?;
        Ok(list
            .into_iter()
            .map(|c| {
                let device = c
                    .attributes
                    .as_ref()
                    .and_then(|a| a.get(DEVICE_GRANT))
                    .is_some_and(|v| v == "true");
                let grants = [
                    (
                        c.standard_flow_enabled.unwrap_or(true),
                        "authorization_code",
                    ),
                    (c.direct_access_grants_enabled.unwrap_or(false), "password"),
                    (
                        c.service_accounts_enabled.unwrap_or(false),
                        "client_credentials",
                    ),
                    (device, "device_code"),
                ]
                .into_iter()
                .filter_map(|(on, name)| on.then_some(name))
                .collect();
                ClientRow {
                    client_id: c.client_id,
                    public: c.public_client.unwrap_or(false),
                    enabled: c.enabled.unwrap_or(true),
                    grants,
                    redirect_uris: c.redirect_uris.unwrap_or_default(),
                }
            })
            .collect())
    }

    fn create_client(&self, realm: &str, new: &NewClient) -> anyhow::Result<()> {
        let secret = (!new.public).then(|| {
            new.secret
                .clone()
                .unwrap_or_else(|| kubeward_idp::provider::random_token(24))
        });
        let rep = json!({
            "clientId": new.client_id,
            "enabled": true,
            "publicClient": new.public,
            "secret": secret,
            "redirectUris": new.redirect_uris,
            "serviceAccountsEnabled": new.service_account && !new.public,
            "protocol": "openid-connect",
        });
        self.send(Method::POST, &format!("/{realm}/clients"), &rep)
            .map(drop)
    }

    fn delete_client(&self, realm: &str, client_id: &str) -> anyhow::Result<()> {
        let id = self.client_uuid(realm, client_id)?;
        self.delete(&format!("/{realm}/clients/{id}"))
    }

    fn client_secret(
        &self,
        realm: &str,
        client_id: &str,
        regenerate: bool,
    ) -> anyhow::Result<String> {
        let id = self.client_uuid(realm, client_id)?;
        let path = format!("/{realm}/clients/{id}/client-secret");
        let answer = if regenerate {
            self.send(Method::POST, &path, &json!({}))?
        } else {
            self.get(&path)?
        };
        answer["value"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow::anyhow!("client {client_id:?} has no secret"))
    }

    fn users(&self, realm: &str) -> anyhow::Result<Vec<UserRow>> {
        let list: Vec<UserRepresentation> =
            self.get(&format!("/{realm}/users?max={}", i32::MAX))?;
        list.into_iter()
            .map(|u| {
                let id = u.id.unwrap_or_default();
                let groups: Vec<GroupRepresentation> =
                    self.get(&format!("/{realm}/users/{id}/groups"))?;
                Ok(UserRow {
                    username: u.username,
                    enabled: u.enabled.unwrap_or(true),
                    email: u.email.unwrap_or_default(),
                    groups: groups.into_iter().filter_map(|g| g.path).collect(),
                    id,
                })
            })
            .collect()
    }

    fn create_user(&self, realm: &str, new: &NewUser) -> anyhow::Result<()> {
        let rep = UserRepresentation {
            username: new.username.clone(),
            enabled: Some(true),
            email: new.email.clone(),
            credentials: new
                .password
                .iter()
                .map(|password| CredentialRepresentation {
                    kind: "password".into(),
                    value: Some(password.clone()),
                    temporary: Some(false),
                    ..Default::default()
                })
                .collect(),
            groups: new.groups.clone(),
            ..Default::default()
        };
        self.send(Method::POST, &format!("/{realm}/users"), &rep)
            .map(drop)
    }

    fn delete_user(&self, realm: &str, username: &str) -> anyhow::Result<()> {
        let id = self.user_id(realm, username)?;
        self.delete(&format!("/{realm}/users/{id}"))
    }

    fn groups(&self, realm: &str) -> anyhow::Result<Vec<GroupRow>> {
        self.all_groups(realm)?
            .into_iter()
            .map(|g| {
                let id = g.id.clone().unwrap_or_default();
                let members: Vec<Value> = self.get(&format!("/{realm}/groups/{id}/members"))?;
                Ok(GroupRow {
                    path: g.path.unwrap_or_default(),
                    members: members.len(),
                    realm_roles: g.realm_roles,
                    client_roles: g
                        .client_roles
                        .iter()
                        .flat_map(|(c, names)| names.iter().map(move |n| format!("{c}:{n}")))
                        .collect(),
                })
            })
            .collect()
    }

    fn create_group(&self, realm: &str, name: &str) -> anyhow::Result<()> {
        self.send(
            Method::POST,
            &format!("/{realm}/groups"),
            &json!({"name": name}),
        )
        .map(drop)
    }

    fn delete_group(&self, realm: &str, path: &str) -> anyhow::Result<()> {
        let id = self.group_id(realm, path)?;
        self.delete(&format!("/{realm}/groups/{id}"))
    }

    fn roles(&self, realm: &str, client: Option<&str>) -> anyhow::Result<Vec<RoleRow>> {
        let path = match client {
            Some(c) => format!("/{realm}/clients/{}/roles", self.client_uuid(realm, c)?),
            None => format!("/{realm}/roles"),
        };
        let list: Vec<RoleRepresentation> = self.get(&path)?;
        Ok(list
            .into_iter()
            .map(|r| RoleRow {
                name: r.name,
                description: r.description.unwrap_or_default(),
            })
            .collect())
    }

    fn create_role(&self, realm: &str, client: Option<&str>, name: &str) -> anyhow::Result<()> {
        let path = match client {
            Some(c) => format!("/{realm}/clients/{}/roles", self.client_uuid(realm, c)?),
            None => format!("/{realm}/roles"),
        };
        self.send(Method::POST, &path, &json!({"name": name}))
            .map(drop)
    }

    fn delete_role(&self, realm: &str, client: Option<&str>, name: &str) -> anyhow::Result<()> {
        let path = match client {
            Some(c) => format!(
                "/{realm}/clients/{}/roles/{}",
                self.client_uuid(realm, c)?,
                encode(name)
            ),
            None => format!("/{realm}/roles/{}", encode(name)),
        };
        self.delete(&path)
    }

    fn mappings(&self, realm: &str, holder: Holder, name: &str) -> anyhow::Result<Vec<MappingRow>> {
        let base = self.holder_path(realm, holder, name)?;
        let all: MappingsRepresentation = self.get(&format!("{base}/role-mappings"))?;
        let mut rows: Vec<MappingRow> = all
            .realm_mappings
            .unwrap_or_default()
            .into_iter()
            .map(|r| MappingRow {
                role: r.name,
                client: String::new(),
            })
            .collect();
        for (client, mappings) in all.client_mappings.unwrap_or_default() {
            rows.extend(mappings.mappings.into_iter().map(|r| MappingRow {
                role: r.name,
                client: client.clone(),
            }));
        }
        Ok(rows)
    }

    fn change_roles(&self, realm: &str, change: &RoleChange<'_>) -> anyhow::Result<()> {
        let base = self.holder_path(realm, change.holder, change.name)?;
        let (roles_path, mappings_path) = match change.client {
            Some(c) => {
                let id = self.client_uuid(realm, c)?;
                (
                    format!("/{realm}/clients/{id}/roles"),
                    format!("{base}/role-mappings/clients/{id}"),
                )
            }
            None => (
                format!("/{realm}/roles"),
                format!("{base}/role-mappings/realm"),
            ),
        };
        let known: Vec<RoleRepresentation> = self.get(&roles_path)?;
        let mut body = Vec::new();
        for name in change.roles {
            let role = known
                .iter()
                .find(|r| &r.name == name)
                .ok_or_else(|| anyhow::anyhow!("role {name:?} not found"))?;
            body.push(json!({"id": role.id, "name": role.name}));
        }
        let method = if change.add {
            Method::POST
        } else {
            Method::DELETE
        };
        self.send(method, &mappings_path, &body).map(drop)
    }
}
