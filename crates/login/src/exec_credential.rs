//! The `ExecCredential` a client-go credential plugin prints, in the API version kubectl asks
//! for through `KUBERNETES_EXEC_INFO` (`client.authentication.k8s.io/v1` or `v1beta1`; v1beta1
//! when the variable is absent, as kubelogin does).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[cfg(test)]
mod tests;

/// `client.authentication.k8s.io/v1`.
pub const V1: &str = "client.authentication.k8s.io/v1";
/// `client.authentication.k8s.io/v1beta1`.
pub const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";

/// Why the credential could not be written.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExecCredentialError {
    /// `KUBERNETES_EXEC_INFO` is not an ExecCredential.
    #[error("invalid KUBERNETES_EXEC_INFO: {0}")]
    InvalidExecInfo(String),
    /// kubectl asked for a version this plugin does not write.
    #[error("unknown apiVersion: {0}")]
    UnknownApiVersion(String),
    /// The expiry is outside the representable range.
    #[error("invalid expiry {0}")]
    InvalidExpiry(i64),
}

/// An `ExecCredential` object (the fields a token plugin uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecCredential {
    /// Always `ExecCredential`.
    pub kind: String,
    /// `client.authentication.k8s.io/v1` or `v1beta1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// What kubectl passed in.
    #[serde(default)]
    pub spec: ExecCredentialSpec,
    /// The credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ExecCredentialStatus>,
}

/// `spec` of an ExecCredential.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecCredentialSpec {
    /// Whether kubectl gave the plugin a terminal to talk to the user.
    #[serde(default)]
    pub interactive: bool,
}

/// `status` of an ExecCredential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecCredentialStatus {
    /// RFC 3339 time after which kubectl runs the plugin again.
    #[serde(rename = "expirationTimestamp")]
    pub expiration_timestamp: String,
    /// The bearer token.
    pub token: String,
}

/// The API version kubectl asked for, from the value of `KUBERNETES_EXEC_INFO`.
pub fn requested_api_version(exec_info: Option<&str>) -> Result<String, ExecCredentialError> {
    let Some(info) = exec_info.filter(|s| !s.is_empty()) else {
        return Ok(V1BETA1.to_string());
    };
    #[derive(Deserialize)]
    struct Header {
        #[serde(rename = "apiVersion", default)]
        api_version: String,
    }
    let header: Header = serde_json::from_str(info)
        .map_err(|e| ExecCredentialError::InvalidExecInfo(e.to_string()))?;
    match header.api_version.as_str() {
        "" | V1BETA1 => Ok(V1BETA1.to_string()),
        V1 => Ok(V1.to_string()),
        other => Err(ExecCredentialError::UnknownApiVersion(other.to_string())),
    }
}

/// The ExecCredential for `token` expiring at `expiry` (seconds since the epoch), as one JSON
/// line the way kubelogin's encoder writes it.
pub fn render(api_version: &str, token: &str, expiry: i64) -> Result<String, ExecCredentialError> {
    let at = OffsetDateTime::from_unix_timestamp(expiry)
        .map_err(|_| ExecCredentialError::InvalidExpiry(expiry))?;
    let credential = ExecCredential {
        kind: "ExecCredential".to_string(),
        api_version: api_version.to_string(),
        spec: ExecCredentialSpec::default(),
        status: Some(ExecCredentialStatus {
            expiration_timestamp: at
                .format(&Rfc3339)
                .map_err(|_| ExecCredentialError::InvalidExpiry(expiry))?,
            token: token.to_string(),
        }),
    };
    let mut line = serde_json::to_string(&credential)
        .map_err(|e| ExecCredentialError::InvalidExecInfo(e.to_string()))?;
    line.push('\n');
    Ok(line)
}
