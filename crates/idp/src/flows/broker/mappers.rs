//! The identity provider mappers kubeward carries out, as Keycloak's: what an upstream login
//! sets on the user it logs in. A first login runs every mapper; later logins (and refreshes
//! of a brokered session) run the mappers whose sync mode is `FORCE`, which also take back what
//! no longer matches (a group the upstream no longer names is left).
//!
//! Claims are looked up as Keycloak's `AbstractClaimMapper` does: a dotted name walks nested
//! objects (`\.` is a literal dot), and a list matches when one of its items does.

use regex::Regex;
use serde_json::Value;

use super::BrokerError;
use crate::model::{IdentityProviderMapper, Realm, SyncMode, User};

/// A mapper type: Keycloak's id, name, category, help text and settings
/// (`name`, `label`, `type`).
#[derive(Debug, Clone, Copy)]
pub struct MapperType {
    /// Keycloak's id (`identityProviderMapper`).
    pub id: &'static str,
    /// Its name in the admin console.
    pub name: &'static str,
    /// Its category.
    pub category: &'static str,
    /// What it does.
    pub help: &'static str,
    /// Its settings.
    pub properties: &'static [(&'static str, &'static str, &'static str)],
}

/// Imports a claim into a user attribute (or `email`, `firstName`, `lastName`, `username`).
pub const ATTRIBUTE_IMPORTER: &str = "oidc-user-attribute-idp-mapper";
/// Joins a group when the claims match.
pub const ADVANCED_CLAIM_TO_GROUP: &str = "oidc-advanced-group-idp-mapper";
/// Joins a group.
pub const HARDCODED_GROUP: &str = "oidc-hardcoded-group-idp-mapper";
/// Grants a role when a claim has a value.
pub const CLAIM_TO_ROLE: &str = "oidc-role-idp-mapper";
/// Grants a role when the claims match.
pub const ADVANCED_CLAIM_TO_ROLE: &str = "oidc-advanced-role-idp-mapper";
/// Grants a role.
pub const HARDCODED_ROLE: &str = "oidc-hardcoded-role-idp-mapper";
/// Sets an attribute to a fixed value.
pub const HARDCODED_ATTRIBUTE: &str = "hardcoded-attribute-idp-mapper";
/// Makes the username of a new user from a template.
pub const USERNAME_TEMPLATE: &str = "oidc-username-idp-mapper";

const SYNC: (&str, &str, &str) = ("syncMode", "Sync mode override", "List");
const CLAIMS: (&str, &str, &str) = ("claims", "Claims", "ClaimList");
const REGEX: (&str, &str, &str) = ("are.claim.values.regex", "Regex Claim Values", "boolean");

/// The mapper types kubeward carries out.
pub const MAPPER_TYPES: &[MapperType] = &[
    MapperType {
        id: ATTRIBUTE_IMPORTER,
        name: "Attribute Importer",
        category: "Attribute Importer",
        help: "Import declared claim if it exists in ID, access token or the claim set returned by the user profile endpoint into the specified user property or attribute.",
        properties: &[
            SYNC,
            ("claim", "Claim", "String"),
            (
                "user.attribute",
                "User Attribute Name",
                "UserProfileAttributeList",
            ),
        ],
    },
    MapperType {
        id: ADVANCED_CLAIM_TO_GROUP,
        name: "Advanced Claim to Group",
        category: "Group Importer",
        help: "If all claims exists, grant the user the specified group membership.",
        properties: &[SYNC, CLAIMS, REGEX, ("group", "Group", "Group")],
    },
    MapperType {
        id: HARDCODED_GROUP,
        name: "Hardcoded Group",
        category: "Group Importer",
        help: "When user is imported from provider, hardcode a group mapping for it.",
        properties: &[SYNC, ("group", "Group", "Group")],
    },
    MapperType {
        id: CLAIM_TO_ROLE,
        name: "Claim to Role",
        category: "Role Importer",
        help: "If a claim exists, grant the user the specified realm or client role.",
        properties: &[
            SYNC,
            ("claim", "Claim", "String"),
            ("claim.value", "Claim Value", "String"),
            ("role", "Role", "Role"),
        ],
    },
    MapperType {
        id: ADVANCED_CLAIM_TO_ROLE,
        name: "Advanced Claim to Role",
        category: "Role Importer",
        help: "If all claims exists, grant the user the specified realm or client role.",
        properties: &[SYNC, CLAIMS, REGEX, ("role", "Role", "Role")],
    },
    MapperType {
        id: HARDCODED_ROLE,
        name: "Hardcoded Role",
        category: "Role Importer",
        help: "When user is imported from provider, hardcode a role mapping for it.",
        properties: &[SYNC, ("role", "Role", "Role")],
    },
    MapperType {
        id: HARDCODED_ATTRIBUTE,
        name: "Hardcoded Attribute",
        category: "Attribute Importer",
        help: "When user is imported from provider, hardcode a value to a specific user attribute.",
        properties: &[
            SYNC,
            ("attribute", "User Attribute", "UserProfileAttributeList"),
            ("attribute.value", "User Attribute Value", "String"),
        ],
    },
    MapperType {
        id: USERNAME_TEMPLATE,
        name: "Username Template Importer",
        category: "Preprocessor",
        help: "Format the username to import.",
        properties: &[
            SYNC,
            ("template", "Template", "String"),
            ("target", "Target", "List"),
        ],
    },
];

/// The values of a claim: a dotted name walks nested objects (`\.` is a literal dot); a list
/// gives its items; numbers and booleans give their text.
pub fn claim_values(claims: &Value, name: &str) -> Vec<String> {
    let mut node = claims;
    for part in split_path(name) {
        match node.get(&part) {
            Some(next) => node = next,
            None => return Vec::new(),
        }
    }
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    match node {
        Value::Array(items) => items.iter().filter_map(text).collect(),
        other => text(other).into_iter().collect(),
    }
}

/// Splits a claim name at its unescaped dots.
fn split_path(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'.') => {
                chars.next();
                current.push('.');
            }
            '.' => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    parts.push(current);
    parts
}

/// Whether every `{key, value}` of an advanced mapper's `claims` setting matches (a regular
/// expression over the whole value when `are.claim.values.regex` is on).
fn all_claims_match(mapper: &IdentityProviderMapper, claims: &Value) -> Result<bool, BrokerError> {
    let wanted: Vec<Value> = serde_json::from_str(mapper.config("claims").unwrap_or("[]"))
        .map_err(|e| BrokerError::Mapper(format!("mapper {}: claims: {e}", mapper.name)))?;
    let regex = mapper.config("are.claim.values.regex") == Some("true");
    for pair in &wanted {
        let key = pair.get("key").and_then(Value::as_str).unwrap_or("");
        let value = pair.get("value").and_then(Value::as_str).unwrap_or("");
        let values = claim_values(claims, key);
        let matched = if regex {
            let re = Regex::new(&format!("^(?:{value})$"))
                .map_err(|e| BrokerError::Mapper(format!("mapper {}: {e}", mapper.name)))?;
            values.iter().any(|v| re.is_match(v))
        } else {
            values.iter().any(|v| v == value)
        };
        if !matched {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The username of a new user: the username template importer's, else the identity's.
/// The template replaces `${ALIAS}` and `${CLAIM.<name>}`; `| lowercase` and `| uppercase`
/// after the name change its case.
pub fn username(
    mappers: &[&IdentityProviderMapper],
    alias: &str,
    claims: &Value,
) -> Option<String> {
    let template = mappers
        .iter()
        .find(|m| m.identity_provider_mapper == USERNAME_TEMPLATE)?
        .config("template")
        .unwrap_or("${ALIAS}.${CLAIM.preferred_username}");
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let expr = &rest[start + 2..start + end];
        let (name, transform) = match expr.split_once('|') {
            Some((n, t)) => (n.trim(), Some(t.trim())),
            None => (expr.trim(), None),
        };
        let value = if name == "ALIAS" {
            alias.to_string()
        } else if let Some(claim) = name.strip_prefix("CLAIM.") {
            claim_values(claims, claim).join("")
        } else {
            String::new()
        };
        out.push_str(&match transform {
            Some("lowercase") => value.to_lowercase(),
            Some("uppercase") => value.to_uppercase(),
            _ => value,
        });
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// A role setting (`role`): `clientId.role` names a client role when that client exists,
/// else a realm role; refused when the realm has no such role.
fn role<'a>(realm: &Realm, setting: &'a str) -> Result<(Option<&'a str>, &'a str), BrokerError> {
    if let Some((client, name)) = setting.rsplit_once('.')
        && let Some(c) = realm.client(client)
    {
        if c.roles.iter().any(|r| r.name == name) {
            return Ok((Some(client), name));
        }
    } else if realm.roles.iter().any(|r| r.name == setting) {
        return Ok((None, setting));
    }
    Err(BrokerError::Mapper(format!(
        "Unable to find role: {setting}"
    )))
}

/// A group setting (`group`): a path; refused when the realm has no such group.
fn group(realm: &Realm, path: &str) -> Result<String, BrokerError> {
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    realm
        .group_by_path(&path)
        .map(|g| g.id.clone())
        .ok_or_else(|| {
            BrokerError::Mapper(format!("Unable to find group specified by path: {path}"))
        })
}

/// Sets or clears a user property or attribute named by an importer.
fn set_attribute(user: &mut User, name: &str, values: Vec<String>) {
    let first = values.first().cloned();
    match name {
        "email" => user.email = first.or_else(|| user.email.take()),
        "firstName" => user.first_name = first.or_else(|| user.first_name.take()),
        "lastName" => user.last_name = first.or_else(|| user.last_name.take()),
        "username" => {
            if let Some(v) = first {
                user.username = v.to_lowercase();
            }
        }
        _ if values.is_empty() => {
            user.attributes.remove(name);
        }
        _ => {
            user.attributes.insert(name.to_string(), values);
        }
    }
}

/// Grants (`on`) or takes back a role.
fn set_role(user: &mut User, (client, name): (Option<&str>, &str), on: bool) {
    if on {
        user.roles.add(client, name);
    } else {
        user.roles.remove(client, name);
    }
}

/// Joins (`on`) or leaves a group.
fn set_group(user: &mut User, id: String, on: bool) {
    if on {
        if !user.groups.contains(&id) {
            user.groups.push(id);
        }
    } else {
        user.groups.retain(|g| *g != id);
    }
}

/// Runs a provider's mappers on the user an upstream login logs in: all of them for a user the
/// login created (`first`), else those whose sync mode is `FORCE`.
pub fn apply(
    realm: &Realm,
    user: &mut User,
    mappers: &[&IdentityProviderMapper],
    provider_sync: SyncMode,
    claims: &Value,
    first: bool,
) -> Result<(), BrokerError> {
    for m in mappers {
        let force = m.sync_mode(provider_sync) == SyncMode::Force;
        if !first && !force {
            continue;
        }
        let setting = |k: &str| m.config(k).unwrap_or("");
        match m.identity_provider_mapper.as_str() {
            ATTRIBUTE_IMPORTER => {
                let values = claim_values(claims, setting("claim"));
                if first && values.is_empty() {
                    continue;
                }
                set_attribute(user, setting("user.attribute"), values);
            }
            HARDCODED_ATTRIBUTE => {
                let value = setting("attribute.value").to_string();
                set_attribute(user, setting("attribute"), vec![value]);
            }
            ADVANCED_CLAIM_TO_GROUP => {
                let on = all_claims_match(m, claims)?;
                if first && !on {
                    continue;
                }
                set_group(user, group(realm, setting("group"))?, on);
            }
            HARDCODED_GROUP => set_group(user, group(realm, setting("group"))?, true),
            CLAIM_TO_ROLE => {
                let value = setting("claim.value");
                let on = claim_values(claims, setting("claim"))
                    .iter()
                    .any(|v| v == value);
                if first && !on {
                    continue;
                }
                set_role(user, role(realm, setting("role"))?, on);
            }
            ADVANCED_CLAIM_TO_ROLE => {
                let on = all_claims_match(m, claims)?;
                if first && !on {
                    continue;
                }
                set_role(user, role(realm, setting("role"))?, on);
            }
            HARDCODED_ROLE => set_role(user, role(realm, setting("role"))?, true),
            // The username template runs before the user exists; unknown types are refused
            // when they are created.
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
