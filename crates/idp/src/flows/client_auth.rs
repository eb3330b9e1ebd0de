//! Client authentication at the token, introspection and revocation endpoints:
//! `client_secret_basic` (RFC 6749 §2.3.1, form-urlencoded id and secret in Basic),
//! `client_secret_post`, and public clients that send only `client_id`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::error::OAuthError;
use super::pkce::constant_time_eq;
use crate::model::{Client, Realm};

/// The client credentials a request presented.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presented {
    /// `client_id` (from Basic or the form).
    pub client_id: Option<String>,
    /// `client_secret` (from Basic or the form).
    pub client_secret: Option<String>,
}

/// Reads the credentials from an `Authorization: Basic` header value (if any) and the form's
/// `client_id`/`client_secret`. Basic wins, as Keycloak; its parts are form-urlencoded.
pub fn presented(
    authorization: Option<&str>,
    form_id: Option<&str>,
    form_secret: Option<&str>,
) -> Result<Presented, OAuthError> {
    if let Some(value) = authorization
        && let Some(encoded) = value
            .strip_prefix("Basic ")
            .or_else(|| value.strip_prefix("basic "))
    {
        let decoded = STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(OAuthError::invalid_client_credentials)?;
        let (id, secret) = decoded
            .split_once(':')
            .ok_or_else(OAuthError::invalid_client_credentials)?;
        return Ok(Presented {
            client_id: Some(form_decode(id)),
            client_secret: Some(form_decode(secret)),
        });
    }
    Ok(Presented {
        client_id: form_id.filter(|s| !s.is_empty()).map(str::to_string),
        client_secret: form_secret.map(str::to_string),
    })
}

fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Authenticates the client: a confidential client must present its secret, a public client
/// must not be asked for one. Every failure is Keycloak's 401 `invalid_client`.
pub fn authenticate<'r>(realm: &'r Realm, presented: &Presented) -> Result<&'r Client, OAuthError> {
    let Some(client_id) = presented.client_id.as_deref() else {
        return Err(OAuthError {
            description: "Missing parameter: client_id".to_string(),
            ..OAuthError::invalid_client_credentials()
        });
    };
    let client = realm
        .client(client_id)
        .filter(|c| c.enabled)
        .ok_or_else(OAuthError::invalid_client_credentials)?;
    if client.public_client {
        return Ok(client);
    }
    let expected = client.secret.as_deref().unwrap_or("");
    match presented.client_secret.as_deref() {
        Some(secret)
            if !expected.is_empty() && constant_time_eq(secret.as_bytes(), expected.as_bytes()) =>
        {
            Ok(client)
        }
        _ => Err(OAuthError::invalid_client_credentials()),
    }
}

#[cfg(test)]
mod tests;
