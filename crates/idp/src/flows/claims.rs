//! The claims of the tokens Keycloak issues: access token (`typ` "Bearer", realm_access,
//! resource_access), id token (`typ` "ID", at_hash, nonce, auth_time), refresh token (`typ`
//! "Refresh"), userinfo; granted scopes; claims added by protocol mappers (group membership,
//! client and realm roles, audience, hard-coded claims).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::error::{ErrorCode, OAuthError};
use crate::model::{Client, ClientScope, Realm, User};

mod mappers;

pub use mappers::token_roles;

/// The protocol of the scopes and mappers that make tokens here.
const OIDC: &str = "openid-connect";

/// Everything a token's claims depend on.
#[derive(Debug, Clone, Copy)]
pub struct TokenContext<'a> {
    /// `https://host/realms/<realm>`.
    pub issuer: &'a str,
    /// The realm.
    pub realm: &'a Realm,
    /// The client the tokens are for (`azp`).
    pub client: &'a Client,
    /// The user (a service account user for client_credentials).
    pub user: &'a User,
    /// The SSO session id (`sid`, `session_state`).
    pub session_id: &'a str,
    /// When the user authenticated (browser and device logins).
    pub auth_time: Option<u64>,
    /// The authorization request's nonce.
    pub nonce: Option<&'a str>,
    /// The granted scope (see [`grant_scope`]).
    pub scope: &'a str,
    /// Seconds since the epoch.
    pub now: u64,
}

/// Where a mapper's claim goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Access,
    Id,
    UserInfo,
}

impl Target {
    fn config_key(self) -> &'static str {
        match self {
            Self::Access => "access.token.claim",
            Self::Id => "id.token.claim",
            Self::UserInfo => "userinfo.token.claim",
        }
    }
}

fn scope_of<'r>(realm: &'r Realm, name: &str) -> Option<&'r ClientScope> {
    realm.client_scope(name).filter(|s| s.protocol == OIDC)
}

/// The scope granted for a requested `scope` parameter, as Keycloak 26 grants it: `openid` if
/// asked, the client's default client scopes that go into the token's `scope` (`profile`,
/// `email`), and the optional client scopes asked for. A scope that is neither a default nor
/// an optional scope of the client is `invalid_scope`.
pub fn grant_scope(
    realm: &Realm,
    client: &Client,
    requested: Option<&str>,
) -> Result<String, OAuthError> {
    let asked: Vec<&str> = requested.unwrap_or("").split_whitespace().collect();
    let is_default = |s: &str| client.default_client_scopes.iter().any(|d| d == s);
    let is_optional = |s: &str| {
        client.optional_client_scopes.iter().any(|d| d == s) && scope_of(realm, s).is_some()
    };
    if asked
        .iter()
        .any(|s| *s != "openid" && !is_default(s) && !is_optional(s))
    {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            format!("Invalid scopes: {}", requested.unwrap_or("")),
        ));
    }
    let mut granted: Vec<&str> = Vec::new();
    if asked.contains(&"openid") {
        granted.push("openid");
    }
    for name in &client.default_client_scopes {
        if scope_of(realm, name).is_some_and(ClientScope::in_token_scope) {
            granted.push(name);
        }
    }
    for name in asked {
        if is_optional(name)
            && !granted.contains(&name)
            && scope_of(realm, name).is_some_and(ClientScope::in_token_scope)
        {
            granted.push(name);
        }
    }
    Ok(granted.join(" "))
}

/// Whether a granted scope contains `wanted`.
pub fn has_scope(scope: &str, wanted: &str) -> bool {
    scope.split(' ').any(|s| s == wanted)
}

/// The client scopes whose mappers and scope mappings apply to a token of `client` with the
/// granted `scope`: its default scopes, and the optional ones the scope names.
pub fn applied_scopes<'r>(realm: &'r Realm, client: &Client, scope: &str) -> Vec<&'r ClientScope> {
    let defaults = client.default_client_scopes.iter();
    let optional = client
        .optional_client_scopes
        .iter()
        .filter(|name| has_scope(scope, name));
    defaults
        .chain(optional)
        .filter_map(|name| scope_of(realm, name))
        .collect()
}

/// The claims access and ID tokens share: lifetime, ids, issuer, subject, `typ`, the
/// authorized party, nonce and session.
fn token_claims(ctx: &TokenContext<'_>, jti: &str, typ: &str) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert(
        "exp".into(),
        json!(ctx.now + ctx.realm.settings.access_token_lifespan),
    );
    claims.insert("iat".into(), json!(ctx.now));
    claims.insert("jti".into(), json!(jti));
    claims.insert("iss".into(), json!(ctx.issuer));
    claims.insert("sub".into(), json!(ctx.user.id));
    claims.insert("typ".into(), json!(typ));
    claims.insert("azp".into(), json!(ctx.client.client_id));
    if let Some(nonce) = ctx.nonce {
        claims.insert("nonce".into(), json!(nonce));
    }
    if !ctx.session_id.is_empty() {
        claims.insert("sid".into(), json!(ctx.session_id));
    }
    claims
}

/// The access token's claims (`jti` random from the caller).
pub fn access_token(ctx: &TokenContext<'_>, jti: &str) -> Value {
    let mut claims = token_claims(ctx, jti, "Bearer");
    mappers::apply(ctx, Target::Access, &mut claims);
    claims.insert("scope".into(), json!(ctx.scope));
    Value::Object(claims)
}

/// The id token's claims; `at_hash` from [`at_hash`] of the access token issued with it.
pub fn id_token(ctx: &TokenContext<'_>, jti: &str, at_hash: Option<&str>) -> Value {
    let mut claims = token_claims(ctx, jti, "ID");
    claims.insert("aud".into(), json!(ctx.client.client_id));
    if let Some(hash) = at_hash {
        claims.insert("at_hash".into(), json!(hash));
    }
    mappers::apply(ctx, Target::Id, &mut claims);
    claims.insert("aud".into(), json!(ctx.client.client_id));
    Value::Object(claims)
}

/// The refresh token's claims: `jti` names the family and generation, `exp` is the session's
/// idle timeout (capped by its max lifespan, `session_expires`). `typ` is `Refresh`, or
/// `Offline` for an offline token.
pub fn refresh_token(ctx: &TokenContext<'_>, jti: &str, session_expires: u64, typ: &str) -> Value {
    let idle = if typ == "Offline" {
        ctx.realm.settings.offline_session_idle_timeout
    } else {
        ctx.realm.settings.sso_session_idle_timeout
    };
    let exp = (ctx.now + idle).min(session_expires);
    json!({
        "exp": exp,
        "iat": ctx.now,
        "jti": jti,
        "iss": ctx.issuer,
        "aud": ctx.issuer,
        "sub": ctx.user.id,
        "typ": typ,
        "azp": ctx.client.client_id,
        "sid": ctx.session_id,
        "scope": ctx.scope,
    })
}

/// The userinfo response.
pub fn userinfo(ctx: &TokenContext<'_>) -> Value {
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(ctx.user.id));
    mappers::apply(ctx, Target::UserInfo, &mut claims);
    Value::Object(claims)
}

/// OIDC's `at_hash`: the left half of the hash of the access token, base64url, with the hash
/// of the signing algorithm (SHA-256 for *256, SHA-384, SHA-512 for *512 and EdDSA).
pub fn at_hash(access_token: &str, algorithm: &str) -> String {
    use aws_lc_rs::digest;
    let alg = match algorithm {
        a if a.ends_with("384") => &digest::SHA384,
        a if a.ends_with("512") || a == "EdDSA" => &digest::SHA512,
        _ => &digest::SHA256,
    };
    let d = digest::digest(alg, access_token.as_bytes());
    let bytes = d.as_ref();
    URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() / 2])
}

#[cfg(test)]
mod tests;
