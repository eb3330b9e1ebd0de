//! SubjectAccessReview (`authorization.k8s.io`, `v1` or `v1beta1`) both ways:
//!
//! - as kube-apiserver's webhook authorizer sends it, keys its cache and reads the answer
//!   ([`request`], [`read_answer`]: `denied` is a deny, `allowed` an allow, neither no opinion,
//!   both a deny with an error);
//! - as a webhook receives it and answers ([`read_request`], [`answer_body`]).
//!
//! Field and label selectors are not sent: kubeward's request attributes do not carry them, so
//! a webhook is asked the broader question (a selector only narrows a request).

use kubeward_core::UserInfo;
use kubeward_core::attributes::Attributes;

use crate::review::{self, GROUP_AUTHORIZATION, ReadError, SUBJECT_ACCESS_REVIEW};
use crate::version::Version;
use crate::wire::{
    self, AccessReviewStatus, NonResourceAttributes, ResourceAttributes, SpecV1, SpecV1beta1,
    SubjectAccessReview,
};

/// Attributes longer than this (summed) are asked every time, never cached, as kube-apiserver's
/// `maxControlledAttrCacheSize`.
pub const MAX_CACHED_ATTRIBUTES: usize = 10_000;

/// An authorizer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Allowed: later authorizers are not asked.
    Allow,
    /// Denied: later authorizers are not asked.
    Deny,
    /// No opinion: the next authorizer is asked.
    NoOpinion,
}

/// A decision with its reason and, when something went wrong, the error (an answer that says
/// both allowed and denied, a webhook that cannot be reached).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The decision.
    pub decision: Decision,
    /// The reason (`status.reason`), possibly empty.
    pub reason: String,
    /// What went wrong, if anything.
    pub error: Option<String>,
}

impl Verdict {
    /// A decision with a reason and no error.
    pub fn new(decision: Decision, reason: impl Into<String>) -> Self {
        Self {
            decision,
            reason: reason.into(),
            error: None,
        }
    }

    /// `decision` because of `error` (a failure policy applied), with no reason.
    pub fn failed(decision: Decision, error: impl Into<String>) -> Self {
        Self {
            decision,
            reason: String::new(),
            error: Some(error.into()),
        }
    }
}

/// What kube-apiserver posts for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRequest {
    /// The body, in the webhook's version.
    pub body: Vec<u8>,
    /// The cache key: the `v1` spec as JSON (kube-apiserver's `json.Marshal(r.Spec)`).
    pub cache_key: String,
    /// Whether the answer may be cached (the requester-controlled attributes are small).
    pub cacheable: bool,
}

/// The `v1` spec of a request (what a match condition's `request` is built from).
pub fn spec(attributes: &Attributes) -> SpecV1 {
    let user = &attributes.user;
    let mut spec = SpecV1 {
        user: user.name.clone(),
        groups: user.groups.clone(),
        extra: user.extra.clone(),
        uid: user.uid.clone(),
        ..SpecV1::default()
    };
    if attributes.resource_request {
        spec.resource_attributes = Some(ResourceAttributes {
            namespace: attributes.namespace.clone(),
            verb: attributes.verb.clone(),
            group: attributes.api_group.clone(),
            version: attributes.api_version.clone(),
            resource: attributes.resource.clone(),
            subresource: attributes.subresource.clone(),
            name: attributes.name.clone(),
        });
    } else {
        spec.non_resource_attributes = Some(NonResourceAttributes {
            path: attributes.path.clone(),
            verb: attributes.verb.clone(),
        });
    }
    spec
}

/// The review kube-apiserver's webhook authorizer posts for `attributes` in `version`.
pub fn request(version: Version, attributes: &Attributes) -> ReviewRequest {
    let spec = spec(attributes);
    let cache_key = serde_json::to_string(&spec).unwrap_or_default();
    let api_version = format!("{GROUP_AUTHORIZATION}/{}", version.as_str());
    let body = match version {
        Version::V1 => serde_json::to_vec(&review(api_version, spec)),
        Version::V1beta1 => serde_json::to_vec(&review(api_version, SpecV1beta1::from(spec))),
    }
    .unwrap_or_default();
    let controlled = [
        &attributes.namespace,
        &attributes.verb,
        &attributes.api_group,
        &attributes.api_version,
        &attributes.resource,
        &attributes.subresource,
        &attributes.name,
        &attributes.path,
    ]
    .iter()
    .map(|s| s.len())
    .sum::<usize>();
    ReviewRequest {
        body,
        cache_key,
        cacheable: controlled < MAX_CACHED_ATTRIBUTES,
    }
}

fn review<S>(api_version: String, spec: S) -> SubjectAccessReview<S> {
    SubjectAccessReview {
        kind: SUBJECT_ACCESS_REVIEW.to_string(),
        api_version,
        metadata: Some(wire::Metadata::default()),
        spec: Some(spec),
        status: AccessReviewStatus::default(),
    }
}

/// The `status` of a webhook's answer (the same fields in both versions).
pub fn read_status(body: &[u8]) -> Result<AccessReviewStatus, ReadError> {
    let review: SubjectAccessReview<serde_json::Value> =
        review::decode(body, SUBJECT_ACCESS_REVIEW, GROUP_AUTHORIZATION)?;
    Ok(review.status)
}

/// The decision a status means, as kube-apiserver's webhook authorizer reads it.
pub fn verdict(status: &AccessReviewStatus) -> Verdict {
    let reason = status.reason.clone();
    match (status.allowed, status.denied) {
        (true, true) => Verdict {
            decision: Decision::Deny,
            reason,
            error: Some(
                "webhook subject access review returned both allow and deny response".to_string(),
            ),
        },
        (_, true) => Verdict::new(Decision::Deny, reason),
        (true, false) => Verdict::new(Decision::Allow, reason),
        (false, false) => Verdict::new(Decision::NoOpinion, reason),
    }
}

/// A SubjectAccessReview a webhook received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessReviewRequest {
    /// The version it came in (the answer's).
    pub version: Version,
    /// What is asked.
    pub attributes: Attributes,
}

/// Reads the SubjectAccessReview a webhook is posted (`spec.groups` in `v1`, `spec.group` in
/// `v1beta1`); it must ask about a resource or a path, not both.
pub fn read_request(body: &[u8]) -> Result<AccessReviewRequest, ReadError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ReadError::Invalid(format!("the body is not JSON: {e}")))?;
    let version = review::request_version(&value, SUBJECT_ACCESS_REVIEW, GROUP_AUTHORIZATION)?;
    let spec: SpecV1 = match version {
        Version::V1 => review::decode_value::<SubjectAccessReview<SpecV1>>(value)?
            .spec
            .unwrap_or_default(),
        Version::V1beta1 => review::decode_value::<SubjectAccessReview<SpecV1beta1>>(value)?
            .spec
            .unwrap_or_default()
            .into(),
    };
    let mut user = UserInfo::new(spec.user, spec.groups);
    user.uid = spec.uid;
    user.extra = spec.extra;
    let attributes = match (spec.resource_attributes, spec.non_resource_attributes) {
        (Some(resource), None) => {
            let mut attributes = Attributes::resource(
                user,
                &resource.verb,
                &resource.group,
                &resource.resource,
                &resource.namespace,
            )
            .with_subresource(&resource.subresource)
            .with_name(&resource.name);
            attributes.api_version = resource.version;
            attributes
        }
        (None, Some(path)) => Attributes::non_resource(user, &path.verb, &path.path),
        _ => {
            return Err(ReadError::Invalid(
                "exactly one of spec.resourceAttributes and spec.nonResourceAttributes must be set"
                    .to_string(),
            ));
        }
    };
    Ok(AccessReviewRequest {
        version,
        attributes,
    })
}

/// The answer to a review in `version`: `allowed`, `denied` (only a deny sets it), `reason`,
/// and `evaluationError` when something went wrong.
pub fn answer_body(version: Version, verdict: &Verdict) -> Vec<u8> {
    let status = AccessReviewStatus {
        allowed: verdict.decision == Decision::Allow,
        denied: verdict.decision == Decision::Deny,
        reason: verdict.reason.clone(),
        evaluation_error: verdict.error.clone().unwrap_or_default(),
    };
    let review = SubjectAccessReview::<SpecV1> {
        kind: SUBJECT_ACCESS_REVIEW.to_string(),
        api_version: format!("{GROUP_AUTHORIZATION}/{}", version.as_str()),
        metadata: None,
        spec: None,
        status,
    };
    serde_json::to_vec(&review).unwrap_or_default()
}

#[cfg(test)]
mod tests;
