//! The JSON of the review kinds, field for field as `k8s.io/api` declares them (every field
//! `omitempty` but `status.allowed`), in Go's field order so that a body reads as
//! kube-apiserver writes it. `v1beta1` differs from `v1` in one place: a SubjectAccessReview's
//! groups are `spec.group`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `metadata` of a review kube-apiserver sends: `{"creationTimestamp":null}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// Always null in a review.
    pub creation_timestamp: Option<String>,
}

/// `authentication.k8s.io` UserInfo.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    /// `username`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// `uid`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// `groups`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// `extra`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Vec<String>>,
}

/// A TokenReview (the same in `v1` and `v1beta1`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenReview {
    /// `kind`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `apiVersion`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `metadata` (left out of answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// `spec` (left out of answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<TokenReviewSpec>,
    /// `status`.
    #[serde(default)]
    pub status: TokenReviewStatus,
}

/// TokenReview `spec`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TokenReviewSpec {
    /// `token`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token: String,
    /// `audiences`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
}

/// TokenReview `status`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TokenReviewStatus {
    /// `authenticated`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub authenticated: bool,
    /// `user`.
    #[serde(default)]
    pub user: UserInfo,
    /// `audiences`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
    /// `error`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
}

/// A SubjectAccessReview with its version's spec `S` ([`SpecV1`] or [`SpecV1beta1`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectAccessReview<S> {
    /// `kind`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `apiVersion`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `metadata` (left out of answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// `spec` (left out of answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<S>,
    /// `status`.
    #[serde(default)]
    pub status: AccessReviewStatus,
}

/// SubjectAccessReview `spec` of `v1`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecV1 {
    /// `resourceAttributes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_attributes: Option<ResourceAttributes>,
    /// `nonResourceAttributes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_resource_attributes: Option<NonResourceAttributes>,
    /// `user`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user: String,
    /// `groups`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// `extra`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Vec<String>>,
    /// `uid`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
}

/// SubjectAccessReview `spec` of `v1beta1`: the groups are `group`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecV1beta1 {
    /// `resourceAttributes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_attributes: Option<ResourceAttributes>,
    /// `nonResourceAttributes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_resource_attributes: Option<NonResourceAttributes>,
    /// `user`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user: String,
    /// `group`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group: Vec<String>,
    /// `extra`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Vec<String>>,
    /// `uid`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
}

impl From<SpecV1> for SpecV1beta1 {
    fn from(spec: SpecV1) -> Self {
        Self {
            resource_attributes: spec.resource_attributes,
            non_resource_attributes: spec.non_resource_attributes,
            user: spec.user,
            group: spec.groups,
            extra: spec.extra,
            uid: spec.uid,
        }
    }
}

impl From<SpecV1beta1> for SpecV1 {
    fn from(spec: SpecV1beta1) -> Self {
        Self {
            resource_attributes: spec.resource_attributes,
            non_resource_attributes: spec.non_resource_attributes,
            user: spec.user,
            groups: spec.group,
            extra: spec.extra,
            uid: spec.uid,
        }
    }
}

/// `spec.resourceAttributes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceAttributes {
    /// `namespace`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// `verb`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub verb: String,
    /// `group`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// `version`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// `resource`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource: String,
    /// `subresource`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subresource: String,
    /// `name`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

/// `spec.nonResourceAttributes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NonResourceAttributes {
    /// `path`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// `verb`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub verb: String,
}

/// SubjectAccessReview `status` (the same in both versions).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessReviewStatus {
    /// `allowed` (always written).
    #[serde(default)]
    pub allowed: bool,
    /// `denied`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub denied: bool,
    /// `reason`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// `evaluationError`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evaluation_error: String,
}
