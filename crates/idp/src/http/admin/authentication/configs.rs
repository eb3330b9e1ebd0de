//! Authenticator configurations: `POST …/executions/{id}/config` (a new one for an
//! execution), `GET …/executions/{id}/config/{config}`, and `GET/PUT/DELETE …/config/{id}`.

use axum::body::Bytes;
use axum::extract::Path;

use super::super::access::{EditRealm, ReadRealm};
use super::super::answer::{Answer, bad_request, created, no_content, not_found, ok_json, strict};
use crate::model::{AuthenticatorConfig, ModelError, Realm};
use crate::provider::RandomMinter;
use crate::representation::Minter as _;
use crate::representation::flows::{ConfigRepresentation, config_to};

/// Keycloak's 404 for an unknown configuration.
const NOT_FOUND: &str = "Could not find authenticator config";

/// The settings as Keycloak keeps them: empty values dropped.
fn settings(rep: &ConfigRepresentation) -> std::collections::BTreeMap<String, String> {
    rep.config
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `POST …/authentication/executions/{id}/config`: the execution's new configuration.
pub(in super::super) async fn create(
    at: EditRealm,
    Path((_, execution)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let rep: ConfigRepresentation = strict(&bytes)?;
    let r = at.realm()?;
    if r.authentication.execution(&execution).is_none() {
        return Err(not_found("Illegal execution"));
    }
    let Some(alias) = rep.alias.clone() else {
        return Err(bad_request("Alias missing"));
    };
    let id = RandomMinter.id();
    let config = AuthenticatorConfig {
        id: id.clone(),
        alias: Some(alias),
        config: settings(&rep),
    };
    let at_execution = execution.clone();
    at.change(move |r| {
        let a = &mut r.authentication;
        a.execution_mut(&at_execution)
            .ok_or(ModelError::NotFound("Illegal execution"))?
            .authenticator_config = Some(config.id.clone());
        a.configs.push(config.clone());
        Ok(())
    })
    .await?;
    created(at.location(&format!(
        "authentication/executions/{execution}/config/{id}"
    )))
}

/// `GET …/authentication/config/{id}`.
pub(in super::super) async fn get(
    ReadRealm(r): ReadRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    answer_config(&r, &id)
}

/// `GET …/authentication/executions/{execution}/config/{id}` (Keycloak's older form).
pub(in super::super) async fn get_of_execution(
    ReadRealm(r): ReadRealm,
    Path((_, _, id)): Path<(String, String, String)>,
) -> Answer {
    answer_config(&r, &id)
}

/// The realm's authenticator configuration `id`, or Keycloak's 404.
fn answer_config(r: &Realm, id: &str) -> Answer {
    let c = r
        .authentication
        .config(id)
        .ok_or_else(|| not_found(NOT_FOUND))?;
    ok_json(&config_to(c))
}

/// `PUT …/authentication/config/{id}`: alias and settings.
pub(in super::super) async fn update(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Answer {
    let rep: ConfigRepresentation = strict(&bytes)?;
    at.change(move |r| {
        let c = r
            .authentication
            .configs
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or(ModelError::NotFound(NOT_FOUND))?;
        c.alias = rep.alias.clone();
        c.config = settings(&rep);
        Ok(())
    })
    .await?;
    no_content()
}

/// `DELETE …/authentication/config/{id}`: the executions that used it keep none.
pub(in super::super) async fn delete(
    at: EditRealm,
    Path((_, id)): Path<(String, String)>,
) -> Answer {
    at.change(move |r| {
        let a = &mut r.authentication;
        if a.config(&id).is_none() {
            return Err(ModelError::NotFound(NOT_FOUND).into());
        }
        for e in a.flows.iter_mut().flat_map(|f| f.executions.iter_mut()) {
            if e.authenticator_config.as_deref() == Some(id.as_str()) {
                e.authenticator_config = None;
            }
        }
        a.configs.retain(|c| c.id != id);
        Ok(())
    })
    .await?;
    no_content()
}
