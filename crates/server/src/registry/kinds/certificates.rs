//! CertificateSigningRequests (`certificates.k8s.io/v1`) as kube-apiserver handles them: the
//! requester's identity recorded at create, validation, the CertificateSubjectRestriction
//! admission (`system:masters`), the `approval` subresource with its rules and the
//! CertificateApproval admission (`approve` on signers).

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use k8s_openapi::api::certificates::v1 as types;
use kubeward_core::attributes::Attributes;
use kubeward_core::status::{self, FieldError, Status};
use kubeward_core::validation::NameRule;
use kubeward_pki::{CsrSpec, check_subject_restriction, validate_csr_create};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Admission, Kind, Serving, Strategy, schema_of};
use crate::registry::objects;
use crate::registry::printing::{self, AGE, NAME, column, or_none, text};

/// The API group of CertificateSigningRequests.
pub const GROUP: &str = "certificates.k8s.io";
const KIND: &str = "CertificateSigningRequest";
const RESOURCE: &str = "certificatesigningrequests";

/// The CertificateSigningRequest kind.
pub const KINDS: &[Kind] = &[Kind {
    group: GROUP,
    version: "v1",
    resource: RESOURCE,
    kind: KIND,
    namespaced: false,
    serving: Serving::Stored,
    subresources: &["approval", "status"],
    name_rule: NameRule::Any,
    columns: &[
        NAME,
        AGE,
        column("SignerName", "string", 0),
        column("Requestor", "string", 0),
        column("RequestedDuration", "string", 0),
        column("Condition", "string", 0),
    ],
    cells: csr_cells,
    schema: Some(schema_of::<types::CertificateSigningRequest>()),
    field_labels: Some(&["metadata.name", "spec.signerName"]),
    strategy: &CsrStrategy,
}];

/// CertificateSigningRequests.
pub fn csrs() -> &'static Kind {
    &KINDS[0]
}

struct CsrStrategy;

impl Strategy for CsrStrategy {
    fn prepare_for_create(&self, request: &Admission<'_>, object: &mut Value) {
        record_requester(request.user, object);
    }

    fn prepare_for_update(&self, _request: &Admission<'_>, current: &Value, next: &mut Value) {
        next["spec"] = current.get("spec").cloned().unwrap_or(json!({}));
        stamp_conditions(next);
    }

    fn admit_create(&self, _request: &Admission<'_>, object: &Value) -> Result<(), Status> {
        subject_restriction(object)
    }

    fn admit_update(
        &self,
        request: &Admission<'_>,
        current: &Value,
        next: &Value,
    ) -> Result<(), Status> {
        approval(request, current, next)
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        let spec = object.get("spec").cloned().unwrap_or(json!({}));
        let request = decode_request(&spec);
        let expiration = spec
            .get("expirationSeconds")
            .and_then(Value::as_i64)
            .map(|s| i32::try_from(s).unwrap_or(if s < 0 { i32::MIN } else { i32::MAX }));
        validate_csr_create(&CsrSpec {
            request: request.as_deref().unwrap_or_default(),
            signer_name: spec.get("signerName").and_then(Value::as_str).unwrap_or(""),
            usages: &objects::strings(spec.get("usages")),
            expiration_seconds: expiration,
        })
    }

    fn validate_update(&self, next: &Value, current: &Value) -> Vec<FieldError> {
        // The spec never changes on update (prepare_for_update keeps the stored one).
        condition_errors(&condition_types(current), &condition_types(next))
    }
}

/// The requester's identity, recorded in the spec as kube-apiserver does at create (whatever
/// the client sent), and an empty status.
fn record_requester(user: &kubeward_core::UserInfo, object: &mut Value) {
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
}

/// The CertificateSubjectRestriction admission: no `system:masters` for the client signer.
fn subject_restriction(object: &Value) -> Result<(), Status> {
    let spec = object.get("spec").cloned().unwrap_or(json!({}));
    let signer = spec.get("signerName").and_then(Value::as_str).unwrap_or("");
    match decode_request(&spec).map(|request| check_subject_restriction(signer, &request)) {
        Some(Err(error)) => Err(status::forbidden_with_message(
            GROUP,
            RESOURCE,
            objects::name(object),
            &error.to_string(),
        )),
        _ => Ok(()),
    }
}

/// `spec.request`: base64 in JSON (Go `[]byte`); `None` when it is not valid base64.
pub fn decode_request(spec: &Value) -> Option<Vec<u8>> {
    let text = spec.get("request").and_then(Value::as_str)?;
    STANDARD.decode(text).ok()
}

/// The types of `status.conditions`.
pub fn condition_types(object: &Value) -> Vec<String> {
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

/// Fills the times of conditions that come without them.
fn stamp_conditions(next: &mut Value) {
    let now_text = objects::timestamp(crate::clock::now());
    let Some(conditions) = next
        .pointer_mut("/status/conditions")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for condition in conditions.iter_mut().filter(|c| c.is_object()) {
        for field in ["lastUpdateTime", "lastTransitionTime"] {
            if condition.get(field).is_none_or(Value::is_null) {
                condition[field] = json!(now_text);
            }
        }
    }
}

/// The rules of conditions on update: Approved, Denied and Failed at most once each, never
/// Approved and Denied together, a decision never removed.
fn condition_errors(before: &[String], after: &[String]) -> Vec<FieldError> {
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
        let exclusive = match kind.as_str() {
            "Approved" => {
                approved = true;
                denied
            }
            "Denied" => {
                denied = true;
                approved
            }
            _ => false,
        };
        if exclusive {
            errors.push(FieldError::invalid(
                "status.conditions",
                kind.as_str(),
                "Approved and Denied conditions are mutually exclusive",
            ));
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
    errors
}

/// The CertificateApproval admission: a new Approved or Denied condition through the
/// `approval` subresource needs `approve` on the signer.
fn approval(request: &Admission<'_>, current: &Value, next: &Value) -> Result<(), Status> {
    let decided = |object: &Value| {
        condition_types(object)
            .iter()
            .filter(|k| *k == "Approved" || *k == "Denied")
            .count()
    };
    if request.subresource != "approval" || decided(next) <= decided(current) {
        return Ok(());
    }
    let signer = current
        .pointer("/spec/signerName")
        .and_then(Value::as_str)
        .unwrap_or("");
    if may_approve(request, signer) {
        return Ok(());
    }
    Err(status::forbidden_with_message(
        GROUP,
        RESOURCE,
        objects::name(current),
        &format!(
            "user not permitted to approve requests with signerName {}",
            kubeward_core::go::quote(signer)
        ),
    ))
}

/// The CertificateApproval admission check: `approve` on `signers` named `signer` or
/// `<domain>/*`.
fn may_approve(request: &Admission<'_>, signer: &str) -> bool {
    let mut names = vec![signer.to_string()];
    if let Some((domain, _)) = signer.split_once('/') {
        names.push(format!("{domain}/*"));
    }
    names.iter().any(|name| {
        let attributes =
            Attributes::resource(request.user.clone(), "approve", GROUP, "signers", "")
                .with_name(name);
        crate::authorizer::allowed_blocking(request.state, &attributes)
    })
}

/// The cells of a CSR row.
fn csr_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let requested = object
        .pointer("/spec/expirationSeconds")
        .and_then(Value::as_i64)
        .map(printing::human_duration)
        .unwrap_or_else(|| "<none>".to_string());
    vec![
        printing::name(object),
        printing::age(object, now),
        json!(or_none(text(object, "/spec/signerName"))),
        json!(text(object, "/spec/username")),
        json!(requested),
        json!(condition(object)),
    ]
}

/// The CONDITION column of `kubectl get csr`.
pub fn condition(object: &Value) -> String {
    let types = condition_types(object);
    let has = |wanted: &str| types.iter().any(|t| t == wanted);
    let mut status = if has("Denied") {
        "Denied".to_string()
    } else if has("Approved") {
        "Approved".to_string()
    } else {
        "Pending".to_string()
    };
    if has("Failed") {
        status.push_str(",Failed");
    }
    if object
        .pointer("/status/certificate")
        .and_then(Value::as_str)
        .is_some_and(|c| !c.is_empty())
    {
        status.push_str(",Issued");
    }
    status
}
