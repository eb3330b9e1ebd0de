//! CertificateSigningRequests as kube-apiserver and kube-controller-manager handle them: the
//! requester's identity recorded at create, validation, the `system:masters` restriction, the
//! `approval` subresource with its rules and the `approve` permission on signers, and the
//! signing controller of the `kubernetes.io/kube-apiserver-client(-kubelet)` signers.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kubeward_core::attributes::Attributes;
use kubeward_core::status::{self, FieldError, Status};
use kubeward_store::StoreExt as _;
use serde_json::{Value, json};

use crate::pipeline::{self, Context};
use crate::registry::{CERTIFICATES_GROUP, ResourceDef};
use crate::rest::{key, now};
use crate::state::State;
use crate::{meta, pki_bridge};

const KIND: &str = "CertificateSigningRequest";
const RESOURCE: &str = "certificatesigningrequests";

fn invalid(object: &Value, errors: Vec<FieldError>) -> Status {
    status::invalid(CERTIFICATES_GROUP, KIND, meta::name(object), errors)
}

/// Create: record who asks, clear the status, validate, refuse `system:masters` for the client
/// signer.
pub fn admit_create(context: &Context<'_>, object: &mut Value) -> Result<(), Status> {
    let user = &context.user;
    if !object.get("spec").is_some_and(Value::is_object) {
        object["spec"] = json!({});
    }
    let spec = &mut object["spec"];
    spec["username"] = json!(user.name);
    if user.uid.is_empty() {
        if let Some(map) = spec.as_object_mut() {
            map.remove("uid");
        }
    } else {
        spec["uid"] = json!(user.uid);
    }
    spec["groups"] = json!(user.groups);
    if user.extra.is_empty() {
        if let Some(map) = spec.as_object_mut() {
            map.remove("extra");
        }
    } else {
        spec["extra"] = json!(user.extra);
    }
    object["status"] = json!({});

    let spec = object["spec"].clone();
    let request = decode_request(&spec);
    let signer = spec.get("signerName").and_then(Value::as_str).unwrap_or("");
    let usages = meta::strings(spec.get("usages"));
    let errors = pki_bridge::validate_spec(
        request.as_deref(),
        signer,
        &usages,
        spec.get("expirationSeconds").and_then(Value::as_i64),
    );
    if !errors.is_empty() {
        return Err(invalid(object, errors));
    }
    if let Some(message) = request
        .as_deref()
        .and_then(|r| pki_bridge::subject_restriction(r, signer))
    {
        return Err(status::forbidden_with_message(
            CERTIFICATES_GROUP,
            RESOURCE,
            meta::name(object),
            &message,
        ));
    }
    Ok(())
}

/// `spec.request`: base64 in JSON (Go `[]byte`); `None` when it is not valid base64.
fn decode_request(spec: &Value) -> Option<Vec<u8>> {
    let text = spec.get("request").and_then(Value::as_str)?;
    STANDARD.decode(text).ok()
}

fn condition_types(object: &Value) -> Vec<String> {
    object
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            c.get("type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

/// Update (main resource, `status` or `approval`): the spec never changes; approval conditions
/// are validated and their timestamps filled; adding Approved or Denied needs `approve` on the
/// signer.
pub fn admit_update(
    context: &Context<'_>,
    current: &Value,
    next: &mut Value,
) -> Result<(), Status> {
    next["spec"] = current.get("spec").cloned().unwrap_or(json!({}));
    let now_text = meta::timestamp(now());
    if let Some(conditions) = next
        .pointer_mut("/status/conditions")
        .and_then(Value::as_array_mut)
    {
        for condition in conditions.iter_mut() {
            if !condition.is_object() {
                continue;
            }
            for field in ["lastUpdateTime", "lastTransitionTime"] {
                if condition.get(field).is_none_or(Value::is_null) {
                    condition[field] = json!(now_text);
                }
            }
        }
    }
    let before = condition_types(current);
    let after = condition_types(next);
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    let (mut approved, mut denied) = (false, false);
    for (i, kind) in after.iter().enumerate() {
        if !seen.insert(kind.clone())
            && (kind == "Approved" || kind == "Denied" || kind == "Failed")
        {
            errors.push(FieldError::duplicate(
                &format!("status.conditions[{i}].type"),
                kind.as_str(),
            ));
        }
        match kind.as_str() {
            "Approved" => {
                approved = true;
                if denied {
                    errors.push(FieldError::invalid(
                        "status.conditions",
                        kind.as_str(),
                        "Approved and Denied conditions are mutually exclusive",
                    ));
                }
            }
            "Denied" => {
                denied = true;
                if approved {
                    errors.push(FieldError::invalid(
                        "status.conditions",
                        kind.as_str(),
                        "Approved and Denied conditions are mutually exclusive",
                    ));
                }
            }
            _ => {}
        }
    }
    for kind in ["Approved", "Denied"] {
        if before.iter().any(|k| k == kind) && !after.iter().any(|k| k == kind) {
            errors.push(FieldError::forbidden(
                "status.conditions",
                &format!(
                    "updates may not remove a condition of type {}",
                    kubeward_core::go::quote(kind)
                ),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(invalid(next, errors));
    }
    let decided = |types: &[String]| {
        types
            .iter()
            .filter(|k| *k == "Approved" || *k == "Denied")
            .count()
    };
    if context.info.subresource == "approval" && decided(&after) > decided(&before) {
        let signer = current
            .pointer("/spec/signerName")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !may_approve(context, signer) {
            return Err(status::forbidden_with_message(
                CERTIFICATES_GROUP,
                RESOURCE,
                meta::name(current),
                &format!(
                    "user not permitted to approve requests with signerName {}",
                    kubeward_core::go::quote(signer)
                ),
            ));
        }
    }
    Ok(())
}

/// The CertificateApproval admission check: `approve` on `signers` named `signer` or
/// `<domain>/*`.
fn may_approve(context: &Context<'_>, signer: &str) -> bool {
    let mut names = vec![signer.to_string()];
    if let Some((domain, _)) = signer.split_once('/') {
        names.push(format!("{domain}/*"));
    }
    names.iter().any(|name| {
        let attributes = Attributes::resource(
            context.user.clone(),
            "approve",
            CERTIFICATES_GROUP,
            "signers",
            "",
        )
        .with_name(name);
        pipeline::allowed(context.state, &attributes)
    })
}

/// The signing controller: an Approved request of a signer this server implements gets its
/// certificate, or a `Failed` condition saying why not.
pub fn sign_if_approved(state: &State, def: &ResourceDef, stored: &Value) {
    let Some(ca) = &state.cluster_ca else {
        return;
    };
    if !needs_signing(stored) {
        return;
    }
    let key = key(def, "", meta::name(stored));
    let result = state.store.modify(
        &key,
        |mut current| -> Result<Value, kubeward_store::StoreError> {
            if !needs_signing(&current) {
                return Ok(current);
            }
            let spec = current.get("spec").cloned().unwrap_or(json!({}));
            let signer = spec.get("signerName").and_then(Value::as_str).unwrap_or("");
            let usages = meta::strings(spec.get("usages"));
            let request = decode_request(&spec).unwrap_or_default();
            let expiration = spec.get("expirationSeconds").and_then(Value::as_i64);
            match pki_bridge::sign(ca, &request, signer, &usages, expiration, now()) {
                Some(Ok(certificate_pem)) => {
                    current["status"]["certificate"] = json!(STANDARD.encode(certificate_pem));
                }
                Some(Err(message)) => {
                    let now_text = meta::timestamp(now());
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
