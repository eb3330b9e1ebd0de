//! A realm's authentication flows as Keycloak keeps them (`AuthenticationFlowModel`,
//! `AuthenticationExecutionModel`, `AuthenticatorConfigModel`): flows with their executions
//! (an authenticator, or a subflow named by id), and the authenticator configurations the
//! executions name. kubeward's own login does not follow them (its steps are fixed); they are
//! kept, listed and edited as Keycloak's admin API does, and written by `export`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An authentication flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthFlow {
    /// Id (uuid).
    pub id: String,
    /// Alias, unique in the realm (the `{flowAlias}` of the admin API).
    pub alias: String,
    /// Free text (Keycloak leaves it out when it has none).
    #[serde(default)]
    pub description: Option<String>,
    /// `basic-flow`, `form-flow` or `client-flow`.
    pub provider_id: String,
    /// A top-level flow (not a subflow of another).
    pub top_level: bool,
    /// One of Keycloak's built-in flows: its executions cannot be changed.
    pub built_in: bool,
    /// Its steps, in priority order.
    #[serde(default)]
    pub executions: Vec<Execution>,
}

/// A step of a flow: an authenticator, or a subflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    /// Id (uuid).
    pub id: String,
    /// The authenticator's provider id (for a `form-flow` subflow: its form).
    #[serde(default)]
    pub authenticator: Option<String>,
    /// The subflow's id, for a subflow.
    #[serde(default)]
    pub flow_id: Option<String>,
    /// `REQUIRED`, `CONDITIONAL`, `ALTERNATIVE` or `DISABLED`.
    pub requirement: String,
    /// Order in the flow (lowest first).
    pub priority: i64,
    /// The id of its authenticator configuration.
    #[serde(default)]
    pub authenticator_config: Option<String>,
}

impl Execution {
    /// Whether it runs a subflow.
    pub fn is_flow(&self) -> bool {
        self.flow_id.is_some()
    }
}

/// An authenticator configuration (`AuthenticatorConfigModel`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorConfig {
    /// Id (uuid).
    pub id: String,
    /// Alias.
    #[serde(default)]
    pub alias: Option<String>,
    /// Settings.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
}

/// The requirements an execution may have, as Keycloak names them.
pub const REQUIREMENTS: [&str; 4] = ["REQUIRED", "CONDITIONAL", "ALTERNATIVE", "DISABLED"];

/// A realm's flows and authenticator configurations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authentication {
    /// Flows, top-level and subflows, in creation order.
    #[serde(default)]
    pub flows: Vec<AuthFlow>,
    /// Authenticator configurations.
    #[serde(default)]
    pub configs: Vec<AuthenticatorConfig>,
}

impl Authentication {
    /// Whether it has nothing (a realm stored before flows were kept).
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty() && self.configs.is_empty()
    }

    /// The flow with this alias.
    pub fn flow_by_alias(&self, alias: &str) -> Option<&AuthFlow> {
        self.flows.iter().find(|f| f.alias == alias)
    }

    /// The flow with this id.
    pub fn flow(&self, id: &str) -> Option<&AuthFlow> {
        self.flows.iter().find(|f| f.id == id)
    }

    /// The flow with this id, to change.
    pub fn flow_mut(&mut self, id: &str) -> Option<&mut AuthFlow> {
        self.flows.iter_mut().find(|f| f.id == id)
    }

    /// The execution with this id and the id of the flow it is in.
    pub fn execution(&self, id: &str) -> Option<(&AuthFlow, &Execution)> {
        self.flows
            .iter()
            .find_map(|f| f.executions.iter().find(|e| e.id == id).map(|e| (f, e)))
    }

    /// The execution with this id, to change.
    pub fn execution_mut(&mut self, id: &str) -> Option<&mut Execution> {
        self.flows
            .iter_mut()
            .flat_map(|f| f.executions.iter_mut())
            .find(|e| e.id == id)
    }

    /// The authenticator configuration with this id.
    pub fn config(&self, id: &str) -> Option<&AuthenticatorConfig> {
        self.configs.iter().find(|c| c.id == id)
    }

    /// Adds an execution to a flow after its last one (Keycloak's next priority: the last
    /// one's plus one, 0 in an empty flow).
    pub fn append(&mut self, flow_id: &str, mut execution: Execution) -> Option<()> {
        let flow = self.flow_mut(flow_id)?;
        execution.priority = flow.executions.last().map_or(0, |e| e.priority + 1);
        flow.executions.push(execution);
        Some(())
    }

    /// Removes an execution, and the subflow it runs with everything under it (Keycloak's
    /// `deepDeleteAuthenticationExecutor`); the configurations they used go too.
    pub fn remove_execution(&mut self, id: &str) {
        let mut subflow = None;
        let mut config = None;
        for f in &mut self.flows {
            if let Some(i) = f.executions.iter().position(|e| e.id == id) {
                let e = f.executions.remove(i);
                subflow = e.flow_id;
                config = e.authenticator_config;
            }
        }
        if let Some(config) = config {
            self.configs.retain(|c| c.id != config);
        }
        if let Some(flow) = subflow {
            self.remove_flow(&flow);
        }
    }

    /// Removes a flow with its executions and their subflows.
    pub fn remove_flow(&mut self, id: &str) {
        let Some(i) = self.flows.iter().position(|f| f.id == id) else {
            return;
        };
        let flow = self.flows.remove(i);
        for e in flow.executions {
            if let Some(config) = e.authenticator_config {
                self.configs.retain(|c| c.id != config);
            }
            if let Some(sub) = e.flow_id {
                self.remove_flow(&sub);
            }
        }
    }

    /// Swaps the priorities of an execution and its neighbour (before it when `up`, after it
    /// otherwise), keeping the flow in priority order; nothing when it has none there.
    pub fn move_execution(&mut self, id: &str, up: bool) {
        for f in &mut self.flows {
            let Some(i) = f.executions.iter().position(|e| e.id == id) else {
                continue;
            };
            let j = if up {
                i.checked_sub(1)
            } else {
                Some(i + 1).filter(|j| *j < f.executions.len())
            };
            if let Some(j) = j {
                let p = f.executions[i].priority;
                f.executions[i].priority = f.executions[j].priority;
                f.executions[j].priority = p;
                f.executions.swap(i, j);
            }
            return;
        }
    }
}

#[cfg(test)]
mod tests;
