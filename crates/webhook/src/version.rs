//! The API version of the review a webhook is sent and answers: `v1` or `v1beta1`
//! (`--authentication-token-webhook-version`, `--authorization-webhook-version`,
//! `subjectAccessReviewVersion`).

/// A review API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `v1`.
    V1,
    /// `v1beta1` (the default of kube-apiserver's flags).
    V1beta1,
}

/// A version no webhook speaks, worded as kube-apiserver refuses it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VersionError {
    /// `--authentication-token-webhook-version`.
    #[error(
        "unsupported authentication webhook version {0:?}, supported versions are \"v1\", \"v1beta1\""
    )]
    Authentication(String),
    /// `--authorization-webhook-version` or `subjectAccessReviewVersion`.
    #[error(
        "unsupported webhook authorizer version {0:?}, supported versions are \"v1\", \"v1beta1\""
    )]
    Authorization(String),
}

impl Version {
    /// The version of a token webhook.
    pub fn authentication(text: &str) -> Result<Self, VersionError> {
        Self::parse(text).ok_or_else(|| VersionError::Authentication(text.to_string()))
    }

    /// The version of an authorization webhook.
    pub fn authorization(text: &str) -> Result<Self, VersionError> {
        Self::parse(text).ok_or_else(|| VersionError::Authorization(text.to_string()))
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "v1" => Some(Self::V1),
            "v1beta1" => Some(Self::V1beta1),
            _ => None,
        }
    }

    /// `v1` or `v1beta1`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::V1beta1 => "v1beta1",
        }
    }

    /// The version of an `apiVersion` of `group` (`authentication.k8s.io/v1` → `V1`).
    pub fn of_api_version(api_version: &str, group: &str) -> Option<Self> {
        let (found, version) = api_version.split_once('/')?;
        if found != group {
            return None;
        }
        Self::parse(version)
    }
}
