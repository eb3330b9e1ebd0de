//! Authentication flows in a realm file (`authenticationFlows`, `authenticatorConfig`), as
//! `kc.sh export` writes them: executions name their subflow by alias and their configuration
//! by alias, and have no ids (import gives them new ones).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{fields, known};
use crate::minter::Minter;
use crate::model::{AuthFlow, Authentication, AuthenticatorConfig, Execution};

/// The realm file's field of the flows.
pub const FLOWS: &str = "authenticationFlows";
/// The realm file's field of the authenticator configurations.
pub const CONFIGS: &str = "authenticatorConfig";

/// `AuthenticationFlowRepresentation`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowRepresentation {
    /// Id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Alias.
    #[serde(default)]
    pub alias: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `basic-flow`, `form-flow`, `client-flow`.
    #[serde(default = "basic_flow")]
    pub provider_id: String,
    /// Top-level.
    #[serde(default)]
    pub top_level: bool,
    /// Built in.
    #[serde(default)]
    pub built_in: bool,
    /// Its executions.
    #[serde(default)]
    pub authentication_executions: Vec<ExecutionExport>,
    /// Fields Keycloak does not have (refused by the admin API).
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

known!(
    FlowRepresentation,
    "AuthenticationFlowRepresentation",
    fields::AUTHENTICATION_FLOW
);
known!(
    ConfigRepresentation,
    "AuthenticatorConfigRepresentation",
    fields::AUTHENTICATOR_CONFIG
);
known!(
    ExecutionInfoRepresentation,
    "AuthenticationExecutionInfoRepresentation",
    fields::AUTHENTICATION_EXECUTION_INFO
);

/// `AuthenticationExecutionInfoRepresentation`, as `PUT …/flows/{alias}/executions` takes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionInfoRepresentation {
    /// The execution's id.
    #[serde(default)]
    pub id: Option<String>,
    /// Its requirement.
    #[serde(default)]
    pub requirement: Option<String>,
    /// The subflow's alias (for a subflow).
    #[serde(default)]
    pub display_name: Option<String>,
    /// The subflow's description.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether it runs a subflow.
    #[serde(default)]
    pub authentication_flow: Option<bool>,
    /// The subflow's id.
    #[serde(default)]
    pub flow_id: Option<String>,
    /// The rest, as listed (`level`, `index`, `requirementChoices`, …).
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

fn basic_flow() -> String {
    "basic-flow".to_string()
}

/// `AuthenticationExecutionExportRepresentation`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionExport {
    /// The configuration's alias.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_config: Option<String>,
    /// The authenticator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator: Option<String>,
    /// Whether it runs a subflow.
    #[serde(default)]
    pub authenticator_flow: bool,
    /// The requirement.
    #[serde(default)]
    pub requirement: Option<String>,
    /// The priority.
    #[serde(default)]
    pub priority: i64,
    /// Keycloak's misspelt twin of `authenticatorFlow`.
    #[serde(default)]
    pub autheticator_flow: bool,
    /// The subflow's alias.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_alias: Option<String>,
    /// Whether users may set the authenticator up.
    #[serde(default)]
    pub user_setup_allowed: bool,
}

/// `AuthenticatorConfigRepresentation`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigRepresentation {
    /// Id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Alias.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// Settings.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// Fields Keycloak does not have (refused by the admin API).
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// A configuration as Keycloak shows it.
pub fn config_to(c: &AuthenticatorConfig) -> ConfigRepresentation {
    ConfigRepresentation {
        id: Some(c.id.clone()),
        alias: c.alias.clone(),
        config: c.config.clone(),
        other: BTreeMap::new(),
    }
}

/// A flow as Keycloak shows it (`GET …/authentication/flows/{id}` and realm files).
pub fn flow_to(a: &Authentication, f: &AuthFlow) -> FlowRepresentation {
    FlowRepresentation {
        id: Some(f.id.clone()),
        alias: f.alias.clone(),
        description: f.description.clone(),
        provider_id: f.provider_id.clone(),
        top_level: f.top_level,
        built_in: f.built_in,
        authentication_executions: f
            .executions
            .iter()
            .map(|e| ExecutionExport {
                authenticator_config: e
                    .authenticator_config
                    .as_deref()
                    .and_then(|id| a.config(id))
                    .and_then(|c| c.alias.clone()),
                authenticator: e.authenticator.clone(),
                authenticator_flow: e.is_flow(),
                requirement: Some(e.requirement.clone()),
                priority: e.priority,
                autheticator_flow: e.is_flow(),
                flow_alias: e
                    .flow_id
                    .as_deref()
                    .and_then(|id| a.flow(id))
                    .map(|s| s.alias.clone()),
                user_setup_allowed: false,
            })
            .collect(),
        other: BTreeMap::new(),
    }
}

/// The realm file's `authenticationFlows` and `authenticatorConfig`.
pub fn export(a: &Authentication) -> [(&'static str, Value); 2] {
    let flows: Vec<FlowRepresentation> = a.flows.iter().map(|f| flow_to(a, f)).collect();
    let configs: Vec<ConfigRepresentation> = a.configs.iter().map(config_to).collect();
    [
        (FLOWS, serde_json::to_value(flows).unwrap_or_default()),
        (CONFIGS, serde_json::to_value(configs).unwrap_or_default()),
    ]
}

/// The flows of a realm file; none when it has no `authenticationFlows` (Keycloak then gives
/// the realm its built-in flows). Subflows and configurations are found by alias.
pub fn import(
    other: &BTreeMap<String, Value>,
    minter: &mut dyn Minter,
) -> Result<Option<Authentication>, String> {
    let Some(flows) = other.get(FLOWS) else {
        return Ok(None);
    };
    let flows: Vec<FlowRepresentation> =
        serde_json::from_value(flows.clone()).map_err(|e| format!("{FLOWS}: {e}"))?;
    let configs: Vec<ConfigRepresentation> = match other.get(CONFIGS) {
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| format!("{CONFIGS}: {e}"))?,
        None => Vec::new(),
    };
    let mut a = Authentication {
        configs: configs
            .into_iter()
            .map(|c| AuthenticatorConfig {
                id: c.id.unwrap_or_else(|| minter.id()),
                alias: c.alias,
                config: c.config,
            })
            .collect(),
        flows: Vec::new(),
    };
    for f in &flows {
        a.flows.push(AuthFlow {
            id: f.id.clone().unwrap_or_else(|| minter.id()),
            alias: f.alias.clone(),
            description: f.description.clone(),
            provider_id: f.provider_id.clone(),
            top_level: f.top_level,
            built_in: f.built_in,
            executions: Vec::new(),
        });
    }
    for (i, f) in flows.iter().enumerate() {
        let mut executions = Vec::new();
        for e in &f.authentication_executions {
            let flow_id = match &e.flow_alias {
                Some(alias) => Some(
                    a.flow_by_alias(alias)
                        .map(|s| s.id.clone())
                        .ok_or_else(|| format!("no flow with alias {alias}"))?,
                ),
                None => None,
            };
            let config = e.authenticator_config.as_deref().and_then(|alias| {
                a.configs
                    .iter()
                    .find(|c| c.alias.as_deref() == Some(alias))
                    .map(|c| c.id.clone())
            });
            executions.push(Execution {
                id: minter.id(),
                authenticator: e.authenticator.clone(),
                flow_id,
                requirement: e.requirement.clone().unwrap_or_else(|| "DISABLED".into()),
                priority: e.priority,
                authenticator_config: config,
            });
        }
        executions.sort_by_key(|e| e.priority);
        a.flows[i].executions = executions;
    }
    if let Some(alias) = a.flows.iter().find_map(|f| runs_itself(&a, f)) {
        return Err(format!("{FLOWS}: flow {alias} runs itself as a subflow"));
    }
    Ok(Some(a))
}

/// The alias of `flow` when it runs itself, through its subflows (which the admin API can never
/// make, and whose listing would not end).
fn runs_itself(a: &Authentication, flow: &AuthFlow) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    let mut pending: Vec<&str> = vec![flow.id.as_str()];
    while let Some(id) = pending.pop() {
        for sub in a
            .flow(id)
            .into_iter()
            .flat_map(|f| &f.executions)
            .filter_map(|e| e.flow_id.as_deref())
        {
            if sub == flow.id {
                return Some(flow.alias.clone());
            }
            if seen.insert(sub) {
                pending.push(sub);
            }
        }
    }
    None
}
