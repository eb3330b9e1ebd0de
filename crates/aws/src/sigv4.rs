//! Verifying AWS Signature Version 4 — in an `Authorization` header or a presigned query — by
//! signing the same request again with AWS's own signer (`aws-sigv4`) and the stored secret,
//! then comparing in constant time. Pure: the caller hands in the request and `now`.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{
    SessionTokenMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use kubeward_authn::iam::token::{amz_date, parse_amz_date};

use crate::error::AwsError;

/// How far a signed request's date may be from the server's clock.
pub const CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);
/// How long a presigned STS request is valid, whatever its `X-Amz-Expires`.
pub const STS_PRESIGNED_VALIDITY: Duration = Duration::from_secs(15 * 60);

/// The query parameters of a presigned request that the signer itself adds.
const AUTH_PARAMETERS: &[&str] = &[
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
];

/// A request as received.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// `GET`, `POST`.
    pub method: &'a str,
    /// The `Host` header (the signed host).
    pub host: &'a str,
    /// The path, as received.
    pub path: &'a str,
    /// The raw query (without `?`), possibly empty.
    pub query: &'a str,
    /// The headers, names lowercase.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

impl Incoming<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Where and how a request is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The access key id.
    pub access_key_id: String,
    /// The credential scope's region.
    pub region: String,
    /// The credential scope's service (`iam`, `sts`).
    pub service: String,
    /// The signing time (`X-Amz-Date`).
    pub date: SystemTime,
    /// The signed headers (lowercase).
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
    /// The session token, when temporary credentials signed.
    pub security_token: Option<String>,
    /// `Some(X-Amz-Expires)` for a presigned query, `None` for a header.
    pub presigned_expires: Option<u64>,
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default()
}

/// Reads the signature of a request: `Ok(None)` when it carries none.
pub fn read_signature(request: &Incoming<'_>) -> Result<Option<Signature>, AwsError> {
    if let Some(header) = request.header("authorization") {
        return header_signature(request, header).map(Some);
    }
    let pairs = query_pairs(request.query);
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if get("X-Amz-Signature").is_none() && get("X-Amz-Algorithm").is_none() {
        return Ok(None);
    }
    if get("X-Amz-Algorithm") != Some("AWS4-HMAC-SHA256") {
        return Err(AwsError::incomplete_signature(
            "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
        ));
    }
    let missing = |name: &str| {
        AwsError::incomplete_signature(format!(
            "AWS query-string parameters must include '{name}'. Re-examine the query-string parameters."
        ))
    };
    let credential = get("X-Amz-Credential").ok_or_else(|| missing("X-Amz-Credential"))?;
    let (access_key_id, region, service) = scope(credential)?;
    let date = get("X-Amz-Date").ok_or_else(|| missing("X-Amz-Date"))?;
    let expires = get("X-Amz-Expires")
        .ok_or_else(|| missing("X-Amz-Expires"))?
        .parse::<u64>()
        .map_err(|_| AwsError::incomplete_signature("X-Amz-Expires must be a number"))?;
    Ok(Some(Signature {
        access_key_id,
        region,
        service,
        date: parse_amz_date(date).map_err(AwsError::incomplete_signature)?,
        signed_headers: get("X-Amz-SignedHeaders")
            .ok_or_else(|| missing("X-Amz-SignedHeaders"))?
            .split(';')
            .map(str::to_ascii_lowercase)
            .collect(),
        signature: get("X-Amz-Signature")
            .ok_or_else(|| missing("X-Amz-Signature"))?
            .to_string(),
        security_token: get("X-Amz-Security-Token").map(String::from),
        presigned_expires: Some(expires),
    }))
}

/// `AKID/20261204/us-east-1/iam/aws4_request` → (key, region, service).
fn scope(credential: &str) -> Result<(String, String, String), AwsError> {
    let parts: Vec<&str> = credential.split('/').collect();
    match parts.as_slice() {
        [key, _date, region, service, "aws4_request"] if !key.is_empty() => {
            Ok((key.to_string(), region.to_string(), service.to_string()))
        }
        _ => Err(AwsError::incomplete_signature(format!(
            "Credential should be scoped to a valid region. Got: {credential}"
        ))),
    }
}

fn header_signature(request: &Incoming<'_>, header: &str) -> Result<Signature, AwsError> {
    let rest = header.strip_prefix("AWS4-HMAC-SHA256 ").ok_or_else(|| {
        AwsError::incomplete_signature(format!(
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization={header}"
        ))
    })?;
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    let incomplete = |what: &str| {
        AwsError::incomplete_signature(format!("Authorization header requires '{what}' parameter."))
    };
    let (access_key_id, region, service) =
        scope(credential.ok_or_else(|| incomplete("Credential"))?)?;
    let date = request.header("x-amz-date").ok_or_else(|| {
        AwsError::incomplete_signature(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        )
    })?;
    Ok(Signature {
        access_key_id,
        region,
        service,
        date: parse_amz_date(date).map_err(AwsError::incomplete_signature)?,
        signed_headers: signed
            .ok_or_else(|| incomplete("SignedHeaders"))?
            .split(';')
            .map(str::to_ascii_lowercase)
            .collect(),
        signature: signature
            .ok_or_else(|| incomplete("Signature"))?
            .to_string(),
        security_token: request.header("x-amz-security-token").map(String::from),
        presigned_expires: None,
    })
}

/// Checks the signing time against `now`: within the clock skew for a header; within its
/// validity for a presigned query (15 minutes for STS, whatever `X-Amz-Expires` says, as STS
/// does; `X-Amz-Expires` elsewhere).
pub fn check_time(signature: &Signature, now: SystemTime) -> Result<(), AwsError> {
    let window = match signature.presigned_expires {
        None => CLOCK_SKEW,
        Some(_) if signature.service == "sts" => STS_PRESIGNED_VALIDITY,
        Some(expires) => Duration::from_secs(expires),
    };
    if signature.date + window < now {
        return Err(AwsError::sender(
            403,
            "SignatureDoesNotMatch",
            format!(
                "Signature expired: {} is now earlier than {} ({} - {} min.)",
                amz_date(signature.date),
                amz_date(now - window),
                amz_date(now),
                window.as_secs() / 60
            ),
        ));
    }
    if signature.date > now + CLOCK_SKEW {
        return Err(AwsError::sender(
            403,
            "SignatureDoesNotMatch",
            format!(
                "Signature not yet current: {} is still later than {} ({} + 15 min.)",
                amz_date(signature.date),
                amz_date(now + CLOCK_SKEW),
                amz_date(now)
            ),
        ));
    }
    Ok(())
}

/// Signs `request` again with `secret` (and the session token of temporary credentials) as
/// its client did, with AWS's signer, and compares the signatures.
pub fn verify(
    request: &Incoming<'_>,
    signature: &Signature,
    secret: &str,
    session_token: Option<&str>,
) -> Result<(), AwsError> {
    if signature.security_token.as_deref() != session_token {
        return Err(AwsError::invalid_client_token());
    }
    let query: Vec<(String, String)> = query_pairs(request.query)
        .into_iter()
        .filter(|(k, _)| {
            signature.presigned_expires.is_none() || !AUTH_PARAMETERS.contains(&k.as_str())
        })
        .collect();
    let encoded = serde_urlencoded::to_string(&query).unwrap_or_default();
    let uri = if encoded.is_empty() {
        format!("https://{}{}", request.host, request.path)
    } else {
        format!("https://{}{}?{encoded}", request.host, request.path)
    };
    // The signer adds x-amz-date and the session token itself (to the headers or the query).
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .filter(|(name, _)| {
            signature.signed_headers.contains(name)
                && name != "x-amz-date"
                && name != "x-amz-security-token"
                && name != "authorization"
        })
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let mut settings = SigningSettings::default();
    settings.session_token_mode = SessionTokenMode::Include;
    settings.excluded_headers = Some(vec![Cow::Borrowed("authorization")]);
    match signature.presigned_expires {
        Some(expires) => {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(Duration::from_secs(expires));
        }
        None => settings.signature_location = SignatureLocation::Headers,
    }
    let identity = aws_credential_types::Credentials::new(
        signature.access_key_id.clone(),
        secret.to_string(),
        session_token.map(String::from),
        None,
        "kubeward-aws",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&signature.region)
        .name(&signature.service)
        .time(signature.date)
        .settings(settings)
        .build()
        .map_err(|e| AwsError::incomplete_signature(e.to_string()))?;
    let signable = SignableRequest::new(
        request.method,
        uri,
        headers.into_iter(),
        SignableBody::Bytes(request.body),
    )
    .map_err(|e| AwsError::incomplete_signature(e.to_string()))?;
    let expected = sign(signable, &params.into())
        .map_err(|e| AwsError::incomplete_signature(e.to_string()))?;
    let output = expected.output();
    let computed_signed = output
        .headers()
        .find(|(name, _)| *name == "authorization")
        .map(|(_, v)| v.to_string())
        .or_else(|| {
            output
                .params()
                .iter()
                .find(|(k, _)| *k == "X-Amz-SignedHeaders")
                .map(|(_, v)| v.to_string())
        })
        .map(|v| signed_list(&v))
        .unwrap_or_default();
    let signed_headers_match = computed_signed == signature.signed_headers;
    let same = aws_lc_rs::constant_time::verify_slices_are_equal(
        expected.signature().as_bytes(),
        signature.signature.as_bytes(),
    )
    .is_ok();
    if same && signed_headers_match {
        Ok(())
    } else {
        Err(AwsError::signature_mismatch())
    }
}

/// The signed header names of an `Authorization` value or an `X-Amz-SignedHeaders` value.
fn signed_list(value: &str) -> Vec<String> {
    let list = value
        .split(", ")
        .find_map(|p| p.strip_prefix("SignedHeaders="))
        .unwrap_or(value);
    list.split(';').map(str::to_string).collect()
}

#[cfg(test)]
mod tests;
