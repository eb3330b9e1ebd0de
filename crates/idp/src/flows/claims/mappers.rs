//! Keycloak's OpenID Connect protocol mappers: what each mapper type adds to a token, from the
//! user, the session and the realm's roles. The mappers of a token are those of its client
//! scopes (see `applied_scopes`) and then the client's own; a mapper writes a claim to a token
//! kind when its config says so (`access.token.claim`, `id.token.claim`,
//! `userinfo.token.claim`; absent means off).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::{Target, TokenContext, applied_scopes};
use crate::flows::web_origins::origin_of;
use crate::model::{ProtocolMapper, RoleMappings, User};

/// The roles a token of `ctx` carries: the user's effective roles, and, for a client without
/// full scope, only those its own roles, its scope mappings and its client scopes' scope
/// mappings allow (Keycloak's role scope).
pub fn token_roles(ctx: &TokenContext<'_>) -> RoleMappings {
    let roles = ctx.realm.effective_roles(ctx.user);
    let client = ctx.client;
    if client.full_scope_allowed {
        return roles;
    }
    let scopes = applied_scopes(ctx.realm, client, ctx.scope);
    let allowed = |owner: Option<&str>, name: &str| {
        owner == Some(client.client_id.as_str())
            || client.scope_mappings.names(owner).iter().any(|n| n == name)
            || scopes
                .iter()
                .any(|s| s.scope_mappings.names(owner).iter().any(|n| n == name))
    };
    let mut out = RoleMappings::default();
    for name in roles.realm.iter().filter(|n| allowed(None, n)) {
        out.add(None, name);
    }
    for (owner, names) in &roles.client {
        for name in names.iter().filter(|n| allowed(Some(owner), n)) {
            out.add(Some(owner), name);
        }
    }
    out
}

fn enabled(mapper: &ProtocolMapper, target: Target) -> bool {
    mapper
        .config
        .get(target.config_key())
        .is_some_and(|v| v == "true")
}

/// Adds the claims of the token's mappers for `target`.
pub(super) fn apply(ctx: &TokenContext<'_>, target: Target, claims: &mut Map<String, Value>) {
    let scopes = applied_scopes(ctx.realm, ctx.client, ctx.scope);
    let mappers = scopes
        .iter()
        .flat_map(|s| s.protocol_mappers.iter())
        .chain(ctx.client.protocol_mappers.iter());
    let mut roles: Option<RoleMappings> = None;
    for mapper in mappers {
        if !enabled(mapper, target) {
            continue;
        }
        let roles = roles.get_or_insert_with(|| token_roles(ctx));
        map(ctx, mapper, roles, claims);
    }
}

fn map(
    ctx: &TokenContext<'_>,
    mapper: &ProtocolMapper,
    roles: &RoleMappings,
    claims: &mut Map<String, Value>,
) {
    let config = &mapper.config;
    let get = |k: &str| config.get(k).map(String::as_str);
    let claim_name = get("claim.name");
    let json_type = get("jsonType.label").unwrap_or("String");
    let multivalued = get("multivalued") == Some("true");
    match mapper.protocol_mapper.as_str() {
        "oidc-usermodel-attribute-mapper" | "oidc-usermodel-property-mapper" => {
            let (Some(name), Some(attr)) = (claim_name, get("user.attribute")) else {
                return;
            };
            let Some(values) = user_value(ctx.user, attr) else {
                return;
            };
            let typed: Vec<Value> = values.iter().map(|v| typed(v, json_type)).collect();
            let value = if multivalued {
                Value::Array(typed)
            } else {
                match typed.into_iter().next() {
                    Some(v) => v,
                    None => return,
                }
            };
            set_claim(claims, name, value);
        }
        "oidc-full-name-mapper" => {
            if let Some(name) = ctx.user.full_name() {
                claims.insert("name".into(), json!(name));
            }
        }
        "oidc-sub-mapper" => {
            claims.insert("sub".into(), json!(ctx.user.id));
        }
        "oidc-acr-mapper" => {
            claims.insert("acr".into(), json!("1"));
        }
        "oidc-usersessionmodel-note-mapper" => {
            if get("user.session.note") == Some("AUTH_TIME")
                && let (Some(name), Some(t)) = (claim_name, ctx.auth_time)
            {
                set_claim(claims, name, json!(t));
            }
        }
        "oidc-allowed-origins-mapper" => {
            let origins = allowed_origins(ctx);
            if !origins.is_empty() {
                claims.insert("allowed-origins".into(), json!(origins));
            }
        }
        "oidc-group-membership-mapper" => {
            let full_path = get("full.path").is_none_or(|v| v == "true");
            let groups: Vec<String> = ctx
                .realm
                .user_groups(ctx.user)
                .into_iter()
                .map(|g| {
                    if full_path {
                        ctx.realm.group_path(g)
                    } else {
                        g.name.clone()
                    }
                })
                .collect();
            set_claim(claims, claim_name.unwrap_or("groups"), json!(groups));
        }
        "oidc-usermodel-client-role-mapper" => {
            let only = get("usermodel.clientRoleMapping.clientId").filter(|c| !c.is_empty());
            let prefix = get("usermodel.clientRoleMapping.rolePrefix").unwrap_or("");
            let name = claim_name.unwrap_or("resource_access.${client_id}.roles");
            for (client_id, names) in &roles.client {
                if only.is_some_and(|c| c != client_id) || names.is_empty() {
                    continue;
                }
                let prefix = prefix.replace("${client_id}", client_id);
                let list: Vec<String> = names.iter().map(|r| format!("{prefix}{r}")).collect();
                set_claim(
                    claims,
                    &name.replace("${client_id}", client_id),
                    json!(list),
                );
            }
        }
        "oidc-usermodel-realm-role-mapper" => {
            let prefix = get("usermodel.realmRoleMapping.rolePrefix").unwrap_or("");
            let names: Vec<String> = roles.realm.iter().map(|r| format!("{prefix}{r}")).collect();
            if !names.is_empty() {
                set_claim(
                    claims,
                    claim_name.unwrap_or("realm_access.roles"),
                    json!(names),
                );
            }
        }
        "oidc-audience-resolve-mapper" => {
            let others = roles
                .client
                .iter()
                .filter(|(c, names)| **c != ctx.client.client_id && !names.is_empty())
                .map(|(c, _)| c.clone());
            add_audiences(claims, others);
        }
        "oidc-audience-mapper" => {
            let listed = ["included.client.audience", "included.custom.audience"]
                .into_iter()
                .filter_map(|k| get(k).filter(|a| !a.is_empty()).map(str::to_string));
            add_audiences(claims, listed);
        }
        "oidc-hardcoded-claim-mapper" => {
            if let (Some(name), Some(value)) = (claim_name, get("claim.value")) {
                set_claim(claims, name, typed(value, json_type));
            }
        }
        "oidc-address-mapper" => {
            let mut address = Map::new();
            for part in [
                "formatted",
                "street_address",
                "locality",
                "region",
                "postal_code",
                "country",
            ] {
                let attr = get(&format!("user.attribute.{part}")).unwrap_or(part);
                if let Some(v) = ctx.user.attributes.get(attr).and_then(|v| v.first()) {
                    address.insert(part.into(), json!(v));
                }
            }
            if !address.is_empty() {
                claims.insert("address".into(), Value::Object(address));
            }
        }
        _ => {}
    }
}

/// The value(s) of a user property or attribute, as Keycloak's user model reads them.
fn user_value(user: &User, name: &str) -> Option<Vec<String>> {
    let one = |v: Option<&String>| v.map(|v| vec![v.clone()]);
    match name {
        "username" => Some(vec![user.username.clone()]),
        "email" => one(user.email.as_ref()),
        "firstName" => one(user.first_name.as_ref()),
        "lastName" => one(user.last_name.as_ref()),
        "emailVerified" => Some(vec![user.email_verified.to_string()]),
        "enabled" => Some(vec![user.enabled.to_string()]),
        "id" => Some(vec![user.id.clone()]),
        "createdTimestamp" => Some(vec![user.created_timestamp.to_string()]),
        other => user
            .attributes
            .get(other)
            .filter(|v| !v.is_empty())
            .cloned(),
    }
}

/// A claim value of the mapper's `jsonType.label`.
fn typed(value: &str, json_type: &str) -> Value {
    match json_type {
        "long" | "int" => value
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(json!(value)),
        "boolean" => match value {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => json!(value),
        },
        "JSON" => serde_json::from_str(value).unwrap_or(json!(value)),
        _ => json!(value),
    }
}

/// The client's web origins with `+` resolved to the origins of its redirect URIs.
fn allowed_origins(ctx: &TokenContext<'_>) -> Vec<String> {
    let client = ctx.client;
    let mut origins: BTreeSet<String> = BTreeSet::new();
    for w in &client.web_origins {
        if w == "+" {
            origins.extend(
                client
                    .redirect_uris
                    .iter()
                    .filter_map(|u| origin_of(u))
                    .map(str::to_string),
            );
        } else {
            origins.insert(w.clone());
        }
    }
    origins.into_iter().collect()
}

/// Adds audiences to `aud` (a string for one, a list for more, as Keycloak writes it).
fn add_audiences(claims: &mut Map<String, Value>, more: impl Iterator<Item = String>) {
    let mut audiences: BTreeSet<String> = match claims.get("aud") {
        Some(Value::String(s)) => [s.clone()].into(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => BTreeSet::new(),
    };
    audiences.extend(more);
    let list: Vec<String> = audiences.into_iter().collect();
    match list.as_slice() {
        [] => {}
        [one] => {
            claims.insert("aud".into(), json!(one));
        }
        _ => {
            claims.insert("aud".into(), json!(list));
        }
    }
}

/// Sets a claim whose name may be a dotted path (`resource_access.x.roles`); `\.` is a dot
/// inside a name, as Keycloak's mappers read it.
fn set_claim(claims: &mut Map<String, Value>, name: &str, value: Value) {
    let mut parts: Vec<String> = vec![String::new()];
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'.') => {
                chars.next();
                if let Some(last) = parts.last_mut() {
                    last.push('.');
                }
            }
            '.' => parts.push(String::new()),
            c => {
                if let Some(last) = parts.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    let Some((last, path)) = parts.split_last() else {
        return;
    };
    let mut map = claims;
    for part in path {
        let entry = map
            .entry(part.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(inner) = entry else { return };
        map = inner;
    }
    // Two mappers writing one multivalued claim add up, as Keycloak's `mapClaim` merges lists.
    if let (Some(Value::Array(existing)), Value::Array(more)) = (map.get_mut(last), &value) {
        for v in more {
            if !existing.contains(v) {
                existing.push(v.clone());
            }
        }
        return;
    }
    map.insert(last.clone(), value);
}
