//! ServiceAccount tokens: the `token` subresource (TokenRequest, `kubectl create token`) and the
//! legacy tokens the token controller writes into `kubernetes.io/service-account-token` Secrets.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::Response;
use hyper::body::Incoming;
use kubeward_authn::token_request::{
    BoundObject, ObjectRef, TokenRequest, issue_legacy_token, issue_token,
};
use kubeward_core::status::{self, FieldError, Status};
use kubeward_store::StoreExt as _;
use serde_json::{Value, json};

use crate::pipeline::Context;
use crate::respond::{self, Body};
use crate::rest::{now, store_status};
use crate::state::{State, core_key};
use crate::{body, meta, registry};

/// kube-apiserver's default token lifetime (1 h).
const DEFAULT_EXPIRATION_SECONDS: i64 = 3600;
/// The shortest lifetime a TokenRequest may ask for (10 minutes).
const MIN_EXPIRATION_SECONDS: i64 = 600;
/// The longest lifetime (`--service-account-max-token-expiration` unset: 2^32 s); kept simple.
const MAX_EXPIRATION_SECONDS: i64 = 1 << 32;

/// `POST …/serviceaccounts/{name}/token`.
pub async fn create(
    context: &Context<'_>,
    request_body: Incoming,
) -> Result<Response<Body>, Status> {
    let state = context.state;
    let Some(signing) = &state.config.service_account_signing else {
        return Err(crate::pipeline::not_served());
    };
    let bytes = body::read(request_body).await?;
    let mut request = body::decode_object(&context.parts.headers, &bytes)?;
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
    let Some(accounts) = registry::find("", "v1", "serviceaccounts") else {
        return Err(crate::pipeline::not_served());
    };
    let account = state
        .store
        .get(&core_key("serviceaccounts", Some(&namespace), &name))
        .map_err(|e| store_status(e, accounts, &name))?
        .ok_or_else(|| status::not_found("", "serviceaccounts", &name))?;
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
        return Err(crate::pipeline::not_served());
    };
    let issued = issue_token(
        key,
        &TokenRequest {
            issuer: signing.issuer.clone(),
            audiences: audiences.clone(),
            namespace: namespace.clone(),
            service_account: ObjectRef::new(name.clone(), meta::uid(&account)),
            bound,
            expiration_seconds: u64::try_from(expiration).unwrap_or(3600),
            warn_after_seconds: None,
        },
        crate::clock::system_now(),
    )
    .map_err(|e| status::internal_error(&e.to_string()))?;
    let expires =
        time::OffsetDateTime::from_unix_timestamp(issued.expires_at).unwrap_or_else(|_| now());
    request["apiVersion"] = json!("authentication.k8s.io/v1");
    request["kind"] = json!("TokenRequest");
    let metadata = meta::metadata_mut(&mut request);
    metadata.insert("name".into(), json!(name));
    metadata.insert("namespace".into(), json!(namespace));
    metadata.insert("creationTimestamp".into(), json!(meta::timestamp(now())));
    request["spec"]["audiences"] = json!(audiences);
    request["spec"]["expirationSeconds"] = json!(expiration);
    request["spec"]["boundObjectRef"] = spec.get("boundObjectRef").cloned().unwrap_or(Value::Null);
    request["status"] = json!({
        "token": issued.token,
        "expirationTimestamp": meta::timestamp(expires),
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
    let resource = match kind {
        "Pod" => "pods",
        "Secret" => "secrets",
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
    let object = state
        .store
        .get(&core_key(resource, Some(namespace), name))
        .map_err(|e| status::internal_error(&e.to_string()))?
        .ok_or_else(|| status::not_found("", resource, name))?;
    let uid = meta::uid(&object).to_string();
    let wanted_uid = reference.get("uid").and_then(Value::as_str).unwrap_or("");
    if !wanted_uid.is_empty() && wanted_uid != uid {
        return Err(status::conflict(
            "",
            resource,
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

/// Fills a new `kubernetes.io/service-account-token` Secret as the token controller does: the
/// ServiceAccount's uid annotation and `data.token`, `data.ca.crt`, `data.namespace`.
pub fn populate_legacy_secret(state: &State, secret: &Value) {
    if secret.get("type").and_then(Value::as_str) != Some("kubernetes.io/service-account-token") {
        return;
    }
    let Some(key) = &state.service_account_key else {
        return;
    };
    let namespace = meta::namespace(secret).to_string();
    let secret_name = meta::name(secret).to_string();
    let Some(account_name) = secret
        .pointer("/metadata/annotations/kubernetes.io~1service-account.name")
        .and_then(Value::as_str)
    else {
        return;
    };
    let Ok(Some(account)) =
        state
            .store
            .get(&core_key("serviceaccounts", Some(&namespace), account_name))
    else {
        return;
    };
    let account_ref = ObjectRef::new(account_name, meta::uid(&account));
    let Ok(token) = issue_legacy_token(key, &namespace, &account_ref, &secret_name) else {
        return;
    };
    let ca = state
        .config
        .cluster_signing
        .as_ref()
        .map(|(cert, _)| cert.clone())
        .unwrap_or_default();
    let result = state.store.modify(
        &core_key("secrets", Some(&namespace), &secret_name),
        |mut stored| -> Result<Value, kubeward_store::StoreError> {
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
