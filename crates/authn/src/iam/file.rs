//! aws-iam-authenticator's mounted file (`MountedFile` backend): its configuration file's
//! `server.mapRoles`, `server.mapUsers` and `server.mapAccounts`. Unlike the ConfigMap, an
//! invalid entry makes the whole file fail, and role ARNs are canonicalised when loaded.

use serde_json::Value;

use super::arn;
use super::aws_auth::{Reader, objects, yaml_to_json};
use super::mapping::MapperSet;

/// Reads the configuration file into the file backend.
pub fn parse(text: &str) -> Result<MapperSet, String> {
    let document = yaml_to_json(text)?;
    let server = match lookup(&document, "server") {
        None | Some(Value::Null) => return Ok(MapperSet::default()),
        Some(server) => server,
    };
    let mut errors = Vec::new();
    let mut roles = Vec::new();
    if let Some(list) = lookup(server, "mapRoles") {
        for object in objects(list, "config.RoleMapping", &mut errors) {
            let mut role = Reader {
                ty: "config.RoleMapping",
                errors: &mut errors,
            }
            .role(object);
            role.validate()?;
            if !role.rolearn.is_empty() {
                role.rolearn = arn::canonicalize(&role.rolearn)
                    .map_err(|e| e.to_string())?
                    .1;
            }
            roles.push(role);
        }
    }
    let mut users = Vec::new();
    if let Some(list) = lookup(server, "mapUsers") {
        for object in objects(list, "config.UserMapping", &mut errors) {
            let mut user = Reader {
                ty: "config.UserMapping",
                errors: &mut errors,
            }
            .user(object);
            user.validate()?;
            user.userarn = arn::canonicalize(&user.userarn.to_lowercase())
                .map_err(|e| format!("error canonicalizing ARN: {e}"))?
                .1;
            users.push(user);
        }
    }
    let mut accounts = Vec::new();
    if let Some(Value::Array(items)) = lookup(server, "mapAccounts") {
        for item in items {
            match item {
                Value::String(s) => accounts.push(s.clone()),
                Value::Number(n) => accounts.push(n.to_string()),
                other => errors.push(format!("mapAccounts: unexpected {other}")),
            }
        }
    }
    if let Some(first) = errors.into_iter().next() {
        return Err(first);
    }
    Ok(MapperSet::new(roles, users, accounts))
}

/// A key of an object, case-insensitively (viper's lookup).
fn lookup<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests;
