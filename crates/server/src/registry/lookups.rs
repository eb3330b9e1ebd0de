//! What the authenticators look up in the store: the ServiceAccounts, Secrets, Pods and Nodes
//! that ServiceAccount tokens are bound to, and the Secrets of legacy tokens.

use base64::Engine as _;
use kubeward_authn::{LegacyTokenSecret, ServiceAccountLookup};
use kubeward_store::ObjectKey;

use super::{kinds, objects};
use crate::state::State;

impl ServiceAccountLookup for State {
    fn service_account_uid(&self, namespace: &str, name: &str) -> Option<String> {
        uid_of(self, kinds::core::service_accounts().key(namespace, name))
    }

    fn secret_uid(&self, namespace: &str, name: &str) -> Option<String> {
        uid_of(self, kinds::core::secrets().key(namespace, name))
    }

    fn pod_uid(&self, namespace: &str, name: &str) -> Option<String> {
        uid_of(self, kinds::core::pods().key(namespace, name))
    }

    fn node_uid(&self, name: &str) -> Option<String> {
        uid_of(self, kinds::core::nodes().key("", name))
    }

    fn legacy_token_secret(&self, namespace: &str, name: &str) -> Option<LegacyTokenSecret> {
        let secret = self
            .store
            .get(&kinds::core::secrets().key(namespace, name))
            .ok()??;
        let token = secret.pointer("/data/token")?.as_str()?;
        let token = base64::engine::general_purpose::STANDARD
            .decode(token)
            .ok()?;
        let invalid_since = secret
            .pointer("/metadata/labels/kubernetes.io~1legacy-token-invalid-since")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string);
        Some(LegacyTokenSecret {
            token,
            invalid_since,
        })
    }
}

/// The uid of the object at `key`, if it exists.
fn uid_of(state: &State, key: ObjectKey) -> Option<String> {
    let object = state.store.get(&key).ok()??;
    Some(objects::uid(&object).to_string())
}
