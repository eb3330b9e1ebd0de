//! The STS call of IAM token verification, for the API server: GET the presigned
//! `GetCallerIdentity` URL of a checked token with the headers [`StsCall`] names, no
//! redirects followed, 10 seconds at most, and hand the reply back to
//! `kubeward_authn::iam::Iam::identity`. The same call reaches real STS and the local AWS; only
//! the URL differs (`--aws-iam-sts-endpoint`).

use std::time::Duration;

use kubeward_authn::iam::{IamError, StsCall, StsReply};

/// aws-iam-authenticator's timeout.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest reply read.
pub const MAX_REPLY: usize = 64 * 1024;

/// Why the client cannot be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The extra CA bundle does not parse.
    #[error("the STS CA bundle does not parse: {0}")]
    Certificate(String),
    /// reqwest refused the settings.
    #[error("cannot build the STS client: {0}")]
    Build(String),
}

/// The HTTP client: rustls on aws-lc-rs, the system roots (and `extra_ca_pem`, e.g. the cluster
/// CA that signs the local AWS's certificate), HTTP/1.1 (the signed `Host` header is sent as
/// is), no redirects.
pub fn client(extra_ca_pem: Option<&[u8]>) -> Result<reqwest::Client, ClientError> {
    let mut builder = reqwest::Client::builder()
        .http1_only()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none());
    if let Some(pem) = extra_ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| ClientError::Certificate(e.to_string()))?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| ClientError::Build(e.to_string()))
}

/// Sends the call; a transport failure is an [`IamError`] whose message never holds the URL.
pub async fn send(client: &reqwest::Client, call: &StsCall) -> Result<StsReply, IamError> {
    let mut request = client.get(&call.url);
    for (name, value) in &call.headers {
        request = request.header(*name, value);
    }
    let mut response = request
        .send()
        .await
        .map_err(|e| call.transport_error(describe(e)))?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| call.transport_error(format!("error reading HTTP result: {}", describe(e))))?
    {
        if body.len() + chunk.len() > MAX_REPLY {
            return Err(call.transport_error("the reply is larger than 64 KiB"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(StsReply { status, body })
}

/// An error and its causes, without the URL (a presigned URL is a credential).
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let next = cause.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = cause.source();
    }
    text
}
