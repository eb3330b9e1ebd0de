//! `/admin/realms/{realm}/authentication/…`: the realm's authentication flows as Keycloak 26's
//! `AuthenticationManagementResource` manages them. kubeward's login does not follow them (its
//! steps are fixed); they are stored with the realm, edited, copied and listed with Keycloak's
//! shapes, status codes and messages, and written by `export`.
//!
//! - this module: the flows (`flows`, `flows/{id}`, `flows/{alias}/copy`);
//! - `executions`: a flow's executions, their priority, and adding steps and subflows;
//! - `configs`: authenticator configurations;
//! - `providers`: the authenticator factories' lists and configuration descriptions;
//! - `catalogue`: the factories themselves.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::Value;

use super::access::{EditRealm, ReadRealm};
use super::answer::{AdminError, Answer, body, created, exists, no_content, not_found, ok_json};
use super::answer::{refused, strict};
use crate::model::{AuthFlow, Authentication, AuthenticatorConfig, Execution, ModelError};
use crate::provider::RandomMinter;
use crate::representation::Minter as _;
use crate::representation::flows::{FlowRepresentation, flow_to};

mod catalogue;
pub(super) mod configs;
pub(super) mod executions;
pub(super) mod providers;

/// The flow Keycloak keeps but does not list.
const SAML_ECP: &str = "saml ecp";

/// A JSON object of strings (Keycloak's `Map<String, String>` bodies): other values are taken
/// as their JSON text.
fn string_map(bytes: &[u8]) -> Result<BTreeMap<String, String>, AdminError> {
    let map: BTreeMap<String, Value> = body(bytes)?;
    Ok(map
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect())
}

/// `GET …/authentication/flows`: the top-level flows but `saml ecp`.
pub(super) async fn flows(ReadRealm(r): ReadRealm) -> Answer {
    let a = &r.authentication;
    let list: Vec<FlowRepresentation> = a
        .flows
        .iter()
        .filter(|f| f.top_level && f.alias != SAML_ECP)
        .map(|f| flow_to(a, f))
        .collect();
    ok_json(&list)
}

/// `POST …/authentication/flows`.
pub(super) async fn create(at: EditRealm, bytes: Bytes) -> Answer {
    let rep: FlowRepresentation = strict(&bytes)?;
    let id = at
        .change(move |r| {
            if rep.alias.is_empty() {
                return Err(ModelError::Exists(
                    "Failed to create flow with empty alias name".into(),
                )
                .into());
            }
            if r.authentication.flow_by_alias(&rep.alias).is_some() {
                return Err(
                    ModelError::Exists(format!("Flow {} already exists", rep.alias)).into(),
                );
            }
            let id = RandomMinter.id();
            r.authentication.flows.push(AuthFlow {
                id: id.clone(),
                alias: rep.alias.clone(),
                description: Some(rep.description.clone().unwrap_or_default()),
                provider_id: rep.provider_id.clone(),
                top_level: rep.top_level,
                built_in: rep.built_in,
                executions: Vec::new(),
            });
            Ok(id)
        })
        .await?;
    created(at.location(&format!("authentication/flows/{id}")))
}

/// `GET …/authentication/flows/{id}`.
pub(super) async fn get(ReadRealm(r): ReadRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    let a = &r.authentication;
    let f = a
        .flow(&id)
        .ok_or_else(|| not_found("Could not find flow with id"))?;
    ok_json(&flow_to(a, f))
}

/// `PUT …/authentication/flows/{id}`: alias, description, provider and flags as given;
/// answers `202 Accepted` with the flow as given.
pub(super) async fn update(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let mut rep: FlowRepresentation = strict(&bytes)?;
    rep.id = Some(id.clone());
    let given = rep.clone();
    at.change(move |r| {
        let a = &mut r.authentication;
        let current = a
            .flow(&id)
            .ok_or(ModelError::NotFound("Could not find flow with id"))?;
        if rep.alias.is_empty() {
            return Err(
                ModelError::Exists("Failed to update flow with empty alias name".into()).into(),
            );
        }
        if current.alias != rep.alias && a.flow_by_alias(&rep.alias).is_some() {
            return Err(ModelError::Exists("Flow alias name already exists".into()).into());
        }
        if let Some(f) = a.flow_mut(&id) {
            f.alias = rep.alias.clone();
            f.description = rep.description.clone();
            f.provider_id = rep.provider_id.clone();
            f.top_level = rep.top_level;
            f.built_in = rep.built_in;
        }
        Ok(())
    })
    .await?;
    Ok((StatusCode::ACCEPTED, axum::Json(given)).into_response())
}

/// `DELETE …/authentication/flows/{id}`: with its subflows; a built-in flow stays.
pub(super) async fn delete(at: EditRealm, Path((_, id)): Path<(String, String)>) -> Answer {
    let r = at.realm()?;
    let f = r
        .authentication
        .flow(&id)
        .ok_or_else(|| not_found("Flow not found"))?;
    if f.built_in {
        return Err(refused("Can't delete built in flow"));
    }
    at.change(move |r| {
        r.authentication.remove_flow(&id);
        Ok(())
    })
    .await?;
    no_content()
}

/// `POST …/authentication/flows/{alias}/copy` with `{"newName": …}`: the flow, its subflows
/// (named `<newName> <alias>`) and their configurations, not built in.
pub(super) async fn copy(
    at: EditRealm,
    Path((_, alias)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let data = string_map(&bytes)?;
    let new_name = data.get("newName").cloned().unwrap_or_default();
    let r = at.realm()?;
    if r.authentication.flow_by_alias(&new_name).is_some() {
        return Err(exists("New flow alias name already exists"));
    }
    if r.authentication.flow_by_alias(&alias).is_none() {
        return Err(not_found("Flow not found"));
    }
    at.change(move |r| {
        let a = &mut r.authentication;
        if a.flow_by_alias(&new_name).is_some() {
            return Err(ModelError::Exists("New flow alias name already exists".into()).into());
        }
        let from = a
            .flow_by_alias(&alias)
            .cloned()
            .ok_or(ModelError::NotFound("Flow not found"))?;
        copy_flow(a, &from, &new_name, new_name.clone(), from.top_level);
        Ok(())
    })
    .await?;
    Ok(StatusCode::CREATED.into_response())
}

/// Adds a copy of `from` named `alias` (Keycloak's `copyFlow`); returns its id.
fn copy_flow(
    a: &mut Authentication,
    from: &AuthFlow,
    new_name: &str,
    alias: String,
    top_level: bool,
) -> String {
    let id = RandomMinter.id();
    let at = a.flows.len();
    a.flows.push(AuthFlow {
        id: id.clone(),
        alias,
        description: from.description.clone(),
        provider_id: from.provider_id.clone(),
        top_level,
        built_in: false,
        executions: Vec::new(),
    });
    let mut executions = Vec::new();
    for e in &from.executions {
        let flow_id = e.flow_id.as_deref().and_then(|sub| a.flow(sub).cloned());
        let flow_id = flow_id.map(|sub| {
            let alias = format!("{new_name} {}", sub.alias);
            copy_flow(a, &sub, new_name, alias, false)
        });
        let config = e.authenticator_config.as_deref().and_then(|c| a.config(c));
        let config = config.cloned().map(|c| {
            let id = RandomMinter.id();
            a.configs.push(AuthenticatorConfig {
                id: id.clone(),
                alias: c.alias.map(|alias| format!("{new_name} {alias}")),
                config: c.config,
            });
            id
        });
        executions.push(Execution {
            id: RandomMinter.id(),
            authenticator: e.authenticator.clone(),
            flow_id,
            requirement: e.requirement.clone(),
            priority: e.priority,
            authenticator_config: config,
        });
    }
    a.flows[at].executions = executions;
    id
}

#[cfg(test)]
mod tests;
