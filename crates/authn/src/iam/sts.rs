//! STS's answer to the presigned `GetCallerIdentity`: the status and body the server received,
//! read as aws-iam-authenticator reads them (JSON, as asked with `Accept: application/json`,
//! and STS's XML as well), into the caller's identity.

use serde::Deserialize;

use super::arn::{self, ArnError, PrincipalType};

/// What came back from STS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsReply {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

/// The three fields of a `GetCallerIdentityResult`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct CallerIdentity {
    /// The account.
    #[serde(rename = "Account", default)]
    pub account: String,
    /// The caller's ARN (`…:user/NAME`, `…:assumed-role/ROLE/SESSION`, …).
    #[serde(rename = "Arn", default)]
    pub arn: String,
    /// The unique id (`AIDA…`, `AROA…:SESSION`, …).
    #[serde(rename = "UserId", default)]
    pub user_id: String,
}

#[derive(Deserialize)]
struct JsonWrapper {
    #[serde(rename = "GetCallerIdentityResponse", default)]
    response: JsonResponse,
}

#[derive(Deserialize, Default)]
struct JsonResponse {
    #[serde(rename = "GetCallerIdentityResult", default)]
    result: CallerIdentity,
}

#[derive(Deserialize)]
struct XmlResponse {
    #[serde(rename = "GetCallerIdentityResult", default)]
    result: CallerIdentity,
}

/// Why STS's answer gives no identity. `Display` follows aws-iam-authenticator's
/// `sts getCallerIdentity failed: …` / `… was throttled: …`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StsError {
    /// The request did not complete (connection refused, timeout, TLS).
    #[error("sts getCallerIdentity failed: error during GET: {reason} on {region} endpoint")]
    Transport {
        /// Why, from the HTTP client (never the URL).
        reason: String,
        /// The STS region.
        region: String,
    },
    /// A non-200 answer that says `Throttling`.
    #[error("sts getCallerIdentity was throttled: {0}")]
    Throttled(String),
    /// Any other non-200 answer (a bad signature, an unknown or expired key, …).
    #[error(
        "sts getCallerIdentity failed: error from AWS (expected 200, got {status}) on {region} endpoint. Body: {body}"
    )]
    Status {
        /// The status.
        status: u16,
        /// The STS region.
        region: String,
        /// STS's error document.
        body: String,
    },
    /// A 200 whose body is neither the JSON nor the XML of `GetCallerIdentity`.
    #[error("sts getCallerIdentity failed: {0}")]
    Body(String),
    /// The ARN is no identity.
    #[error("sts getCallerIdentity failed: {0}")]
    Arn(#[from] ArnError),
    /// An assumed role's UserId is not `ID:SESSION`.
    #[error("sts getCallerIdentity failed: malformed UserID {0:?}")]
    UserId(String),
}

/// Reads STS's answer; `region` names the endpoint in errors.
pub fn parse_reply(reply: &StsReply, region: &str) -> Result<CallerIdentity, StsError> {
    let text = String::from_utf8_lossy(&reply.body);
    if reply.status != 200 {
        if text.contains("Throttling") {
            return Err(StsError::Throttled(text.into_owned()));
        }
        return Err(StsError::Status {
            status: reply.status,
            region: region.to_string(),
            body: text.into_owned(),
        });
    }
    if text.trim_start().starts_with('<') {
        let parsed: XmlResponse =
            quick_xml::de::from_str(&text).map_err(|e| StsError::Body(e.to_string()))?;
        return Ok(parsed.result);
    }
    let parsed: JsonWrapper =
        serde_json::from_str(&text).map_err(|e| StsError::Body(e.to_string()))?;
    Ok(parsed.response.result)
}

/// The identity STS vouched for, as aws-iam-authenticator's `token.Identity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The ARN as STS returned it.
    pub arn: String,
    /// The ARN canonicalised ([`arn::canonicalize`]).
    pub canonical_arn: String,
    /// What kind of principal.
    pub principal_type: PrincipalType,
    /// The 12-digit account.
    pub account_id: String,
    /// The unique id, without the session name.
    pub user_id: String,
    /// The session name of an assumed role (empty otherwise).
    pub session_name: String,
    /// The access key that signed the token.
    pub access_key_id: String,
    /// The STS host that answered.
    pub sts_endpoint: String,
}

/// aws-iam-authenticator's `getIdentityFromSTSResponse`.
pub fn identity(
    caller: CallerIdentity,
    access_key_id: &str,
    sts_endpoint: &str,
) -> Result<Identity, StsError> {
    let (principal_type, canonical_arn) = arn::canonicalize(&caller.arn)?;
    let (user_id, session_name) = match principal_type {
        PrincipalType::FederatedUser | PrincipalType::User | PrincipalType::Root => {
            (caller.user_id, String::new())
        }
        PrincipalType::Role | PrincipalType::AssumedRole => {
            let parts: Vec<&str> = caller.user_id.split(':').collect();
            match parts.as_slice() {
                [id, session] => (id.to_string(), session.to_string()),
                _ => return Err(StsError::UserId(caller.user_id)),
            }
        }
    };
    Ok(Identity {
        arn: caller.arn,
        canonical_arn,
        principal_type,
        account_id: caller.account,
        user_id,
        session_name,
        access_key_id: access_key_id.to_string(),
        sts_endpoint: sts_endpoint.to_string(),
    })
}

#[cfg(test)]
mod tests;
