//! A provider as configured on the command line, and a session with it: the HTTP client, the
//! discovered metadata, the client credentials and the scope, and the exchange of a grant for a
//! checked token set.

use crate::cache::{CacheKey, TokenSet};
use crate::clock;
use crate::discovery::{self, DiscoveryError, ProviderMetadata};
use crate::http::{self, HttpError, TlsOptions};
use crate::token::{self, Expected, Grant, TokenError};

/// The provider and client of `--oidc-*` flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provider {
    /// `--oidc-issuer-url`.
    pub issuer: String,
    /// `--oidc-client-id`.
    pub client_id: String,
    /// `--oidc-client-secret`.
    pub client_secret: Option<String>,
    /// `--oidc-extra-scope`.
    pub extra_scopes: Vec<String>,
    /// `--oidc-redirect-url`.
    pub redirect_url: Option<String>,
}

impl Provider {
    /// The scope requested: the extra scopes, then `openid` (kubelogin's order).
    pub fn scope(&self) -> String {
        let mut scopes = self.extra_scopes.clone();
        if !scopes.iter().any(|s| s == "openid") {
            scopes.push("openid".into());
        }
        scopes.join(" ")
    }

    /// The cache key of this provider with `tls` and the password grant's `username`.
    pub fn cache_key(&self, tls: &TlsOptions, username: Option<&str>) -> CacheKey {
        CacheKey {
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone().unwrap_or_default(),
            extra_scopes: self.extra_scopes.clone(),
            redirect_url: self.redirect_url.clone().unwrap_or_default(),
            username: username.unwrap_or_default().to_string(),
            certificate_authorities: tls
                .certificate_authorities
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            certificate_authority_data: tls.certificate_authority_data.clone(),
            insecure_skip_tls_verify: tls.insecure_skip_tls_verify,
        }
    }

    /// The client credentials.
    pub fn client(&self) -> token::Client {
        token::Client {
            id: self.client_id.clone(),
            secret: self.client_secret.clone().filter(|s| !s.is_empty()),
        }
    }
}

/// Why a session could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The HTTP client could not be built.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// Discovery failed.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
}

/// A session with a discovered provider.
#[derive(Debug, Clone)]
pub struct Session {
    /// The HTTP client.
    pub http: reqwest::Client,
    /// The provider as configured.
    pub provider: Provider,
    /// Its metadata.
    pub metadata: ProviderMetadata,
}

impl Session {
    /// Builds the client and runs discovery.
    pub async fn open(provider: &Provider, tls: &TlsOptions) -> Result<Self, SessionError> {
        let http = http::client(tls)?;
        let metadata = discovery::discover(&http, &provider.issuer).await?;
        Ok(Self {
            http,
            provider: provider.clone(),
            metadata,
        })
    }

    /// Sends `grant` and checks the answer's ID token (with `nonce` when given).
    pub async fn exchange(
        &self,
        grant: &Grant,
        nonce: Option<&str>,
        previous_refresh_token: Option<String>,
    ) -> Result<TokenSet, TokenError> {
        let response = token::request(
            &self.http,
            &self.metadata.token_endpoint,
            &self.provider.client(),
            grant,
        )
        .await?;
        token::accept(
            response,
            &Expected {
                issuer: &self.provider.issuer,
                client_id: &self.provider.client_id,
                nonce,
            },
            previous_refresh_token,
            clock::unix_now(),
        )
    }
}
