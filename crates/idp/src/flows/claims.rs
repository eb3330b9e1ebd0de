//! The claims of the tokens Keycloak issues: access token (`typ` "Bearer", realm_access,
//! resource_access), id token (`typ` "ID", at_hash, nonce, auth_time), refresh token (`typ`
//! "Refresh"), userinfo; granted scopes; claims added by protocol mappers (group membership,
//! client and realm roles, audience, hard-coded claims).

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::error::{ErrorCode, OAuthError};
use crate::model::{Client, ProtocolMapper, Realm, User};

/// Scopes a request may add to the defaults (Keycloak's optional client scopes, plus `groups`
/// that kubelogin users often ask for).
const OPTIONAL_SCOPES: &[&str] = &[
    "address",
    "phone",
    "offline_access",
    "microprofile-jwt",
    "organization",
    "groups",
];
/// Scopes every token gets (Keycloak's default client scopes that show in `scope`).
const DEFAULT_SCOPES: &[&str] = &["profile", "email"];

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

/// The scope granted for a requested `scope` parameter: `openid` if asked, Keycloak's default
/// scopes, and the known optional scopes asked for. An unknown scope is `invalid_scope`, as
/// Keycloak 26 answers.
pub fn grant_scope(requested: Option<&str>) -> Result<String, OAuthError> {
    let asked: Vec<&str> = requested.unwrap_or("").split_whitespace().collect();
    let mut granted: Vec<&str> = Vec::new();
    if asked.contains(&"openid") {
        granted.push("openid");
    }
    for scope in &asked {
        if *scope == "openid" || DEFAULT_SCOPES.contains(scope) || granted.contains(scope) {
            continue;
        }
        if !OPTIONAL_SCOPES.contains(scope) {
            return Err(OAuthError::new(
                ErrorCode::InvalidScope,
                format!("Invalid scopes: {}", requested.unwrap_or("")),
            ));
        }
    }
    granted.extend(DEFAULT_SCOPES);
    for scope in asked {
        if OPTIONAL_SCOPES.contains(&scope) && !granted.contains(&scope) {
            granted.push(scope);
        }
    }
    Ok(granted.join(" "))
}

fn has_scope(scope: &str, wanted: &str) -> bool {
    scope.split(' ').any(|s| s == wanted)
}

/// The claims access and ID tokens share: lifetime, ids, issuer, subject, `typ`, the
/// authorized party, nonce, session and `acr`.
fn token_claims(ctx: &TokenContext<'_>, jti: &str, typ: &str) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert(
        "exp".into(),
        json!(ctx.now + ctx.realm.settings.access_token_lifespan),
    );
    claims.insert("iat".into(), json!(ctx.now));
    if let Some(auth_time) = ctx.auth_time {
        claims.insert("auth_time".into(), json!(auth_time));
    }
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
    claims.insert("acr".into(), json!("1"));
    claims
}

/// The access token's claims (`jti` random from the caller).
pub fn access_token(ctx: &TokenContext<'_>, jti: &str) -> Value {
    let roles = ctx.realm.effective_roles(ctx.user);
    let mut claims = token_claims(ctx, jti, "Bearer");
    let audiences: Vec<&String> = roles
        .client
        .keys()
        .filter(|c| **c != ctx.client.client_id)
        .collect();
    match audiences.as_slice() {
        [] => {}
        [one] => {
            claims.insert("aud".into(), json!(one));
        }
        many => {
            claims.insert("aud".into(), json!(many));
        }
    }
    if !roles.realm.is_empty() {
        claims.insert("realm_access".into(), json!({ "roles": roles.realm }));
    }
    if !roles.client.is_empty() {
        let mut access = Map::new();
        for (client, names) in &roles.client {
            access.insert(client.clone(), json!({ "roles": names }));
        }
        claims.insert("resource_access".into(), Value::Object(access));
    }
    claims.insert("scope".into(), json!(ctx.scope));
    profile_claims(ctx, &mut claims);
    apply_mappers(ctx, Target::Access, &mut claims);
    Value::Object(claims)
}

/// The id token's claims; `at_hash` from [`at_hash`] of the access token issued with it.
pub fn id_token(ctx: &TokenContext<'_>, jti: &str, at_hash: Option<&str>) -> Value {
    let mut claims = token_claims(ctx, jti, "ID");
    claims.insert("aud".into(), json!(ctx.client.client_id));
    if let Some(hash) = at_hash {
        claims.insert("at_hash".into(), json!(hash));
    }
    profile_claims(ctx, &mut claims);
    apply_mappers(ctx, Target::Id, &mut claims);
    Value::Object(claims)
}

/// The refresh token's claims: `jti` names the family and generation, `exp` is the session's
/// idle timeout (capped by its max lifespan, `session_expires`).
pub fn refresh_token(ctx: &TokenContext<'_>, jti: &str, session_expires: u64) -> Value {
    let exp = (ctx.now + ctx.realm.settings.sso_session_idle_timeout).min(session_expires);
    json!({
        "exp": exp,
        "iat": ctx.now,
        "jti": jti,
        "iss": ctx.issuer,
        "aud": ctx.issuer,
        "sub": ctx.user.id,
        "typ": "Refresh",
        "azp": ctx.client.client_id,
        "sid": ctx.session_id,
        "scope": ctx.scope,
    })
}

/// The userinfo response.
pub fn userinfo(ctx: &TokenContext<'_>) -> Value {
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(ctx.user.id));
    profile_claims(ctx, &mut claims);
    apply_mappers(ctx, Target::UserInfo, &mut claims);
    Value::Object(claims)
}

/// The profile and email claims the granted scope allows.
fn profile_claims(ctx: &TokenContext<'_>, claims: &mut Map<String, Value>) {
    let user = ctx.user;
    if has_scope(ctx.scope, "email") {
        claims.insert("email_verified".into(), json!(user.email_verified));
    }
    if has_scope(ctx.scope, "profile") {
        if let Some(name) = user.full_name() {
            claims.insert("name".into(), json!(name));
        }
        claims.insert("preferred_username".into(), json!(user.username));
        if let Some(given) = &user.first_name {
            claims.insert("given_name".into(), json!(given));
        }
        if let Some(family) = &user.last_name {
            claims.insert("family_name".into(), json!(family));
        }
    }
    if has_scope(ctx.scope, "email")
        && let Some(email) = &user.email
    {
        claims.insert("email".into(), json!(email));
    }
}

fn enabled(mapper: &ProtocolMapper, target: Target) -> bool {
    mapper
        .config
        .get(target.config_key())
        .is_some_and(|v| v == "true")
}

fn apply_mappers(ctx: &TokenContext<'_>, target: Target, claims: &mut Map<String, Value>) {
    for mapper in &ctx.client.protocol_mappers {
        if !enabled(mapper, target) {
            continue;
        }
        let config = &mapper.config;
        let claim_name = config.get("claim.name").map(String::as_str);
        match mapper.protocol_mapper.as_str() {
            "oidc-group-membership-mapper" => {
                let full_path = config.get("full.path").is_none_or(|v| v == "true");
                let groups: Vec<String> = ctx
                    .realm
                    .user_groups(ctx.user)
                    .into_iter()
                    .map(|g| {
                        if full_path {
                            ctx.realm.group_path(g)
                        } else {
                            g.name.clone()
                        }
                    })
                    .collect();
                set_claim(claims, claim_name.unwrap_or("groups"), json!(groups));
            }
            "oidc-usermodel-client-role-mapper" => {
                let roles = ctx.realm.effective_roles(ctx.user);
                let client_id = config
                    .get("usermodel.clientRoleMapping.clientId")
                    .map(String::as_str)
                    .unwrap_or(&ctx.client.client_id);
                let prefix = config
                    .get("usermodel.clientRoleMapping.rolePrefix")
                    .map(String::as_str)
                    .unwrap_or("");
                let names: Vec<String> = roles
                    .client
                    .get(client_id)
                    .map(|n| n.iter().map(|r| format!("{prefix}{r}")).collect())
                    .unwrap_or_default();
                let default_name = format!("resource_access.{client_id}.roles");
                if !names.is_empty() {
                    set_claim(claims, claim_name.unwrap_or(&default_name), json!(names));
                }
            }
            "oidc-usermodel-realm-role-mapper" => {
                let roles = ctx.realm.effective_roles(ctx.user);
                let prefix = config
                    .get("usermodel.realmRoleMapping.rolePrefix")
                    .map(String::as_str)
                    .unwrap_or("");
                let names: Vec<String> =
                    roles.realm.iter().map(|r| format!("{prefix}{r}")).collect();
                if !names.is_empty() {
                    set_claim(
                        claims,
                        claim_name.unwrap_or("realm_access.roles"),
                        json!(names),
                    );
                }
            }
            "oidc-audience-mapper" => {
                let mut audiences: BTreeSet<String> = match claims.get("aud") {
                    Some(Value::String(s)) => [s.clone()].into(),
                    Some(Value::Array(a)) => a
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    _ => BTreeSet::new(),
                };
                for key in ["included.client.audience", "included.custom.audience"] {
                    if let Some(a) = config.get(key).filter(|a| !a.is_empty()) {
                        audiences.insert(a.clone());
                    }
                }
                let list: Vec<String> = audiences.into_iter().collect();
                match list.as_slice() {
                    [one] => claims.insert("aud".into(), json!(one)),
                    _ => claims.insert("aud".into(), json!(list)),
                };
            }
            "oidc-hardcoded-claim-mapper" => {
                if let (Some(name), Some(value)) = (claim_name, config.get("claim.value")) {
                    set_claim(claims, name, json!(value));
                }
            }
            _ => {}
        }
    }
}

/// Sets a claim whose name may be a dotted path (`resource_access.x.roles`); `\.` is a dot
/// inside a name, as Keycloak's mappers read it.
fn set_claim(claims: &mut Map<String, Value>, name: &str, value: Value) {
    let mut parts: Vec<String> = vec![String::new()];
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'.') => {
                chars.next();
                if let Some(last) = parts.last_mut() {
                    last.push('.');
                }
            }
            '.' => parts.push(String::new()),
            c => {
                if let Some(last) = parts.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    let Some((last, path)) = parts.split_last() else {
        return;
    };
    let mut map = claims;
    for part in path {
        let entry = map
            .entry(part.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(inner) = entry else { return };
        map = inner;
    }
    // Two mappers writing one multivalued claim add up, as Keycloak's `mapClaim` merges lists.
    if let (Some(Value::Array(existing)), Value::Array(more)) = (map.get_mut(last), &value) {
        for v in more {
            if !existing.contains(v) {
                existing.push(v.clone());
            }
        }
        return;
    }
    map.insert(last.clone(), value);
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
