//! Identity brokering, pure: the authorization request to an upstream OpenID provider, the
//! checks of its ID token's claims, the identity an upstream login brings (as Keycloak's
//! `OIDCIdentityProvider` reads it), and the user a first login creates. What the mappers do to
//! the user is `mappers`.

use serde_json::{Map, Value};

use crate::flows::pkce;
use crate::model::{FederatedIdentity, IdentityProvider, Realm, User};

pub mod mappers;

/// The identity an upstream login brings.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokeredIdentity {
    /// The upstream `sub`.
    pub id: String,
    /// `preferred_username`, else `email`, else `sub`.
    pub username: String,
    /// `email`.
    pub email: Option<String>,
    /// `given_name`.
    pub first_name: Option<String>,
    /// `family_name`.
    pub last_name: Option<String>,
    /// The ID token's claims, with the userinfo's where the token has none: what mappers read.
    pub claims: Value,
}

/// Why an upstream login is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BrokerError {
    /// The provider's settings lack something the flow needs (the config key).
    #[error("the identity provider has no {0}")]
    Config(&'static str),
    /// The upstream's token or answer is not acceptable (why).
    #[error("{0}")]
    Token(String),
    /// A mapper names a group or role the realm does not have.
    #[error("{0}")]
    Mapper(String),
}

/// What an upstream authorization request carries besides the provider's settings.
#[derive(Debug, Clone, Copy)]
pub struct UpstreamRequest<'a> {
    /// kubeward's broker endpoint (`…/broker/{alias}/endpoint`).
    pub redirect_uri: &'a str,
    /// Binds the answer to the login that asked.
    pub state: &'a str,
    /// Binds the ID token to the login that asked.
    pub nonce: &'a str,
    /// The PKCE verifier, when the provider has `pkceEnabled`.
    pub verifier: Option<&'a str>,
    /// The client's `login_hint`, passed on when the provider has `loginHint`.
    pub login_hint: Option<&'a str>,
}

/// The upstream's authorization URL for a login: `response_type=code`, the provider's client
/// id and scope (`defaultScope`, always with `openid`), state, nonce, PKCE (`pkceEnabled`,
/// `pkceMethod`), `prompt` and `login_hint` as the settings ask.
pub fn authorization_url(
    provider: &IdentityProvider,
    request: &UpstreamRequest<'_>,
) -> Result<String, BrokerError> {
    let base = provider
        .config("authorizationUrl")
        .ok_or(BrokerError::Config("authorizationUrl"))?;
    let client_id = provider
        .config("clientId")
        .ok_or(BrokerError::Config("clientId"))?;
    let scope = scope(provider.config("defaultScope"));
    let mut params: Vec<(&str, String)> = vec![
        ("scope", scope),
        ("state", request.state.to_string()),
        ("response_type", "code".into()),
        ("client_id", client_id.to_string()),
        ("redirect_uri", request.redirect_uri.to_string()),
        ("nonce", request.nonce.to_string()),
    ];
    if let Some(verifier) = request.verifier {
        let plain = provider.config("pkceMethod") == Some("plain");
        let challenge = if plain {
            verifier.to_string()
        } else {
            pkce::s256(verifier)
        };
        params.push(("code_challenge", challenge));
        params.push((
            "code_challenge_method",
            if plain { "plain" } else { "S256" }.into(),
        ));
    }
    if let Some(prompt) = provider.config("prompt") {
        params.push(("prompt", prompt.to_string()));
    }
    if let Some(hint) = request.login_hint.filter(|_| provider.flag("loginHint")) {
        params.push(("login_hint", hint.to_string()));
    }
    let query = serde_urlencoded::to_string(&params).unwrap_or_default();
    let sep = if base.contains('?') { '&' } else { '?' };
    Ok(format!("{base}{sep}{query}"))
}

/// The scope asked of the upstream: the configured one (spaces), with `openid` first when it
/// lacks it.
fn scope(configured: Option<&str>) -> String {
    let configured = configured.unwrap_or("").trim();
    if configured.split_whitespace().any(|s| s == "openid") {
        return configured.to_string();
    }
    if configured.is_empty() {
        "openid".to_string()
    } else {
        format!("openid {configured}")
    }
}

/// How long after its `exp` an upstream token is still taken (`allowedClockSkew`, seconds).
fn skew(provider: &IdentityProvider) -> u64 {
    provider
        .config("allowedClockSkew")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Checks an upstream ID token's claims (its signature was checked by the caller): `iss` is the
/// provider's `issuer` when one is set, `aud` names the provider's client, it has not
/// expired, and `nonce` is the login's (absent on a refresh, as OpenID Connect allows).
pub fn check_id_token(
    provider: &IdentityProvider,
    claims: &Map<String, Value>,
    nonce: Option<&str>,
    now: u64,
) -> Result<(), BrokerError> {
    let bad = |why: &str| Err(BrokerError::Token(why.to_string()));
    if let Some(issuer) = provider.config("issuer")
        && claims.get("iss").and_then(Value::as_str) != Some(issuer)
    {
        return bad("Wrong issuer from token.");
    }
    let client_id = provider.config("clientId").unwrap_or("");
    let audience_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == client_id,
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(client_id)),
        _ => false,
    };
    if !audience_ok {
        return bad("Wrong audience from token.");
    }
    let exp = claims.get("exp").and_then(Value::as_u64).unwrap_or(0);
    if exp.saturating_add(skew(provider)) <= now {
        return bad("Token is no longer valid");
    }
    if let Some(nonce) = nonce
        && claims.get("nonce").and_then(Value::as_str) != Some(nonce)
    {
        return bad("Invalid nonce");
    }
    Ok(())
}

/// The identity of the ID token's claims, with the userinfo's where the token has none
/// (`userinfo` must name the same `sub`).
pub fn identity(
    id_token: &Map<String, Value>,
    userinfo: Option<&Map<String, Value>>,
) -> Result<BrokeredIdentity, BrokerError> {
    let mut claims = id_token.clone();
    if let Some(info) = userinfo {
        if info.get("sub") != id_token.get("sub") {
            return Err(BrokerError::Token(
                "The userinfo's subject is not the token's".into(),
            ));
        }
        for (k, v) in info {
            claims.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let text = |k: &str| {
        claims
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let id = text("sub").ok_or_else(|| BrokerError::Token("The token has no subject".into()))?;
    let email = text("email");
    let username = text("preferred_username")
        .or_else(|| email.clone())
        .unwrap_or_else(|| id.clone());
    Ok(BrokeredIdentity {
        username,
        email,
        first_name: text("given_name"),
        last_name: text("family_name"),
        id,
        claims: Value::Object(claims),
    })
}

/// What a first login through a provider does.
#[derive(Debug, Clone, PartialEq)]
pub enum FirstLogin {
    /// Creates this user, linked to the upstream account.
    Create(Box<User>),
    /// A user with the same username or e-mail exists: Keycloak asks that user to log in and
    /// link the account; kubeward refuses with Keycloak's message.
    Exists(String),
}

/// The user a first login creates (Keycloak's "Create User If Unique"): the identity's
/// username (or the username mapper's), e-mail (verified when the provider trusts e-mail, as
/// Keycloak's `trustEmail`),
/// names, the realm's default role, and the link; refused when the username or e-mail is taken.
pub fn first_login(
    realm: &Realm,
    provider: &IdentityProvider,
    identity: &BrokeredIdentity,
    username: &str,
    id: String,
    created_millis: i64,
) -> FirstLogin {
    let username = username.to_lowercase();
    if realm.users.iter().any(|u| u.username == username) {
        return FirstLogin::Exists(format!(
            "User with username {username} already exists. Please login to account management to link the account."
        ));
    }
    if let Some(email) = &identity.email
        && realm.users.iter().any(|u| {
            u.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    {
        return FirstLogin::Exists(format!(
            "User with email {email} already exists. Please login to account management to link the account."
        ));
    }
    let mut user = User::new(id, &username);
    user.email = identity.email.clone();
    user.email_verified = provider.trust_email && user.email.is_some();
    user.first_name = identity.first_name.clone();
    user.last_name = identity.last_name.clone();
    user.created_timestamp = created_millis;
    user.federated_identities.push(FederatedIdentity {
        identity_provider: provider.alias.clone(),
        user_id: identity.id.clone(),
        user_name: identity.username.clone(),
    });
    realm.give_default_role(&mut user);
    FirstLogin::Create(Box::new(user))
}

#[cfg(test)]
mod tests;
