//! `get-token`: a valid cached ID token without any network; else the refresh token; else an
//! interactive sign-in with the chosen grant. Runs under the cache entry's lock, so concurrent
//! kubectl calls wait for one sign-in and then share its tokens.

use std::path::PathBuf;

use crate::authcode::{self, AuthCodeError, BrowserFlow};
use crate::browser::BrowserOptions;
use crate::cache::{CacheError, CacheKey, TokenCache, TokenSet};
use crate::clock;
use crate::device::{self, DeviceError};
use crate::exec_credential::{self, ExecCredentialError};
use crate::http::TlsOptions;
use crate::jwt::{self, JwtError};
use crate::prompt::{self, PromptError};
use crate::session::{Provider, Session, SessionError};
use crate::token::{Grant, TokenError};

#[cfg(test)]
mod tests;

/// A cached ID token is used until this many seconds before its `exp`.
pub const EXPIRY_MARGIN_SECS: i64 = 10;

/// Why no token was printed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GetTokenError {
    /// `KUBERNETES_EXEC_INFO` was not understood.
    #[error("could not read the input of credential plugin: {0}")]
    ExecInfo(ExecCredentialError),
    /// The cache could not be locked, read or written.
    #[error("token cache: {0}")]
    Cache(#[from] CacheError),
    /// The cached ID token cannot be read.
    #[error("invalid token cache (you may need to remove): {0}")]
    CorruptCache(JwtError),
    /// The provider could not be reached or discovered.
    #[error("authentication error: oidc error: {0}")]
    Session(#[from] SessionError),
    /// The browser or keyboard authorization code flow failed.
    #[error("authentication error: authcode error: {0}")]
    AuthCode(#[from] AuthCodeError),
    /// The password grant failed.
    #[error(
        "authentication error: ropc error: resource owner password credentials flow error: {0}"
    )]
    Password(TokenError),
    /// The user name or password could not be asked.
    #[error("authentication error: ropc error: {0}")]
    Prompt(#[from] PromptError),
    /// The device flow failed.
    #[error("authentication error: device-code error: {0}")]
    Device(#[from] DeviceError),
    /// The token obtained cannot be written as an ExecCredential.
    #[error("you got an invalid token: {0}")]
    Output(String),
}

/// The interactive grant (`--grant-type`, resolved from `auto`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Interactive {
    /// `authcode`: browser and redirect listener.
    AuthCode(BrowserFlow),
    /// `authcode-keyboard`.
    Keyboard {
        /// Whether to use PKCE S256 (`None`: when the provider announces it).
        use_pkce: Option<bool>,
        /// `--oidc-auth-request-extra-params`.
        extra: Vec<(String, String)>,
    },
    /// `password`.
    Password {
        /// `--username` (asked when absent).
        username: Option<String>,
        /// `--password` (asked when absent).
        password: Option<String>,
    },
    /// `device-code`.
    DeviceCode(BrowserOptions),
}

impl Interactive {
    /// The user name that is part of the cache key (password grant only).
    pub fn username(&self) -> Option<&str> {
        match self {
            Interactive::Password { username, .. } => username.as_deref(),
            _ => None,
        }
    }
}

/// Everything `get-token` needs.
#[derive(Debug, Clone)]
pub struct GetToken {
    /// The provider and client.
    pub provider: Provider,
    /// Trust settings.
    pub tls: TlsOptions,
    /// The interactive grant.
    pub interactive: Interactive,
    /// `--token-cache-dir`.
    pub cache_dir: PathBuf,
    /// `--force-refresh`.
    pub force_refresh: bool,
    /// `--token-cache-storage=none`: neither read nor write the cache.
    pub no_cache: bool,
}

impl GetToken {
    /// The cache key of this configuration.
    pub fn cache_key(&self) -> CacheKey {
        self.provider
            .cache_key(&self.tls, self.interactive.username())
    }
}

/// Whether a cached ID token is still good at `now` (seconds).
pub fn still_valid(expiry: i64, now: i64) -> bool {
    expiry - EXPIRY_MARGIN_SECS > now
}

/// Runs `get-token` and returns the ExecCredential line for stdout; `exec_info` is the value of
/// `KUBERNETES_EXEC_INFO`.
pub fn run(config: &GetToken, exec_info: Option<&str>) -> Result<String, GetTokenError> {
    let api_version =
        exec_credential::requested_api_version(exec_info).map_err(GetTokenError::ExecInfo)?;
    let cache = TokenCache::new(&config.cache_dir);
    let key = config.cache_key();
    let _lock = if config.no_cache {
        None
    } else {
        Some(cache.lock(&key)?)
    };
    let cached = if config.no_cache {
        None
    } else {
        match cache.load(&key) {
            Ok(cached) => cached,
            Err(error) => {
                eprintln!("warning: ignoring the token cache: {error}");
                None
            }
        }
    };
    if let Some(tokens) = &cached
        && !config.force_refresh
    {
        let claims = jwt::decode_claims(&tokens.id_token).map_err(GetTokenError::CorruptCache)?;
        if still_valid(claims.expiry, clock::unix_now()) {
            return render(&api_version, &tokens.id_token);
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| GetTokenError::Output(e.to_string()))?;
    let tokens = runtime.block_on(authenticate(config, cached))?;
    if !config.no_cache {
        cache.save(&key, &tokens)?;
    }
    render(&api_version, &tokens.id_token)
}

fn render(api_version: &str, id_token: &str) -> Result<String, GetTokenError> {
    let claims = jwt::decode_claims(id_token).map_err(|e| GetTokenError::Output(e.to_string()))?;
    exec_credential::render(api_version, id_token, claims.expiry)
        .map_err(|e| GetTokenError::Output(e.to_string()))
}

/// Refreshes `cached` when it has a refresh token, else signs in interactively.
pub async fn authenticate(
    config: &GetToken,
    cached: Option<TokenSet>,
) -> Result<TokenSet, GetTokenError> {
    let session = Session::open(&config.provider, &config.tls).await?;
    if let Some(refresh_token) = cached.and_then(|c| c.refresh_token) {
        let grant = Grant::RefreshToken(refresh_token.clone());
        match session.exchange(&grant, None, Some(refresh_token)).await {
            Ok(tokens) => return Ok(tokens),
            Err(error) => eprintln!("could not refresh the token: {error}; signing in again"),
        }
    }
    interactive(&session, &config.interactive).await
}

/// Signs in with the interactive grant.
pub async fn interactive(
    session: &Session,
    grant: &Interactive,
) -> Result<TokenSet, GetTokenError> {
    match grant {
        Interactive::AuthCode(flow) => Ok(authcode::browser_flow(session, flow).await?),
        Interactive::Keyboard { use_pkce, extra } => {
            Ok(authcode::keyboard_flow(session, *use_pkce, extra).await?)
        }
        Interactive::Password { username, password } => {
            let username = match username {
                Some(name) => name.clone(),
                None => prompt::read_line("Username: ", "a username")?,
            };
            let password = match password {
                Some(password) => password.clone(),
                None => prompt::read_password("Password: ")?,
            };
            let grant = Grant::Password {
                username,
                password,
                scope: session.provider.scope(),
            };
            session
                .exchange(&grant, None, None)
                .await
                .map_err(GetTokenError::Password)
        }
        Interactive::DeviceCode(browser) => Ok(device::device_flow(session, browser).await?),
    }
}
