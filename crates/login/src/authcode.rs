//! The authorization code grant with PKCE, `state` and `nonce`: through the browser and the
//! redirect listener (`authcode`), or by pasting the code (`authcode-keyboard`).

use std::time::Duration;

use crate::browser::{self, BrowserOptions};
use crate::cache::TokenSet;
use crate::pkce::{self, Pkce, PkceError};
use crate::prompt::{self, PromptError};
use crate::redirect::{self, Expectation, RedirectError};
use crate::session::Session;
use crate::token::{Grant, TokenError};

#[cfg(test)]
mod tests;

/// The redirect URI of authcode-keyboard when none is configured (kubelogin's).
pub const OOB_REDIRECT_URI: &str = "urn:ietf:wg:oauth:2.0:oob";

/// Why the authorization code flow failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthCodeError {
    /// No random values.
    #[error(transparent)]
    Random(#[from] PkceError),
    /// The authorization endpoint or redirect URL is not a URL.
    #[error("invalid URL {url}: {message}")]
    Url {
        /// The URL.
        url: String,
        /// The parser's message.
        message: String,
    },
    /// The browser did not come back with a code.
    #[error("authorization error: {0}")]
    Redirect(#[from] RedirectError),
    /// The code could not be read from the terminal.
    #[error(transparent)]
    Prompt(#[from] PromptError),
    /// The code could not be exchanged for a good token.
    #[error("could not exchange the authorization code: {0}")]
    Token(#[from] TokenError),
}

/// The parameters of an authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest<'a> {
    /// `authorization_endpoint`.
    pub endpoint: &'a str,
    /// `client_id`.
    pub client_id: &'a str,
    /// `redirect_uri`.
    pub redirect_uri: &'a str,
    /// `scope`.
    pub scope: &'a str,
    /// `state`.
    pub state: &'a str,
    /// `nonce`.
    pub nonce: &'a str,
    /// `code_challenge` (S256), when PKCE is used.
    pub code_challenge: Option<&'a str>,
    /// `--oidc-auth-request-extra-params`.
    pub extra: &'a [(String, String)],
}

/// The authorization URL: the endpoint with the parameters sorted by name, as Go's oauth2
/// package writes them.
pub fn authorization_url(request: &AuthorizationRequest<'_>) -> Result<String, AuthCodeError> {
    let mut url = reqwest::Url::parse(request.endpoint).map_err(|e| AuthCodeError::Url {
        url: request.endpoint.to_string(),
        message: e.to_string(),
    })?;
    let mut params: Vec<(&str, &str)> = vec![
        ("access_type", "offline"),
        ("client_id", request.client_id),
        ("nonce", request.nonce),
        ("redirect_uri", request.redirect_uri),
        ("response_type", "code"),
        ("scope", request.scope),
        ("state", request.state),
    ];
    if let Some(challenge) = request.code_challenge {
        params.push(("code_challenge", challenge));
        params.push(("code_challenge_method", "S256"));
    }
    for (key, value) in request.extra {
        params.push((key, value));
    }
    params.sort_by(|a, b| a.0.cmp(b.0));
    url.query_pairs_mut().extend_pairs(params);
    Ok(url.into())
}

/// Options of the browser flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserFlow {
    /// `--listen-address`, tried in order.
    pub listen_addresses: Vec<String>,
    /// How to open the browser.
    pub browser: BrowserOptions,
    /// `--authentication-timeout-sec`.
    pub timeout: Duration,
    /// Whether to use PKCE S256 (`None`: when the provider announces it).
    pub use_pkce: Option<bool>,
    /// `--oidc-auth-request-extra-params`.
    pub extra: Vec<(String, String)>,
}

fn callback_path(redirect_uri: &str) -> Result<String, AuthCodeError> {
    let url = reqwest::Url::parse(redirect_uri).map_err(|e| AuthCodeError::Url {
        url: redirect_uri.to_string(),
        message: e.to_string(),
    })?;
    Ok(url.path().to_string())
}

fn pkce_for(session: &Session, use_pkce: Option<bool>) -> Result<Option<Pkce>, AuthCodeError> {
    if use_pkce.unwrap_or_else(|| session.metadata.supports_s256()) {
        Ok(Some(Pkce::new()?))
    } else {
        Ok(None)
    }
}

/// Runs the flow through the browser: listener, browser, code, token.
pub async fn browser_flow(
    session: &Session,
    flow: &BrowserFlow,
) -> Result<TokenSet, AuthCodeError> {
    let state = pkce::random_string()?;
    let nonce = pkce::random_string()?;
    let pkce = pkce_for(session, flow.use_pkce)?;
    let listener = redirect::bind(&flow.listen_addresses)?;
    let local = listener
        .local_addr()
        .map_err(|e| RedirectError::Io(e.to_string()))?;
    let redirect_uri = session
        .provider
        .redirect_url
        .clone()
        .unwrap_or_else(|| redirect::default_redirect_uri(local));
    let scope = session.provider.scope();
    let url = authorization_url(&AuthorizationRequest {
        endpoint: &session.metadata.authorization_endpoint,
        client_id: &session.provider.client_id,
        redirect_uri: &redirect_uri,
        scope: &scope,
        state: &state,
        nonce: &nonce,
        code_challenge: pkce.as_ref().map(|p| p.challenge.as_str()),
        extra: &flow.extra,
    })?;
    let expect = Expectation {
        state,
        callback_path: callback_path(&redirect_uri)?,
        authorization_url: url,
    };
    // The browser opens the listener's index, which redirects to the provider (as kubelogin).
    let index = format!("http://localhost:{}/", local.port());
    let opened = browser::open(&index, &flow.browser);
    let code = redirect::receive_code(listener, expect, flow.timeout).await;
    let opened_wait = tokio::task::spawn_blocking(move || opened.wait(Duration::from_secs(10)));
    let code = code?;
    let grant = Grant::AuthorizationCode {
        code,
        redirect_uri,
        code_verifier: pkce.map(|p| p.verifier),
    };
    let tokens = session.exchange(&grant, Some(&nonce), None).await?;
    let _ = opened_wait.await;
    Ok(tokens)
}

/// Runs the flow by keyboard: prints the URL, reads the code from the terminal.
pub async fn keyboard_flow(
    session: &Session,
    use_pkce: Option<bool>,
    extra: &[(String, String)],
) -> Result<TokenSet, AuthCodeError> {
    let state = pkce::random_string()?;
    let nonce = pkce::random_string()?;
    let pkce = pkce_for(session, use_pkce)?;
    let redirect_uri = session
        .provider
        .redirect_url
        .clone()
        .unwrap_or_else(|| OOB_REDIRECT_URI.to_string());
    let scope = session.provider.scope();
    let url = authorization_url(&AuthorizationRequest {
        endpoint: &session.metadata.authorization_endpoint,
        client_id: &session.provider.client_id,
        redirect_uri: &redirect_uri,
        scope: &scope,
        state: &state,
        nonce: &nonce,
        code_challenge: pkce.as_ref().map(|p| p.challenge.as_str()),
        extra,
    })?;
    eprintln!("Please visit the following URL in your browser: {url}");
    let code = prompt::read_line("Enter code: ", "an authorization code")?;
    let grant = Grant::AuthorizationCode {
        code,
        redirect_uri,
        code_verifier: pkce.map(|p| p.verifier),
    };
    Ok(session.exchange(&grant, Some(&nonce), None).await?)
}
