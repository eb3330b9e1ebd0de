//! Keeps the IAM authenticator's mappings in step with the store, as aws-iam-authenticator's
//! ConfigMap backend watches `aws-auth`: `kube-system/aws-auth` (`mapRoles`, `mapUsers`,
//! `mapAccounts`) and the access entries of `kube-system/kubeward-eks-access-entries`. An edit
//! takes effect before the write that made it is answered; identities already verified are
//! mapped anew. Entries that do not parse are logged and left out, as the authenticator does.

use kubeward_authn::iam::access_entries::{self, AccessEntries};
use kubeward_authn::iam::{aws_auth, mapping::MapperSet};
use kubeward_store::{EventType, ObjectKey, WatchEvent};
use serde_json::Value;

use super::controller::{Controller, is};
use crate::state::State;

/// The IAM mappings controller.
pub struct IamMappings;

impl Controller for IamMappings {
    fn name(&self) -> &'static str {
        "aws-iam-mappings"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        is(key, "", "configmaps")
            && key.namespace.as_deref() == Some(aws_auth::NAMESPACE)
            && (key.name == aws_auth::NAME || key.name == access_entries::CONFIG_MAP_NAME)
    }

    fn reset(&self, state: &State) {
        if let Some(iam) = &state.iam {
            iam.iam().update_mappings(|m| {
                m.config_map = MapperSet::default();
                m.access_entries = AccessEntries::default();
            });
        }
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        let Some(iam) = &state.iam else {
            return;
        };
        let deleted = event.kind == EventType::Deleted;
        let data = |key: &str| {
            if deleted {
                None
            } else {
                event
                    .object
                    .pointer(&format!("/data/{key}"))
                    .and_then(Value::as_str)
            }
        };
        if event.key.name == aws_auth::NAME {
            let parsed = aws_auth::parse(data);
            for error in &parsed.errors {
                tracing::warn!(%error, "aws-auth: entry left out");
            }
            let mapper = parsed.into_mapper();
            iam.iam().update_mappings(|m| m.config_map = mapper);
        } else {
            let (entries, errors) =
                access_entries::parse(data(access_entries::DATA_KEY).unwrap_or(""));
            for error in &errors {
                tracing::warn!(%error, "access entry left out");
            }
            let entries = AccessEntries::new(entries);
            iam.iam().update_mappings(|m| m.access_entries = entries);
        }
    }
}
