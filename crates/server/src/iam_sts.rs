//! EKS-style IAM tokens, the one network step: a token that the chain's IAM authenticator has
//! not seen verified yet is checked (`kubeward_authn::iam::Iam::check`), its presigned STS
//! `GetCallerIdentity` URL is sent with the headers [`StsCall`] names — no redirects followed,
//! 10 seconds at most — and STS's reply goes back to `Iam::identity`, which caches the identity
//! for the token's lifetime; the chain then answers from that cache. Requests that bring the
//! same unverified token while its call is out wait for that call instead of making their own
//! (single flight), so a burst of concurrent requests with one token makes one STS call.
//! The same call reaches real
//! STS and the local AWS of `kubeward up`; only the URL differs (`--aws-iam-sts-endpoint`).
//! Errors never hold the URL (a presigned URL is a credential until it expires).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kubeward_authn::cache::CacheKey;
use tokio::sync::OnceCell;

use kubeward_authn::iam::ec2::Ec2Settings;
use kubeward_authn::iam::{Check, Iam, IamError, StsCall, StsReply, token::V1_PREFIX};

use crate::iam_ec2::Ec2Resolver;

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

/// The server's IAM authenticator, the client that reaches STS, and — for
/// `{{EC2PrivateDNSName}}` — the one that asks EC2.
pub struct IamVerifier {
    iam: Arc<Iam>,
    client: reqwest::Client,
    ec2: Option<Ec2Resolver>,
    in_flight: InFlight,
}

/// The STS calls out now, by token (its cache key): the outcome, shared with every request
/// that brings the token while the call is out.
type InFlight = Mutex<HashMap<CacheKey, Arc<OnceCell<Result<(), IamError>>>>>;

impl IamVerifier {
    /// A verifier for the chain's IAM authenticator, trusting `extra_ca_pem` besides the
    /// system roots (`--aws-iam-sts-ca-file`; the cluster CA for the local AWS of `up`).
    /// With `ec2`, mappings that name `{{EC2PrivateDNSName}}` are rendered with EC2's answer.
    pub fn new(
        iam: Arc<Iam>,
        extra_ca_pem: Option<&[u8]>,
        ec2: Option<Ec2Settings>,
    ) -> Result<Self, StsClientError> {
        let client = sts_client(extra_ca_pem)?;
        Ok(Self {
            iam,
            ec2: ec2.map(|settings| Ec2Resolver::new(settings, client.clone())),
            client,
            in_flight: Mutex::new(HashMap::new()),
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
        let outcome = self.verify_with_sts(token).await;
        // A node's session: the mapping names the instance's private DNS name, asked of EC2
        // once, then kept (aws-iam-authenticator's `renderTemplate` with its `ec2provider`).
        let (Some(Err(error)), Some(ec2)) = (&outcome, &self.ec2) else {
            return outcome;
        };
        let Some(instance) = error.unknown_instance().map(str::to_string) else {
            return outcome;
        };
        match ec2.private_dns_name(&instance).await {
            Ok(name) => {
                self.iam.add_ec2_private_dns_name(&instance, &name);
                match self.iam.check(token, crate::clock::system_now()) {
                    Ok(_) => Some(Ok(())),
                    Err(error) => Some(Err(error)),
                }
            }
            Err(message) => outcome.map(|o| o.map_err(|e| e.with_ec2_failure(message))),
        }
    }

    async fn verify_with_sts(&self, token: &str) -> Option<Result<(), IamError>> {
        if !token.starts_with(V1_PREFIX) {
            return None;
        }
        let call = match self.iam.check(token, crate::clock::system_now()) {
            Ok(Check::Cached(_)) => return Some(Ok(())),
            Ok(Check::Call(call)) => call,
            Err(error) => return Some(Err(error)),
        };
        let key = *call.key();
        let flight = self
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default()
            .clone();
        // The first request makes the call; the others wait for its outcome (if the first is
        // cancelled, the next waiter makes it).
        let outcome = flight
            .get_or_init(|| self.call_sts(token, call))
            .await
            .clone();
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        if in_flight
            .get(&key)
            .is_some_and(|current| Arc::ptr_eq(current, &flight))
        {
            in_flight.remove(&key);
        }
        Some(outcome)
    }

    /// One STS call: the reply read into the IAM cache (a success stays there for the token's
    /// lifetime; a refusal is not kept, the next request asks again).
    async fn call_sts(&self, token: &str, call: StsCall) -> Result<(), IamError> {
        // Verified meanwhile by a call that has just finished.
        if let Ok(Check::Cached(_)) = self.iam.check(token, crate::clock::system_now()) {
            return Ok(());
        }
        let reply = send_sts(&self.client, &call).await?;
        self.iam
            .identity(&call, &reply, crate::clock::system_now())
            .map(|_| ())
    }
}
