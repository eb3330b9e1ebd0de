//! A flow's executions: `GET/PUT …/flows/{alias}/executions` (the flow and its subflows as
//! one list, Keycloak's `AuthenticationExecutionInfoRepresentation`),
//! `POST …/flows/{alias}/executions/execution` and `…/executions/flow` (a new step or
//! subflow), `GET/DELETE …/executions/{id}`, `POST …/executions/{id}/raise-priority` and
//! `lower-priority`.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::super::access::{EditRealm, ReadRealm};
use super::super::answer::{
    AdminError, Answer, bad_request, created, exists, no_content, not_found, ok_json, refused,
    strict,
};
use super::catalogue::{self, Kind};
use super::string_map;
use crate::model::{AuthFlow, Authentication, Execution, ModelError, authentication::REQUIREMENTS};
use crate::provider::RandomMinter;
use crate::representation::Minter as _;
use crate::representation::flows::ExecutionInfoRepresentation;

/// Keycloak's 404 for an unknown execution.
const ILLEGAL: &str = "Illegal execution";

/// The executions of `flow` and, after each subflow, the subflow's own, as Keycloak's
/// `recurseExecutions` lists them; an authenticator Keycloak does not have is its 404.
fn recurse(
    a: &Authentication,
    flow: &AuthFlow,
    level: usize,
    out: &mut Vec<Value>,
) -> Result<(), AdminError> {
    for (index, e) in flow.executions.iter().enumerate() {
        if let Some(sub) = e.flow_id.as_deref().and_then(|id| a.flow(id)) {
            let choices: &[&str] = match sub.provider_id.as_str() {
                "basic-flow" => &["REQUIRED", "ALTERNATIVE", "DISABLED", "CONDITIONAL"],
                "form-flow" => &["REQUIRED", "DISABLED"],
                "client-flow" => &["ALTERNATIVE", "REQUIRED", "DISABLED"],
                _ => &[],
            };
            let mut rep = json!({
                "id": e.id,
                "requirement": e.requirement,
                "displayName": sub.alias,
                "requirementChoices": choices,
                "configurable": false,
                "authenticationFlow": true,
                "flowId": sub.id,
                "level": level,
                "index": index,
            });
            if let Some(d) = &sub.description {
                rep["description"] = json!(d);
            }
            if sub.provider_id == "form-flow" {
                if let Some(p) = &e.authenticator {
                    rep["providerId"] = json!(p);
                }
                if let Some(c) = &e.authenticator_config {
                    rep["authenticationConfig"] = json!(c);
                }
            }
            out.push(rep);
            recurse(a, sub, level + 1, out)?;
        } else {
            let provider = e.authenticator.as_deref().unwrap_or_default();
            let (_, _, name, _, choices, properties) = catalogue::step(provider)
                .ok_or_else(|| not_found("Could not find authenticator provider"))?;
            let configurable = !properties.is_empty();
            let mut rep = json!({
                "id": e.id,
                "requirement": e.requirement,
                "displayName": name,
                "requirementChoices": choices,
                "configurable": configurable,
                "providerId": provider,
                "level": level,
                "index": index,
            });
            if let Some(c) = &e.authenticator_config {
                rep["authenticationConfig"] = json!(c);
                if let Some(alias) = a.config(c).and_then(|c| c.alias.as_ref())
                    && configurable
                {
                    rep["alias"] = json!(alias);
                }
            }
            out.push(rep);
        }
    }
    Ok(())
}

/// `GET …/authentication/flows/{alias}/executions`; an unknown flow is a bare 404.
pub(in super::super) async fn list(
    ReadRealm(r): ReadRealm,
    Path((_, alias)): Path<(String, String)>,
) -> Answer {
    let a = &r.authentication;
    let Some(flow) = a.flow_by_alias(&alias) else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let mut out = Vec::new();
    recurse(a, flow, 0, &mut out)?;
    ok_json(&out)
}

/// A flow as Jackson writes Keycloak's `AuthenticationFlowModel` (no executions).
fn flow_model(f: &AuthFlow) -> Value {
    let mut v = json!({
        "id": f.id,
        "alias": f.alias,
        "providerId": f.provider_id,
        "topLevel": f.top_level,
        "builtIn": f.built_in,
    });
    if let Some(d) = &f.description {
        v["description"] = json!(d);
    }
    v
}

/// `PUT …/authentication/flows/{alias}/executions`: a new requirement, or a subflow's new
/// alias and description; answers `202 Accepted` with the flow. Built-in flows' requirements
/// may change, as in Keycloak.
pub(in super::super) async fn update(
    at: EditRealm,
    Path((_, alias)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let rep: ExecutionInfoRepresentation = strict(&bytes)?;
    if let Some(req) = &rep.requirement
        && !REQUIREMENTS.contains(&req.as_str())
    {
        return Err(bad_request(format!("Unknown requirement {req}")));
    }
    let flow = at
        .change(move |r| {
            let a = &mut r.authentication;
            let flow = a
                .flow_by_alias(&alias)
                .cloned()
                .ok_or(ModelError::NotFound("flow not found"))?;
            let id = rep.id.clone().unwrap_or_default();
            let e = a.execution_mut(&id).ok_or(ModelError::NotFound(ILLEGAL))?;
            if let Some(req) = &rep.requirement
                && *req != e.requirement
            {
                e.requirement = req.clone();
                return Ok(flow);
            }
            if rep.authentication_flow.is_none() {
                return Ok(flow);
            }
            let sub_id = rep.flow_id.clone().unwrap_or_default();
            let sub = a.flow(&sub_id).ok_or(ModelError::NotFound(ILLEGAL))?;
            let name = rep.display_name.clone().unwrap_or_default();
            if sub.alias != name && a.flow_by_alias(&name).is_some() {
                return Err(ModelError::Exists("Flow alias name already exists".into()).into());
            }
            if let Some(sub) = a.flow_mut(&sub_id) {
                sub.alias = name;
                if sub.description != rep.description {
                    sub.description = rep.description.clone();
                }
            }
            Ok(flow)
        })
        .await?;
    Ok((StatusCode::ACCEPTED, axum::Json(flow_model(&flow))).into_response())
}

/// `GET …/authentication/executions/{id}`: as Jackson writes Keycloak's
/// `AuthenticationExecutionModel`.
pub(in super::super) async fn get(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let (flow, e) = r
        .authentication
        .execution(&id)
        .ok_or_else(|| not_found(ILLEGAL))?;
    let req = e.requirement.as_str();
    let mut v = json!({
        "id": e.id,
        "authenticatorFlow": e.is_flow(),
        "requirement": req,
        "priority": e.priority,
        "parentFlow": flow.id,
        "required": req == "REQUIRED",
        "conditional": req == "CONDITIONAL",
        "alternative": req == "ALTERNATIVE",
        "disabled": req == "DISABLED",
        "enabled": req != "DISABLED",
    });
    if let Some(a) = &e.authenticator {
        v["authenticator"] = json!(a);
    }
    if let Some(f) = &e.flow_id {
        v["flowId"] = json!(f);
    }
    if let Some(c) = &e.authenticator_config {
        v["authenticatorConfig"] = json!(c);
    }
    ok_json(&v)
}

/// `POST …/authentication/flows/{alias}/executions/execution` with `{"provider": …}`: the step
/// is added last, with the only requirement its authenticator allows or `DISABLED`.
pub(in super::super) async fn add_execution(
    at: EditRealm,
    Path((_, alias)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let data = string_map(&bytes)?;
    let r = at.realm()?;
    let parent = r
        .authentication
        .flow_by_alias(&alias)
        .ok_or_else(|| refused("Parent flow doesn't exist"))?;
    if parent.built_in {
        return Err(refused("It is illegal to add execution to a built in flow"));
    }
    let provider = data.get("provider").cloned().unwrap_or_default();
    let kinds: &[Kind] = match parent.provider_id.as_str() {
        "client-flow" => &[Kind::Client(false)],
        "form-flow" => &[Kind::FormAction],
        _ => &[Kind::Authenticator],
    };
    let (_, _, _, _, choices, _) = catalogue::factory(&provider, kinds).ok_or_else(|| {
        refused(&format!(
            "No authentication provider found for id: {provider}"
        ))
    })?;
    let requirement = match choices {
        [only] => only.to_string(),
        _ => "DISABLED".to_string(),
    };
    let parent_id = parent.id.clone();
    let id = RandomMinter.id();
    let execution = Execution {
        id: id.clone(),
        authenticator: Some(provider),
        flow_id: None,
        requirement,
        priority: 0,
        authenticator_config: None,
    };
    at.change(move |r| {
        r.authentication
            .append(&parent_id, execution.clone())
            .ok_or(ModelError::NotFound("Parent flow doesn't exist"))?;
        Ok(())
    })
    .await?;
    created(at.location(&format!("authentication/executions/{id}")))
}

/// `POST …/authentication/flows/{alias}/executions/flow` with `alias`, `type`, `provider`,
/// `description`: a new subflow, added last and `DISABLED`.
pub(in super::super) async fn add_flow(
    at: EditRealm,
    Path((_, alias)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let data = string_map(&bytes)?;
    let r = at.realm()?;
    let parent = r
        .authentication
        .flow_by_alias(&alias)
        .ok_or_else(|| bad_request("Parent flow doesn't exist"))?;
    if parent.built_in {
        return Err(refused("It is illegal to add sub-flow to a built in flow"));
    }
    let new_alias = data
        .get("alias")
        .cloned()
        .ok_or_else(|| bad_request("Missing alias"))?;
    if r.authentication.flow_by_alias(&new_alias).is_some() {
        return Err(exists("New flow alias name already exists"));
    }
    let kind = data
        .get("type")
        .cloned()
        .unwrap_or_else(|| "basic-flow".to_string());
    let form = (kind == "form-flow")
        .then(|| data.get("provider").cloned())
        .flatten();
    let sub = AuthFlow {
        id: RandomMinter.id(),
        alias: new_alias,
        description: Some(data.get("description").cloned().unwrap_or_default()),
        provider_id: kind,
        top_level: false,
        built_in: false,
        executions: Vec::new(),
    };
    let sub_id = sub.id.clone();
    let execution = Execution {
        id: RandomMinter.id(),
        authenticator: form,
        flow_id: Some(sub_id.clone()),
        requirement: "DISABLED".to_string(),
        priority: 0,
        authenticator_config: None,
    };
    let parent_id = parent.id.clone();
    at.change(move |r| {
        let a = &mut r.authentication;
        if a.flow_by_alias(&sub.alias).is_some() {
            return Err(ModelError::Exists("New flow alias name already exists".into()).into());
        }
        a.flows.push(sub.clone());
        a.append(&parent_id, execution.clone())
            .ok_or(ModelError::NotFound("Parent flow doesn't exist"))?;
        Ok(())
    })
    .await?;
    created(at.location(&format!("authentication/flows/{sub_id}")))
}

/// The flow an execution is in, refused when built in (`message`).
fn editable<'a>(
    a: &'a Authentication,
    id: &str,
    message: &str,
) -> Result<&'a AuthFlow, AdminError> {
    let (flow, _) = a.execution(id).ok_or_else(|| not_found(ILLEGAL))?;
    if flow.built_in {
        return Err(refused(message));
    }
    Ok(flow)
}

/// `DELETE …/authentication/executions/{id}`: with the subflow it runs.
pub(in super::super) async fn delete(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    let r = at.realm()?;
    editable(
        &r.authentication,
        &id,
        "It is illegal to remove execution from a built in flow",
    )?;
    at.change(move |r| {
        r.authentication.remove_execution(&id);
        Ok(())
    })
    .await?;
    no_content()
}

/// `POST …/executions/{id}/raise-priority` and `lower-priority`.
async fn shift(at: EditRealm, id: String, up: bool) -> Answer {
    let r = at.realm()?;
    editable(
        &r.authentication,
        &id,
        "It is illegal to modify execution in a built in flow",
    )?;
    at.change(move |r| {
        r.authentication.move_execution(&id, up);
        Ok(())
    })
    .await?;
    no_content()
}

/// `POST …/authentication/executions/{id}/raise-priority`.
pub(in super::super) async fn raise(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    shift(at, id, true).await
}

/// `POST …/authentication/executions/{id}/lower-priority`.
pub(in super::super) async fn lower(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    shift(at, id, false).await
}
