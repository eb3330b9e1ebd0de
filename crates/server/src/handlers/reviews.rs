//! The review APIs: SelfSubjectReview (`kubectl auth whoami`), TokenReview, and the access
//! reviews behind `kubectl auth can-i` (SubjectAccessReview, SelfSubjectAccessReview,
//! LocalSubjectAccessReview, SelfSubjectRulesReview). Answered from the request, never stored.

use http::Response;
use kubeward_core::UserInfo;
use kubeward_core::attributes::Attributes;
use kubeward_core::status::Status;
use kubeward_webhook::Decision;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

use super::context::{Context, not_allowed, not_served};
use crate::codec::body::{self, RequestBody};
use crate::codec::respond::{self, Body};
use crate::registry::kinds::Kind;
use crate::registry::objects;
use validation::Review;

mod recorded;
pub mod validation;

/// Answers a review (only `create` exists).
pub async fn handle(
    context: &Context<'_>,
    kind: &Kind,
    request_body: RequestBody,
) -> Result<Response<Body>, Status> {
    if context.info.verb != "create" || !context.info.subresource.is_empty() {
        return Err(not_allowed(kind.group, kind.resource, &context.info.verb));
    }
    let manager = super::rest::field_manager_of(context, "CreateOptions", false)?;
    let bytes = body::read(request_body).await?;
    let mut request = body::decode_object(&context.parts.headers, &bytes)?;
    context.audit_request_object(&request);
    let review = match kind.resource {
        "subjectaccessreviews" => Some(Review::Subject),
        "selfsubjectaccessreviews" => Some(Review::SelfSubject),
        "localsubjectaccessreviews" => Some(Review::LocalSubject),
        _ => None,
    };
    if let Some(review) = review {
        validation::access_review(review, &mut request, &context.info.namespace)?;
    }
    let no_spec = json!({});
    let spec = request.get("spec").unwrap_or(&no_spec);
    let status = match kind.resource {
        "selfsubjectreviews" => json!({"userInfo": user_info_json(&context.user)}),
        "tokenreviews" => token_review(context, spec).await,
        "subjectaccessreviews" | "localsubjectaccessreviews" => {
            let user = user_from_spec(spec);
            access_status(context, &attributes_from_spec(user, spec)).await
        }
        "selfsubjectaccessreviews" => {
            access_status(context, &attributes_from_spec(context.user.clone(), spec)).await
        }
        "selfsubjectrulesreviews" => {
            let namespace = validation::rules_review(spec)?;
            rules_review(context, namespace)
        }
        _ => return Err(not_served()),
    };
    if kind.resource == "selfsubjectrulesreviews" {
        // kube-apiserver answers with a new object: only the status, no spec or metadata.
        request = json!({"spec": {}});
    }
    if answers_the_request(kind) {
        // kube's create handler records the request's fields before the review answers it.
        let api_version = kind.api_version();
        let now = objects::timestamp(crate::clock::now());
        recorded::record(kind, &api_version, &manager, &now, &mut request);
    }
    // The request is not needed any more: its parts move into the answer.
    let mut parts = match request {
        Value::Object(parts) => parts,
        _ => Map::new(),
    };
    let spec = parts.remove("spec").unwrap_or(json!({}));
    let mut metadata = match parts.remove("metadata") {
        Some(Value::Object(metadata)) => metadata,
        _ => Map::new(),
    };
    metadata.insert(
        "creationTimestamp".into(),
        if kind.resource == "selfsubjectreviews" {
            json!(objects::timestamp(crate::clock::now()))
        } else {
            Value::Null
        },
    );
    if kind.namespaced {
        metadata.insert("namespace".into(), json!(context.info.namespace));
    }
    let mut response = Map::new();
    response.insert("kind".into(), json!(kind.kind));
    response.insert("apiVersion".into(), json!(kind.api_version()));
    response.insert("metadata".into(), Value::Object(metadata));
    if kind.resource != "selfsubjectreviews" {
        response.insert("spec".into(), spec);
    }
    response.insert("status".into(), status);
    Ok(respond::json(201, &Value::Object(response), context.pretty))
}

/// Whether the review answers with the request it was given, its status filled in (TokenReview
/// and the access reviews), so that the managed fields the create recorded stay; SelfSubjectReview
/// and SelfSubjectRulesReview answer with a new object.
fn answers_the_request(kind: &Kind) -> bool {
    !matches!(
        kind.resource,
        "selfsubjectreviews" | "selfsubjectrulesreviews"
    )
}

/// `status.userInfo` of a review: username, uid, groups, extra (empty fields left out).
pub fn user_info_json(user: &UserInfo) -> Value {
    let mut info = Map::new();
    info.insert("username".into(), json!(user.name));
    if !user.uid.is_empty() {
        info.insert("uid".into(), json!(user.uid));
    }
    if !user.groups.is_empty() {
        info.insert("groups".into(), json!(user.groups));
    }
    if !user.extra.is_empty() {
        info.insert("extra".into(), json!(user.extra));
    }
    Value::Object(info)
}

fn user_from_spec(spec: &Value) -> UserInfo {
    let mut user = UserInfo::new(
        spec.get("user").and_then(Value::as_str).unwrap_or(""),
        objects::strings(spec.get("groups")),
    );
    user.uid = spec
        .get("uid")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    user.extra = spec
        .get("extra")
        .and_then(Value::as_object)
        .map(|extra| {
            extra
                .iter()
                .map(|(k, v)| (k.clone(), objects::strings(Some(v))))
                .collect::<BTreeMap<_, _>>()
        })
        .unwrap_or_default();
    user
}

fn attributes_from_spec(user: UserInfo, spec: &Value) -> Attributes {
    if let Some(resource) = spec.get("resourceAttributes") {
        let text = |name: &str| resource.get(name).and_then(Value::as_str).unwrap_or("");
        let mut attributes = Attributes::resource(
            user,
            text("verb"),
            text("group"),
            text("resource"),
            text("namespace"),
        )
        .with_subresource(text("subresource"))
        .with_name(text("name"));
        attributes.api_version = text("version").to_string();
        attributes
    } else {
        let non_resource = spec.get("nonResourceAttributes");
        let text = |name: &str| {
            non_resource
                .and_then(|n| n.get(name))
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        Attributes::non_resource(user, text("verb"), text("path"))
    }
}

/// `status` of an access review: `allowed`, `denied` for a deny, the reason, and the
/// authorizers' errors as `evaluationError`.
async fn access_status(context: &Context<'_>, attributes: &Attributes) -> Value {
    let verdict = crate::authorizer::authorize(context.state, attributes).await;
    let mut status = Map::new();
    status.insert("allowed".into(), json!(verdict.decision == Decision::Allow));
    if verdict.decision == Decision::Deny {
        status.insert("denied".into(), json!(true));
    }
    if !verdict.reason.is_empty() {
        status.insert("reason".into(), json!(verdict.reason));
    }
    if let Some(error) = verdict.error {
        status.insert("evaluationError".into(), json!(error));
    }
    Value::Object(status)
}

fn rules_review(context: &Context<'_>, namespace: &str) -> Value {
    let mut review = context.state.policy().rules_for(&context.user, namespace);
    if context.state.authorizers.has_webhooks() {
        review
            .errors
            .push("webhook authorizer does not support user rule resolution".to_string());
    }
    let mut resource_rules = Vec::new();
    let mut non_resource_rules = Vec::new();
    for rule in &review.rules {
        if rule.non_resource_urls.is_empty() {
            let mut entry = Map::new();
            entry.insert("verbs".into(), json!(rule.verbs));
            if !rule.api_groups.is_empty() {
                entry.insert("apiGroups".into(), json!(rule.api_groups));
            }
            if !rule.resources.is_empty() {
                entry.insert("resources".into(), json!(rule.resources));
            }
            if !rule.resource_names.is_empty() {
                entry.insert("resourceNames".into(), json!(rule.resource_names));
            }
            resource_rules.push(Value::Object(entry));
        } else {
            non_resource_rules.push(json!({
                "verbs": rule.verbs,
                "nonResourceURLs": rule.non_resource_urls,
            }));
        }
    }
    let mut status = Map::new();
    status.insert("resourceRules".into(), json!(resource_rules));
    status.insert("nonResourceRules".into(), json!(non_resource_rules));
    status.insert("incomplete".into(), json!(review.incomplete()));
    if review.incomplete() {
        status.insert("evaluationError".into(), json!(review.evaluation_error()));
    }
    Value::Object(status)
}

async fn token_review(context: &Context<'_>, spec: &Value) -> Value {
    let token = spec.get("token").and_then(Value::as_str).unwrap_or("");
    if let Some(iam) = &context.state.iam {
        // An IAM token is answered from the IAM cache once STS has vouched for it.
        let _ = iam.verify(token).await;
    }
    let audiences = objects::strings(spec.get("audiences"));
    let wanted = (!audiences.is_empty()).then_some(audiences.as_slice());
    let mut result = context.state.authenticator.authenticate_token(
        token,
        wanted,
        context.state.as_ref(),
        crate::clock::system_now(),
    );
    // The token webhook answers for the API audiences only.
    if result.is_err()
        && wanted.is_none()
        && let Some(webhook) = &context.state.token_webhook
        && let Ok(Some(found)) = webhook
            .authenticate(token, crate::clock::system_now())
            .await
    {
        result = Ok(kubeward_authn::TokenUser {
            user: kubeward_authn::add_authenticated_group(found.user),
            audiences: found.audiences,
        });
    }
    match result {
        Ok(found) => json!({
            "authenticated": true,
            "user": user_info_json(&found.user),
            "audiences": found.audiences,
        }),
        Err(_) => json!({"authenticated": false, "user": {}, "error": "[invalid bearer token]"}),
    }
}
