//! eksctl's `authconfigmap` package over the ConfigMap's data: list the identities, add or
//! remove one, add or remove an account, with eksctl's log messages and errors. No I/O: the
//! command reads and saves the ConfigMap.

use std::collections::BTreeMap;

use kubeward_authn::iam::aws_auth::{self, EksctlIdentity, MAP_ACCOUNTS, MAP_ROLES, MAP_USERS};
use kubeward_core::go;
use serde_json::Value;

use super::output::Level;

/// The data of an `aws-auth` ConfigMap being edited.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct AuthMap {
    pub data: BTreeMap<String, String>,
}

/// What an edit logs, in order.
pub(super) type Logs = Vec<(Level, String)>;

impl AuthMap {
    /// eksctl's `GetIdentities`.
    pub fn identities(&self) -> Result<Vec<EksctlIdentity>, String> {
        aws_auth::eksctl_identities(|k| self.data.get(k).map(String::as_str))
    }

    /// eksctl's `iamidentitymapping.Create` for an ARN.
    pub fn create(&mut self, id: EksctlIdentity, no_duplicate_arns: bool) -> Result<Logs, String> {
        let identities = self.identities()?;
        let mut logs = vec![(
            Level::Info,
            format!(
                "checking arn {} against entries in the auth ConfigMap",
                id.arn
            ),
        )];
        for existing in &identities {
            if no_duplicate_arns && same(&id, existing) {
                logs.push((
                    Level::Warning,
                    "found existing mapping that matches the one being created, skipping.".into(),
                ));
                return Ok(logs);
            }
            if existing.arn == id.arn && no_duplicate_arns {
                return Err(format!(
                    "found existing mapping with the same arn {} and shadowing is disabled",
                    go::quote(&id.arn)
                ));
            }
            if existing.arn == id.arn {
                logs.push((
                    Level::Warning,
                    format!(
                        "found existing mappings with same arn {} (which will be shadowed by your new mapping)",
                        go::quote(&id.arn)
                    ),
                ));
                break;
            }
        }
        logs.push((
            Level::Info,
            format!("adding identity {} to auth ConfigMap", go::quote(&id.arn)),
        ));
        let mut all = identities;
        all.push(id);
        self.set_identities(&all);
        Ok(logs)
    }

    /// eksctl's `RemoveIdentity`: the first entry with the ARN, or all of them.
    pub fn remove(&mut self, arn: &str, all: bool) -> Result<Logs, String> {
        let identities = self.identities()?;
        let mut logs = Vec::new();
        let mut kept = Vec::new();
        let mut removed = false;
        for identity in identities {
            if identity.arn == arn && (all || !removed) {
                logs.push((
                    Level::Info,
                    format!(
                        "removing identity {} from auth ConfigMap (username = {}, groups = {})",
                        go::quote(arn),
                        go::quote(&identity.username),
                        go::quote_slice(&identity.groups)
                    ),
                ));
                removed = true;
            } else {
                kept.push(identity);
            }
        }
        if !removed && !all {
            return Err(format!(
                "instance identity ARN {} not found in auth ConfigMap",
                go::quote(arn)
            ));
        }
        self.set_identities(&kept);
        let left = kept.iter().filter(|i| i.arn == arn).count();
        if left > 0 {
            logs.push((
                Level::Warning,
                format!(
                    "there are {left} mappings left with same arn {} (use --all to delete them at once)",
                    go::quote(arn)
                ),
            ));
        }
        Ok(logs)
    }

    /// eksctl's `AddAccount`: the accounts stay distinct and sorted.
    pub fn add_account(&mut self, account: &str) -> Result<Logs, String> {
        let mut accounts = self.accounts()?;
        accounts.push(account.to_string());
        accounts.sort();
        accounts.dedup();
        self.set_accounts(&accounts);
        Ok(vec![(
            Level::Info,
            format!("adding account {} to auth ConfigMap", go::quote(account)),
        )])
    }

    /// eksctl's `RemoveAccount`.
    pub fn remove_account(&mut self, account: &str) -> Result<Logs, String> {
        let mut accounts = self.accounts()?;
        let Some(at) = accounts.iter().position(|a| a == account) else {
            return Err(format!(
                "account {} not found in auth ConfigMap",
                go::quote(account)
            ));
        };
        accounts.remove(at);
        self.set_accounts(&accounts);
        Ok(vec![(
            Level::Info,
            format!(
                "removing account {} from auth ConfigMap",
                go::quote(account)
            ),
        )])
    }

    fn accounts(&self) -> Result<Vec<String>, String> {
        aws_auth::accounts(self.data.get(MAP_ACCOUNTS).map_or("", String::as_str))
    }

    fn set_accounts(&mut self, accounts: &[String]) {
        let items: Vec<Value> = accounts.iter().cloned().map(Value::String).collect();
        self.data
            .insert(MAP_ACCOUNTS.into(), aws_auth::to_yaml(&items));
    }

    /// eksctl's `setIdentities`: roles and users rewritten (accounts untouched).
    fn set_identities(&mut self, identities: &[EksctlIdentity]) {
        let of = |kind: &str| -> Vec<Value> {
            identities
                .iter()
                .filter(|i| i.kind == kind)
                .map(|i| Value::Object(i.raw.clone()))
                .collect()
        };
        self.data
            .insert(MAP_ROLES.into(), aws_auth::to_yaml(&of("role")));
        self.data
            .insert(MAP_USERS.into(), aws_auth::to_yaml(&of("user")));
    }
}

/// eksctl's `CompareIdentity`.
fn same(a: &EksctlIdentity, b: &EksctlIdentity) -> bool {
    let mut ga = a.groups.clone();
    let mut gb = b.groups.clone();
    ga.sort();
    gb.sort();
    a.arn == b.arn
        && a.kind == b.kind
        && a.username == b.username
        && a.account == b.account
        && ga == gb
}

/// An identity as eksctl prints it with `-o json` (Go's field order, `omitempty`).
#[derive(Debug, serde::Serialize)]
pub(super) struct JsonIdentity<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    rolearn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    userarn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<&'a str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    username: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    groups: &'a [String],
}

/// The identities in eksctl's JSON form.
pub(super) fn json_items(identities: &[EksctlIdentity]) -> Vec<JsonIdentity<'_>> {
    identities
        .iter()
        .map(|i| {
            let arn = (!i.arn.is_empty()).then_some(i.arn.as_str());
            JsonIdentity {
                rolearn: if i.kind == "role" { arn } else { None },
                userarn: if i.kind == "user" { arn } else { None },
                account: (i.kind == "account").then_some(i.account.as_str()),
                username: &i.username,
                groups: &i.groups,
            }
        })
        .collect()
}

/// The identities in eksctl's YAML form (`sigs.k8s.io/yaml`: keys sorted).
pub(super) fn yaml_items(identities: &[EksctlIdentity]) -> String {
    let values: Vec<Value> = json_items(identities)
        .iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect();
    aws_auth::to_yaml(&values)
}

#[cfg(test)]
mod tests;
