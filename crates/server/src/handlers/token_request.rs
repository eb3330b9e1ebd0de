//! The `token` subresource of ServiceAccounts: TokenRequest (`kubectl create token`), bound
//! tokens signed with kube-apiserver's claims.

use http::Response;
use kubeward_authn::token_request::{BoundObject, ObjectRef, TokenRequest, issue_token};
use kubeward_core::status::{self, FieldError, Status};
use serde_json::{Value, json};

use super::context::{Context, not_served};
use crate::codec::body::{self, RequestBody};
use crate::codec::respond::{self, Body};
use crate::registry::generic;
use crate::registry::kinds::core as kinds;
use crate::registry::objects;
use crate::state::State;

/// kube-apiserver's default token lifetime (1 h).
const DEFAULT_EXPIRATION_SECONDS: i64 = 3600;
/// The shortest lifetime a TokenRequest may ask for (10 minutes).
const MIN_EXPIRATION_SECONDS: i64 = 600;
/// The longest lifetime (`--service-account-max-token-expiration` unset: 2^32 s); kept simple.
const MAX_EXPIRATION_SECONDS: i64 = 1 << 32;

/// `POST …/serviceaccounts/{name}/token`.
pub async fn create(
    context: &Context<'_>,
    request_body: RequestBody,
) -> Result<Response<Body>, Status> {
    let state = context.state;
    let Some(signing) = &state.config.service_account_signing else {
        return Err(not_served());
    };
    let bytes = body::read(request_body).await?;
    let mut request = body::decode_object(&context.parts.headers, &bytes)?;
    context.audit_request_object(&request);
    let namespace = context.info.namespace.clone();
    let name = context.info.name.clone();
    let spec = request.get("spec").cloned().unwrap_or(json!({}));
    let expiration = spec
        .get("expirationSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(DEFAULT_EXPIRATION_SECONDS);
    let invalid = |error: FieldError| {
        status::invalid("authentication.k8s.io", "TokenRequest", "", vec![error])
    };
    if expiration < MIN_EXPIRATION_SECONDS {
        return Err(invalid(FieldError::invalid(
            "spec.expirationSeconds",
            expiration,
            "may not specify a duration less than 10 minutes",
        )));
    }
    if expiration > MAX_EXPIRATION_SECONDS {
        return Err(invalid(FieldError::invalid(
            "spec.expirationSeconds",
            expiration,
            "may not specify a duration larger than 2^32 seconds",
        )));
    }
    let account = generic::get(state, kinds::service_accounts(), &namespace, &name)?;
    let bound = bound_object(state, &namespace, spec.get("boundObjectRef"))?;
    let audiences: Vec<String> = spec
        .get("audiences")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .filter(|a: &Vec<String>| !a.is_empty())
        .unwrap_or_else(|| signing.audiences.clone());
    let Some(key) = &state.service_account_key else {
        return Err(not_served());
    };
    let issued = issue_token(
        key,
        &TokenRequest {
            issuer: signing.issuer.clone(),
            audiences: audiences.clone(),
            namespace: namespace.clone(),
            service_account: ObjectRef::new(name.clone(), objects::uid(&account)),
            bound,
            expiration_seconds: u64::try_from(expiration).unwrap_or(3600),
            warn_after_seconds: None,
        },
        crate::clock::system_now(),
    )
    .map_err(|e| status::internal_error(&e.to_string()))?;
    let expires = time::OffsetDateTime::from_unix_timestamp(issued.expires_at)
        .unwrap_or_else(|_| crate::clock::now());
    request["apiVersion"] = json!("authentication.k8s.io/v1");
    request["kind"] = json!("TokenRequest");
    let metadata = objects::metadata_mut(&mut request);
    metadata.insert("name".into(), json!(name));
    metadata.insert("namespace".into(), json!(namespace));
    metadata.insert(
        "creationTimestamp".into(),
        json!(objects::timestamp(crate::clock::now())),
    );
    request["spec"]["audiences"] = json!(audiences);
    request["spec"]["expirationSeconds"] = json!(expiration);
    request["spec"]["boundObjectRef"] = spec.get("boundObjectRef").cloned().unwrap_or(Value::Null);
    request["status"] = json!({
        "token": issued.token,
        "expirationTimestamp": objects::timestamp(expires),
    });
    Ok(respond::json(201, &request, context.pretty))
}

fn bound_object(
    state: &State,
    namespace: &str,
    reference: Option<&Value>,
) -> Result<Option<BoundObject>, Status> {
    let Some(reference) = reference.filter(|r| !r.is_null()) else {
        return Ok(None);
    };
    let kind = reference.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = reference.get("name").and_then(Value::as_str).unwrap_or("");
    let bound_kind = match kind {
        "Pod" => kinds::pods(),
        "Secret" => kinds::secrets(),
        other => {
            return Err(status::invalid(
                "authentication.k8s.io",
                "TokenRequest",
                "",
                vec![FieldError::not_supported(
                    "spec.boundObjectRef.kind",
                    other,
                    &["Pod", "Secret"],
                )],
            ));
        }
    };
    let object = generic::get(state, bound_kind, namespace, name)?;
    let uid = objects::uid(&object).to_string();
    let wanted_uid = reference.get("uid").and_then(Value::as_str).unwrap_or("");
    if !wanted_uid.is_empty() && wanted_uid != uid {
        return Err(status::conflict(
            "",
            bound_kind.resource,
            name,
            &format!(
                "the UID in the bound object reference ({wanted_uid}) does not match the UID in record. The object might have been deleted and then recreated"
            ),
        ));
    }
    let object_ref = ObjectRef::new(name, uid);
    Ok(Some(match kind {
        "Pod" => BoundObject::Pod {
            pod: object_ref,
            node: None,
        },
        _ => BoundObject::Secret(object_ref),
    }))
}
