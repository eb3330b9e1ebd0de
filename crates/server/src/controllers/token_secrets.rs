//! The token controller's legacy part: a `kubernetes.io/service-account-token` Secret gets the
//! ServiceAccount's uid annotation and `data.token`, `data.ca.crt`, `data.namespace`, as
//! kube-controller-manager fills them.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kubeward_authn::token_request::{ObjectRef, issue_legacy_token};
use kubeward_store::{EventType, ObjectKey, StoreError, WatchEvent};
use serde_json::{Value, json};

use super::controller::{Controller, is};
use crate::registry::{kinds, objects};
use crate::state::State;

/// The type of Secrets that hold a legacy ServiceAccount token.
const TOKEN_SECRET_TYPE: &str = "kubernetes.io/service-account-token";

/// The legacy token Secret controller.
pub struct TokenSecrets;

impl Controller for TokenSecrets {
    fn name(&self) -> &'static str {
        "serviceaccount-token"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        is(key, "", "secrets")
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        let secret = &event.object;
        let wanted = event.kind != EventType::Deleted
            && secret.get("type").and_then(Value::as_str) == Some(TOKEN_SECRET_TYPE)
            && secret
                .pointer("/data/token")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty);
        if wanted {
            populate(state, secret);
        }
    }
}

/// Writes the token and what goes with it into `secret`.
fn populate(state: &State, secret: &Value) {
    let Some(key) = &state.service_account_key else {
        return;
    };
    let namespace = objects::namespace(secret).to_string();
    let secret_name = objects::name(secret).to_string();
    let Some(account_name) = secret
        .pointer("/metadata/annotations/kubernetes.io~1service-account.name")
        .and_then(Value::as_str)
    else {
        return;
    };
    let account_key = kinds::core::service_accounts().key(&namespace, account_name);
    let Ok(Some(account)) = state.store.get(&account_key) else {
        return;
    };
    let account_ref = ObjectRef::new(account_name, objects::uid(&account));
    let Ok(token) = issue_legacy_token(key, &namespace, &account_ref, &secret_name) else {
        return;
    };
    let ca = state
        .config
        .cluster_signing
        .as_ref()
        .map(|(cert, _)| cert.clone())
        .unwrap_or_default();
    let secrets = kinds::core::secrets();
    let result = super::writer::modify(
        state,
        secrets,
        &secrets.key(&namespace, &secret_name),
        "",
        |mut stored| -> Result<Value, StoreError> {
            stored["metadata"]["annotations"]["kubernetes.io/service-account.uid"] =
                json!(account_ref.uid);
            stored["data"]["token"] = json!(STANDARD.encode(&token));
            stored["data"]["ca.crt"] = json!(STANDARD.encode(&ca));
            stored["data"]["namespace"] = json!(STANDARD.encode(&namespace));
            Ok(stored)
        },
    );
    if let Err(error) = result {
        tracing::warn!(%error, "legacy ServiceAccount token not written");
    }
}
