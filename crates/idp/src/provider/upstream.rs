//! The back channel to upstream identity providers: their token endpoint (the code and refresh
//! grants with the provider's client credentials), their JSON Web Key Sets (kept for a while
//! per URL) and their userinfo endpoint, over HTTPS that trusts the system's roots plus the
//! truststore given at start (Keycloak's `--truststore-paths`).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use kubeward_jose::jwk::JwkSet;
use kubeward_jose::jws::{self, Compact};
use serde_json::{Map, Value};

use crate::flows::broker::BrokerError;
use crate::model::IdentityProvider;

/// How long one upstream call may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read from an upstream.
const MAX_BODY: usize = 1 << 20;
/// How long a fetched key set is used before it is fetched again (an unknown `kid` fetches at
/// once).
const JWKS_TTL: u64 = 300;

/// What an upstream token endpoint answered.
#[derive(Debug, Clone)]
pub struct UpstreamTokens {
    /// `id_token`.
    pub id_token: Option<String>,
    /// `access_token` (for the userinfo endpoint).
    pub access_token: Option<String>,
    /// `refresh_token`.
    pub refresh_token: Option<String>,
}

/// The upstream HTTPS client and its key set cache.
pub struct Upstream {
    /// The truststore's certificates, checked at start.
    truststore: Vec<reqwest::Certificate>,
    /// The client, built on first use: building it reads the system's trust store, which a
    /// server that never calls an upstream need not pay for at start.
    client: OnceLock<Result<reqwest::Client, String>>,
    keys: Mutex<HashMap<String, (JwkSet, u64)>>,
}

impl Default for Upstream {
    fn default() -> Self {
        Self {
            truststore: Vec::new(),
            client: OnceLock::new(),
            keys: Mutex::new(HashMap::new()),
        }
    }
}

impl Upstream {
    /// A client trusting the system's roots and the certificates of `truststore_pem` (PEM
    /// blocks, possibly none).
    pub fn new(truststore_pem: &[u8]) -> Result<Self, String> {
        let mut truststore = Vec::new();
        if !truststore_pem.is_empty() {
            truststore =
                reqwest::Certificate::from_pem_bundle(truststore_pem).map_err(|e| e.to_string())?;
            if truststore.is_empty() {
                return Err("the truststore has no CERTIFICATE block".into());
            }
        }
        Ok(Self {
            truststore,
            ..Self::default()
        })
    }

    fn client(&self) -> Result<&reqwest::Client, BrokerError> {
        self.client
            .get_or_init(|| {
                let mut builder = reqwest::Client::builder()
                    .timeout(TIMEOUT)
                    .user_agent("kubeward")
                    .redirect(reqwest::redirect::Policy::none());
                if !self.truststore.is_empty() {
                    builder = builder.tls_certs_merge(self.truststore.clone());
                }
                builder.build().map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| BrokerError::Token(format!("no HTTPS client: {e}")))
    }

    /// Sends a request and reads a JSON object of a 200 answer.
    async fn json(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<Map<String, Value>, BrokerError> {
        let failed = |why: String| BrokerError::Token(format!("{what}: {why}"));
        let mut response = request
            .header(http::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| failed(error_chain(&e)))?;
        let status = response.status();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| failed(error_chain(&e)))?
        {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(failed(format!(
                    "the answer is larger than {MAX_BODY} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let parsed: Option<Map<String, Value>> = serde_json::from_slice(&body).ok();
        if !status.is_success() {
            let error = parsed
                .as_ref()
                .and_then(|m| m.get("error"))
                .and_then(Value::as_str)
                .unwrap_or("");
            return Err(failed(format!("HTTP {} {error}", status.as_u16())));
        }
        parsed.ok_or_else(|| failed("the answer is not a JSON object".into()))
    }

    /// Posts a grant to the provider's token endpoint with its client credentials
    /// (`clientAuthMethod`: `client_secret_post`, Keycloak's default, or `client_secret_basic`).
    pub async fn grant(
        &self,
        provider: &IdentityProvider,
        form: &[(&str, &str)],
    ) -> Result<UpstreamTokens, BrokerError> {
        let url = provider
            .config("tokenUrl")
            .ok_or(BrokerError::Config("tokenUrl"))?;
        let client_id = provider
            .config("clientId")
            .ok_or(BrokerError::Config("clientId"))?;
        let secret = provider.config("clientSecret").unwrap_or("");
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        let mut request = self.client()?.post(url);
        if provider.config("clientAuthMethod") == Some("client_secret_basic") {
            request = request.basic_auth(form_encode(client_id), Some(form_encode(secret)));
        } else {
            fields.push(("client_id", client_id));
            if !secret.is_empty() {
                fields.push(("client_secret", secret));
            }
        }
        let answer = self
            .json(request.form(&fields), "the upstream token endpoint")
            .await?;
        let text = |k: &str| answer.get(k).and_then(Value::as_str).map(str::to_string);
        Ok(UpstreamTokens {
            id_token: text("id_token"),
            access_token: text("access_token"),
            refresh_token: text("refresh_token"),
        })
    }

    /// The claims of an upstream ID token, its signature checked against the provider's key
    /// set (`jwksUrl`) unless the provider turns `validateSignature` off (the token came over
    /// the back channel's TLS, as Keycloak allows).
    pub async fn id_token_claims(
        &self,
        provider: &IdentityProvider,
        token: &str,
        now: u64,
    ) -> Result<Map<String, Value>, BrokerError> {
        let invalid = |why: &str| BrokerError::Token(format!("Invalid ID token: {why}"));
        if !provider.flag("validateSignature") {
            return jws::unverified_payload(token).ok_or_else(|| invalid("not a JWS"));
        }
        let url = provider
            .config("jwksUrl")
            .ok_or(BrokerError::Config("jwksUrl"))?;
        let compact = Compact::parse(token).map_err(|e| invalid(&e.to_string()))?;
        let cached = self
            .keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(url)
            .filter(|(_, at)| at + JWKS_TTL > now)
            .map(|(set, _)| set.clone());
        let known = |set: &JwkSet| {
            compact.key_id().is_empty()
                || set
                    .keys
                    .iter()
                    .any(|k| k.kid.as_deref() == Some(compact.key_id()))
        };
        let set = match cached.filter(known) {
            Some(set) => set,
            None => {
                let fetched = self
                    .json(self.client()?.get(url), "the upstream key set")
                    .await?;
                let set: JwkSet = serde_json::from_value(Value::Object(fetched))
                    .map_err(|e| invalid(&e.to_string()))?;
                self.keys
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(url.to_string(), (set.clone(), now));
                set
            }
        };
        let payload = compact
            .verify(&set.verification_keys())
            .map_err(|e| invalid(&e.to_string()))?;
        serde_json::from_slice(payload).map_err(|e| invalid(&e.to_string()))
    }

    /// The userinfo of an upstream access token, when the provider has a `userInfoUrl` and
    /// does not turn it off (`disableUserInfo`).
    pub async fn userinfo(
        &self,
        provider: &IdentityProvider,
        access_token: Option<&str>,
    ) -> Result<Option<Map<String, Value>>, BrokerError> {
        let (Some(url), Some(token)) = (provider.config("userInfoUrl"), access_token) else {
            return Ok(None);
        };
        if provider.flag("disableUserInfo") {
            return Ok(None);
        }
        let request = self.client()?.get(url).bearer_auth(token);
        self.json(request, "the upstream userinfo endpoint")
            .await
            .map(Some)
    }
}

/// `application/x-www-form-urlencoded` of a credential, as RFC 6749 §2.3.1 asks for Basic.
fn form_encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|v| v.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// An error and its causes, `: `-separated.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
