//! The CSR signing controller of kube-controller-manager for the signers this server runs
//! (`kubernetes.io/kube-apiserver-client` and `…-kubelet`): an Approved request gets its
//! certificate from the cluster CA, or a `Failed` condition saying why not.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kubeward_pki::{CertificateAuthority, SignerDecision, check_signer_policy, parse_csr_pem};
use kubeward_store::{EventType, ObjectKey, StoreError, WatchEvent};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::controller::{Controller, is};
use crate::registry::kinds::certificates::{self, GROUP, condition_types, decode_request};
use crate::registry::objects;
use crate::state::State;

/// The CSR signer.
pub struct CsrSigner;

impl Controller for CsrSigner {
    fn name(&self) -> &'static str {
        "csrsigning"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        is(key, GROUP, "certificatesigningrequests")
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        if event.kind != EventType::Deleted && needs_signing(&event.object) {
            sign_if_approved(state, objects::name(&event.object));
        }
    }
}

/// Signs request `name` if it still needs it (read again inside the write).
fn sign_if_approved(state: &State, name: &str) {
    let Some(ca) = &state.cluster_ca else {
        return;
    };
    let key = certificates::csrs().key("", name);
    let result = super::writer::modify(
        state,
        certificates::csrs(),
        &key,
        "status",
        |mut current| -> Result<Value, StoreError> {
            if !needs_signing(&current) {
                return Ok(current);
            }
            let spec = current.get("spec").cloned().unwrap_or(json!({}));
            let now = crate::clock::now();
            match sign(ca, &spec, now) {
                Some(Ok(certificate_pem)) => {
                    current["status"]["certificate"] = json!(STANDARD.encode(certificate_pem));
                }
                Some(Err(message)) => {
                    let now_text = objects::timestamp(now);
                    let failed = json!({
                        "type": "Failed",
                        "status": "True",
                        "reason": "SignerValidationFailure",
                        "message": message,
                        "lastUpdateTime": now_text,
                        "lastTransitionTime": now_text,
                    });
                    match current
                        .pointer_mut("/status/conditions")
                        .and_then(Value::as_array_mut)
                    {
                        Some(conditions) => conditions.push(failed),
                        None => current["status"]["conditions"] = json!([failed]),
                    }
                }
                None => {}
            }
            Ok(current)
        },
    );
    if let Err(error) = result {
        tracing::warn!(%error, "signing a CertificateSigningRequest failed");
    }
}

/// What the signer does with an approved request's spec: `None` for a signer it does not run,
/// `Some(Ok(pem))` for the certificate, `Some(Err(message))` for a `Failed` condition.
fn sign(
    ca: &CertificateAuthority,
    spec: &Value,
    now: OffsetDateTime,
) -> Option<Result<String, String>> {
    let signer = spec.get("signerName").and_then(Value::as_str).unwrap_or("");
    let usages = objects::strings(spec.get("usages"));
    let request = decode_request(spec).unwrap_or_default();
    let csr = match parse_csr_pem(&request) {
        Ok(csr) => csr,
        Err(error) => return Some(Err(error.to_string())),
    };
    match check_signer_policy(signer, &csr, &usages) {
        SignerDecision::Ignore => return None,
        SignerDecision::Fail(error) => return Some(Err(error.to_string())),
        SignerDecision::Sign => {}
        _ => return None,
    }
    let expiration = spec
        .get("expirationSeconds")
        .and_then(Value::as_i64)
        .and_then(|s| u64::try_from(s).ok())
        .map(Duration::from_secs);
    Some(
        ca.sign_csr(&csr, &usages, expiration, now)
            .map_err(|e| e.to_string()),
    )
}

/// Approved, not denied or failed, not issued yet.
fn needs_signing(object: &Value) -> bool {
    let types = condition_types(object);
    let approved = types.iter().any(|t| t == "Approved");
    let settled = types.iter().any(|t| t == "Denied" || t == "Failed");
    let issued = object
        .pointer("/status/certificate")
        .and_then(Value::as_str)
        .is_some_and(|c| !c.is_empty());
    approved && !settled && !issued
}
