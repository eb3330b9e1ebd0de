//! A realm's user profile (Keycloak's declarative user profile, `UPConfig`): which attributes a
//! user has besides the built-in ones, and what happens to the others ("unmanaged attributes")
//! when the admin API writes a user. Pure: the configuration is JSON as Keycloak shows it.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::User;

/// Keycloak 26's attributes every profile has (the user's own fields, not `attributes`).
const BUILT_IN: [&str; 4] = ["username", "email", "firstName", "lastName"];

/// The unmanaged attribute policies Keycloak accepts (absent: disabled).
pub const POLICIES: [&str; 3] = ["ENABLED", "ADMIN_VIEW", "ADMIN_EDIT"];

/// The profile of a realm whose profile was never set: Keycloak 26's default attributes and
/// group, with unmanaged attributes `ENABLED` (kubeward keeps every attribute a user is given
/// until the profile says otherwise).
pub fn default_config() -> Value {
    let everyone = json!({"view": ["admin", "user"], "edit": ["admin", "user"]});
    let name = |n: &str| {
        json!({
            "name": n,
            "displayName": format!("${{{n}}}"),
            "validations": {"length": {"max": 255}, "person-name-prohibited-characters": {}},
            "required": {"roles": ["user"]},
            "permissions": everyone,
            "multivalued": false,
        })
    };
    json!({
        "unmanagedAttributePolicy": "ENABLED",
        "attributes": [
            {
                "name": "username",
                "displayName": "${username}",
                "validations": {
                    "length": {"min": 3, "max": 255},
                    "username-prohibited-characters": {},
                    "up-username-not-idn-homograph": {},
                },
                "permissions": everyone,
                "multivalued": false,
            },
            {
                "name": "email",
                "displayName": "${email}",
                "validations": {"email": {}, "length": {"max": 255}},
                "required": {"roles": ["user"]},
                "permissions": everyone,
                "multivalued": false,
            },
            name("firstName"),
            name("lastName"),
        ],
        "groups": [{
            "name": "user-metadata",
            "displayHeader": "User metadata",
            "displayDescription": "Attributes, which refer to user metadata",
        }],
    })
}

/// Why a profile is refused.
pub fn check(config: &Value) -> Result<(), String> {
    let object = config
        .as_object()
        .ok_or("the user profile must be a JSON object")?;
    let attributes = object
        .get("attributes")
        .and_then(Value::as_array)
        .ok_or("the user profile has no attributes")?;
    let mut names = Vec::new();
    for attribute in attributes {
        let name = attribute
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.trim().is_empty())
            .ok_or("an attribute has no name")?;
        if names.contains(&name) {
            return Err(format!("duplicated attribute name: {name}"));
        }
        names.push(name);
    }
    for required in ["username", "email"] {
        if !names.contains(&required) {
            return Err(format!("the attribute {required} cannot be removed"));
        }
    }
    if let Some(policy) = object.get("unmanagedAttributePolicy")
        && !policy.as_str().is_some_and(|p| POLICIES.contains(&p))
    {
        return Err(format!("invalid unmanagedAttributePolicy: {policy}"));
    }
    Ok(())
}

/// What the admin API does with a user's unmanaged attributes under a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmanaged {
    /// Kept as written (`ENABLED`, `ADMIN_EDIT`).
    Written,
    /// Shown, never changed by the admin API (`ADMIN_VIEW`).
    Kept,
    /// Dropped (no policy: Keycloak's `DISABLED`).
    Dropped,
}

/// The policy of `config` (the default profile's when `None`).
pub fn unmanaged(config: Option<&Value>) -> Unmanaged {
    let Some(config) = config else {
        return Unmanaged::Written;
    };
    match config
        .get("unmanagedAttributePolicy")
        .and_then(Value::as_str)
    {
        Some("ENABLED" | "ADMIN_EDIT") => Unmanaged::Written,
        Some("ADMIN_VIEW") => Unmanaged::Kept,
        _ => Unmanaged::Dropped,
    }
}

/// Whether `config` declares an attribute `name` (the built-in ones are always declared).
fn managed(config: &Value, name: &str) -> bool {
    BUILT_IN.contains(&name)
        || config
            .get("attributes")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|x| x["name"] == name))
}

/// `user`'s attributes as the admin API may write them under `config`: `before` is the user as
/// stored (`None` for a new one). Declared attributes are written as given; unmanaged ones by
/// the policy.
pub fn apply(config: Option<&Value>, before: Option<&User>, user: &mut User) {
    let Some(profile) = config else {
        return;
    };
    let policy = unmanaged(config);
    if policy == Unmanaged::Written {
        return;
    }
    let mut attributes: BTreeMap<String, Vec<String>> = std::mem::take(&mut user.attributes)
        .into_iter()
        .filter(|(k, _)| managed(profile, k))
        .collect();
    if policy == Unmanaged::Kept
        && let Some(before) = before
    {
        for (k, v) in &before.attributes {
            if !managed(profile, k) {
                attributes.insert(k.clone(), v.clone());
            }
        }
    }
    user.attributes = attributes;
}

#[cfg(test)]
mod tests;
