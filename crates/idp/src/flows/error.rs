//! OAuth 2.0 errors (RFC 6749 §5.2, RFC 8628 §3.5, RFC 7009) as the flows return them. The code's
//! `Display` is the wire code; the HTTP status is chosen by the `http` layer from the kind, as
//! Keycloak answers.

/// The `error` code of an OAuth error response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `invalid_request`.
    #[error("invalid_request")]
    InvalidRequest,
    /// `invalid_client`.
    #[error("invalid_client")]
    InvalidClient,
    /// `invalid_grant`.
    #[error("invalid_grant")]
    InvalidGrant,
    /// `unauthorized_client`.
    #[error("unauthorized_client")]
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    #[error("unsupported_grant_type")]
    UnsupportedGrantType,
    /// `invalid_scope`.
    #[error("invalid_scope")]
    InvalidScope,
    /// `invalid_token` (userinfo, RFC 6750).
    #[error("invalid_token")]
    InvalidToken,
    /// `authorization_pending` (device flow).
    #[error("authorization_pending")]
    AuthorizationPending,
    /// `slow_down` (device flow).
    #[error("slow_down")]
    SlowDown,
    /// `expired_token` (device flow).
    #[error("expired_token")]
    ExpiredToken,
    /// `access_denied`.
    #[error("access_denied")]
    AccessDenied,
    /// `not_allowed` (Keycloak: offline tokens for a user or client without the role).
    #[error("not_allowed")]
    NotAllowed,
    /// `unsupported_response_type`.
    #[error("unsupported_response_type")]
    UnsupportedResponseType,
}

/// An OAuth error: the code, Keycloak's description and whether Keycloak answers it with 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    /// The `error` field.
    pub code: ErrorCode,
    /// The `error_description` field.
    pub description: String,
    /// Keycloak answers this one with 401 (bad client credentials, bad user credentials).
    pub unauthorized: bool,
}

impl OAuthError {
    /// An error answered with 400.
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            unauthorized: false,
        }
    }

    /// `invalid_request` with a description.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    /// `invalid_grant` with a description.
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidGrant, description)
    }

    /// Keycloak's 401 `invalid_client` "Invalid client or Invalid client credentials".
    pub fn invalid_client_credentials() -> Self {
        Self {
            code: ErrorCode::InvalidClient,
            description: "Invalid client or Invalid client credentials".to_string(),
            unauthorized: true,
        }
    }

    /// Keycloak's 401 `invalid_grant` "Invalid user credentials": the same for an unknown user
    /// and a wrong password.
    pub fn invalid_user_credentials() -> Self {
        Self {
            code: ErrorCode::InvalidGrant,
            description: "Invalid user credentials".to_string(),
            unauthorized: true,
        }
    }

    /// Keycloak's `invalid_request` "Missing parameter: NAME".
    pub fn missing(parameter: &str) -> Self {
        Self::invalid_request(format!("Missing parameter: {parameter}"))
    }
}
