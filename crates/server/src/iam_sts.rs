//! EKS-style IAM tokens, the one network step: a token that the chain's IAM authenticator has
//! not seen verified yet is checked (`kubeward_authn::iam::Iam::check`), its presigned STS
//! `GetCallerIdentity` URL is sent with the headers [`StsCall`] names — no redirects followed,
//! 10 seconds at most — and STS's reply goes back to `Iam::identity`, which caches the identity
//! for the token's lifetime; the chain then answers from that cache. The same call reaches real
//! STS and the local AWS of `kubeward up`; only the URL differs (`--aws-iam-sts-endpoint`).
//! Errors never hold the URL (a presigned URL is a credential until it expires).

use std::sync::Arc;
use std::time::Duration;

use kubeward_authn::iam::{Check, Iam, IamError, StsCall, StsReply, token::V1_PREFIX};

/// aws-iam-authenticator's timeout.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest reply read.
pub const MAX_REPLY: usize = 64 * 1024;

/// Why the client cannot be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StsClientError {
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
pub fn sts_client(extra_ca_pem: Option<&[u8]>) -> Result<reqwest::Client, StsClientError> {
    let mut builder = reqwest::Client::builder()
        .http1_only()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none());
    if let Some(pem) = extra_ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| StsClientError::Certificate(e.to_string()))?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| StsClientError::Build(e.to_string()))
}

/// Sends the call; a transport failure is an [`IamError`] whose message never holds the URL.
pub async fn send_sts(client: &reqwest::Client, call: &StsCall) -> Result<StsReply, IamError> {
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

/// The server's IAM authenticator and the client that reaches STS.
pub struct IamVerifier {
    iam: Arc<Iam>,
    client: reqwest::Client,
}

impl IamVerifier {
    /// A verifier for the chain's IAM authenticator, trusting `extra_ca_pem` besides the
    /// system roots (`--aws-iam-sts-ca-file`; the cluster CA for the local AWS of `up`).
    pub fn new(iam: Arc<Iam>, extra_ca_pem: Option<&[u8]>) -> Result<Self, StsClientError> {
        Ok(Self {
            iam,
            client: sts_client(extra_ca_pem)?,
        })
    }

    /// The IAM authenticator (its mappings are kept current by a controller).
    pub fn iam(&self) -> &Arc<Iam> {
        &self.iam
    }

    /// Makes sure STS was asked about `token`: `None` when it is not an IAM token; `Ok` when
    /// the chain can answer from the IAM cache (verified now or before, and mapped); the
    /// reason otherwise (for the log: it never holds the token).
    pub async fn verify(&self, token: &str) -> Option<Result<(), IamError>> {
        if !token.starts_with(V1_PREFIX) {
            return None;
        }
        let call = match self.iam.check(token, crate::clock::system_now()) {
            Ok(Check::Cached(_)) => return Some(Ok(())),
            Ok(Check::Call(call)) => call,
            Err(error) => return Some(Err(error)),
        };
        let reply = match send_sts(&self.client, &call).await {
            Ok(reply) => reply,
            Err(error) => return Some(Err(error)),
        };
        Some(
            self.iam
                .identity(&call, &reply, crate::clock::system_now())
                .map(|_| ()),
        )
    }
}
