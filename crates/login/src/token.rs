//! The token endpoint (RFC 6749): the grants the plugin uses, client authentication, and the
//! checks of the ID token in the answer (present, `iss`, `aud`, `exp`, `nonce`).

use serde::Deserialize;

use crate::cache::TokenSet;
use crate::http::{self, HttpError};
use crate::jwt::{self, JwtError};

#[cfg(test)]
mod tests;

/// Why no usable token came back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The request failed or the provider refused it.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The answer has no `id_token`.
    #[error("id_token is missing in the token response")]
    MissingIdToken,
    /// The ID token cannot be read.
    #[error("could not verify the ID token: {0}")]
    Malformed(#[from] JwtError),
    /// `iss` is not the configured issuer.
    #[error(
        "could not verify the ID token: oidc: id token issued by a different provider, expected {expected:?} got {got:?}"
    )]
    Issuer {
        /// The configured issuer.
        expected: String,
        /// `iss`.
        got: String,
    },
    /// `aud` does not contain the client id.
    #[error("could not verify the ID token: oidc: expected audience {expected:?} got {got:?}")]
    Audience {
        /// The client id.
        expected: String,
        /// `aud`.
        got: Vec<String>,
    },
    /// `exp` has passed.
    #[error("could not verify the ID token: oidc: token is expired (Token Expiry: {0})")]
    Expired(i64),
    /// `nonce` is not the one sent.
    #[error("nonce did not match (wants {wants} but got {got})")]
    Nonce {
        /// The nonce sent in the authorization request.
        wants: String,
        /// The nonce in the token.
        got: String,
    },
}

/// The client's credentials: `client_secret_basic` when there is a secret, else `client_id` in
/// the form (a public client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// `client_id`.
    pub id: String,
    /// `client_secret`.
    pub secret: Option<String>,
}

/// A grant sent to the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Grant {
    /// `authorization_code` with its redirect URI and PKCE verifier.
    AuthorizationCode {
        /// `code`.
        code: String,
        /// `redirect_uri`.
        redirect_uri: String,
        /// `code_verifier`.
        code_verifier: Option<String>,
    },
    /// `refresh_token`.
    RefreshToken(String),
    /// `password` (resource owner password credentials).
    Password {
        /// `username`.
        username: String,
        /// `password`.
        password: String,
        /// `scope`.
        scope: String,
    },
    /// `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628).
    DeviceCode(String),
}

impl Grant {
    /// The form fields of the grant.
    pub fn form(&self) -> Vec<(&'static str, String)> {
        match self {
            Grant::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => {
                let mut form = vec![
                    ("grant_type", "authorization_code".to_string()),
                    ("code", code.clone()),
                    ("redirect_uri", redirect_uri.clone()),
                ];
                if let Some(verifier) = code_verifier {
                    form.push(("code_verifier", verifier.clone()));
                }
                form
            }
            Grant::RefreshToken(token) => vec![
                ("grant_type", "refresh_token".to_string()),
                ("refresh_token", token.clone()),
            ],
            Grant::Password {
                username,
                password,
                scope,
            } => vec![
                ("grant_type", "password".to_string()),
                ("username", username.clone()),
                ("password", password.clone()),
                ("scope", scope.clone()),
            ],
            Grant::DeviceCode(code) => vec![
                (
                    "grant_type",
                    "urn:ietf:params:oauth:grant-type:device_code".to_string(),
                ),
                ("device_code", code.clone()),
            ],
        }
    }
}

/// A successful token response (the fields the plugin keeps).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenResponse {
    /// `id_token`.
    #[serde(default)]
    pub id_token: Option<String>,
    /// `refresh_token`.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// What the ID token must say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected<'a> {
    /// `iss`.
    pub issuer: &'a str,
    /// Contained in `aud`.
    pub client_id: &'a str,
    /// `nonce`, for the authorization code grant.
    pub nonce: Option<&'a str>,
}

/// Adds the client's authentication to a request whose form is `form`.
pub fn authenticate(
    request: reqwest::RequestBuilder,
    client: &Client,
    form: &mut Vec<(&'static str, String)>,
) -> reqwest::RequestBuilder {
    match &client.secret {
        Some(secret) => request.basic_auth(form_encode(&client.id), Some(form_encode(secret))),
        None => {
            form.push(("client_id", client.id.clone()));
            request
        }
    }
}

/// `application/x-www-form-urlencoded` encoding of one value (RFC 6749 2.3.1 asks it for the
/// Basic credentials).
pub fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Posts `grant` to the token endpoint.
pub async fn request(
    http_client: &reqwest::Client,
    token_endpoint: &str,
    client: &Client,
    grant: &Grant,
) -> Result<TokenResponse, HttpError> {
    let mut form = grant.form();
    let request = authenticate(http_client.post(token_endpoint), client, &mut form);
    http::send_json(request.form(&form)).await
}

/// Checks the ID token of `response` and makes the token set to cache; a refresh answer without
/// a new refresh token keeps `previous_refresh_token`.
pub fn accept(
    response: TokenResponse,
    expected: &Expected<'_>,
    previous_refresh_token: Option<String>,
    now: i64,
) -> Result<TokenSet, TokenError> {
    let id_token = response
        .id_token
        .filter(|t| !t.is_empty())
        .ok_or(TokenError::MissingIdToken)?;
    let claims = jwt::decode_claims(&id_token)?;
    if claims.issuer != expected.issuer {
        return Err(TokenError::Issuer {
            expected: expected.issuer.to_string(),
            got: claims.issuer,
        });
    }
    if !claims.audience.iter().any(|a| a == expected.client_id) {
        return Err(TokenError::Audience {
            expected: expected.client_id.to_string(),
            got: claims.audience,
        });
    }
    if claims.expiry <= now {
        return Err(TokenError::Expired(claims.expiry));
    }
    if let Some(wants) = expected.nonce {
        let got = claims.nonce.unwrap_or_default();
        if got != wants {
            return Err(TokenError::Nonce {
                wants: wants.to_string(),
                got,
            });
        }
    }
    Ok(TokenSet {
        id_token,
        refresh_token: response.refresh_token.or(previous_refresh_token),
    })
}
