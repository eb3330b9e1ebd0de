//! The reviews' kinds and groups, and reading a review's JSON: an answer's `kind` and
//! `apiVersion` checked when given, a posted review's required, each with the error
//! kube-apiserver or a webhook reports.

use crate::version::Version;

/// The group of TokenReview.
pub const GROUP_AUTHENTICATION: &str = "authentication.k8s.io";
/// The group of SubjectAccessReview.
pub const GROUP_AUTHORIZATION: &str = "authorization.k8s.io";
/// The kind of a token review.
pub const TOKEN_REVIEW: &str = "TokenReview";
/// The kind of an access review.
pub const SUBJECT_ACCESS_REVIEW: &str = "SubjectAccessReview";

/// A body that is not the review it should be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// What is wrong with it.
    #[error("{0}")]
    Invalid(String),
}

/// Decodes an answer: a `kind` and `apiVersion`, when given, must be the review's (either
/// version of its group).
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    body: &[u8],
    kind: &str,
    group: &str,
) -> Result<T, ReadError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ReadError::Invalid(format!("the answer is not JSON: {e}")))?;
    let text = |field: &str| value.get(field).and_then(serde_json::Value::as_str);
    if let Some(found) = text("kind")
        && found != kind
    {
        return Err(ReadError::Invalid(format!(
            "the answer is a {found}, not a {kind}"
        )));
    }
    if let Some(api_version) = text("apiVersion")
        && Version::of_api_version(api_version, group).is_none()
    {
        return Err(ReadError::Invalid(format!(
            "the answer's apiVersion {api_version:?} is not {group}/v1 or {group}/v1beta1"
        )));
    }
    decode_value(value)
}

/// The version of a review a webhook is posted: `kind` and `apiVersion` are required.
pub(crate) fn request_version(
    value: &serde_json::Value,
    kind: &str,
    group: &str,
) -> Result<Version, ReadError> {
    let text = |field: &str| {
        value
            .get(field)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
    };
    if text("kind") != kind {
        return Err(ReadError::Invalid(format!(
            "expected a {kind}, got kind {:?}",
            text("kind")
        )));
    }
    Version::of_api_version(text("apiVersion"), group).ok_or_else(|| {
        ReadError::Invalid(format!(
            "unsupported apiVersion {:?}: {group}/v1 or {group}/v1beta1 expected",
            text("apiVersion")
        ))
    })
}

/// Decodes the review a webhook is posted and its version.
pub(crate) fn decode_request<T: serde::de::DeserializeOwned>(
    body: &[u8],
    kind: &str,
    group: &str,
) -> Result<(Version, T), ReadError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ReadError::Invalid(format!("the body is not JSON: {e}")))?;
    let version = request_version(&value, kind, group)?;
    Ok((version, decode_value(value)?))
}

/// Decodes a review from its JSON value.
pub(crate) fn decode_value<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, ReadError> {
    serde_json::from_value(value).map_err(|e| ReadError::Invalid(e.to_string()))
}
