//! What `kubeward up` adds for OpenID Connect sign-in (seeds 000 and 001): the `kubernetes`
//! realm of its identity provider with the confidential client `kubernetes-client`, the API
//! server's trust in that realm (an `AuthenticationConfiguration` with seed 001's claim
//! mappings), and a kubeconfig whose user signs in through `kubectl oidc-login`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use base64::Engine as _;
use kubeward_authn::oidc::JwtConfig;
use kubeward_authn::oidc::config::AuthenticationConfiguration;
use kubeward_idp::representation::RealmRepresentation;

use crate::files::{Access, write_atomic};

/// The realm `kubeward up` creates for cluster users.
pub const REALM: &str = "kubernetes";
/// The confidential client kubectl signs in with (seed 001's name).
pub const CLIENT_ID: &str = "kubernetes-client";
/// Seed 001's `--oidc-groups-prefix`.
pub const GROUPS_PREFIX: &str = "kubernetes:";

/// The realm as Keycloak's realm JSON: the client with a generated secret, the redirect URIs
/// kubelogin listens on (any loopback port is accepted as RFC 8252 allows), the password,
/// authorization code and device grants, and the group-membership mapper into `groups`.
pub fn realm() -> anyhow::Result<RealmRepresentation> {
    let realm = serde_json::json!({
        "realm": REALM,
        "enabled": true,
        "clients": [{
            "clientId": CLIENT_ID,
            "enabled": true,
            "publicClient": false,
            "clientAuthenticatorType": "client-secret",
            "redirectUris": ["http://localhost:8000", "http://localhost:18000"],
            "standardFlowEnabled": true,
            "directAccessGrantsEnabled": true,
            "protocol": "openid-connect",
            "attributes": {"oauth2.device.authorization.grant.enabled": "true"},
            "protocolMappers": [{
                "name": "groups",
                "protocol": "openid-connect",
                "protocolMapper": "oidc-group-membership-mapper",
                "config": {
                    "full.path": "false",
                    "claim.name": "groups",
                    "id.token.claim": "true",
                    "access.token.claim": "true",
                    "userinfo.token.claim": "true"
                }
            }]
        }]
    });
    serde_json::from_value(realm).context("the kubernetes realm")
}

/// The issuers of the realm: Keycloak's paths with and without the legacy `/auth` prefix (seed
/// 001 uses both), each one the `iss` of the tokens issued under it.
pub fn issuers(idp_url: &str) -> [String; 2] {
    [
        format!("{idp_url}/realms/{REALM}"),
        format!("{idp_url}/auth/realms/{REALM}"),
    ]
}

/// Writes `<data-dir>/authentication-config.json` and returns it parsed, as the API server
/// loads it: one JWT authenticator per issuer, audience `kubernetes-client`, username from
/// `preferred_username` without prefix and groups from `groups` with the `kubernetes:` prefix
/// (seed 001's kube-apiserver flags), trusting the CA.
pub fn write_authentication_config(
    data_dir: &Path,
    idp_url: &str,
    ca_pem: &str,
) -> anyhow::Result<JwtConfig> {
    let jwt: Vec<serde_json::Value> = issuers(idp_url)
        .iter()
        .map(|issuer| {
            serde_json::json!({
                "issuer": {
                    "url": issuer,
                    "audiences": [CLIENT_ID],
                    "certificateAuthority": ca_pem,
                },
                "claimMappings": {
                    "username": {"claim": "preferred_username", "prefix": ""},
                    "groups": {"claim": "groups", "prefix": GROUPS_PREFIX},
                },
            })
        })
        .collect();
    let config = serde_json::json!({
        "apiVersion": "apiserver.config.k8s.io/v1beta1",
        "kind": "AuthenticationConfiguration",
        "jwt": jwt,
    });
    let text = serde_json::to_string_pretty(&config)?;
    let path = data_dir.join("authentication-config.json");
    write_atomic(&path, text.as_bytes(), Access::Public)?;
    let parsed = AuthenticationConfiguration::parse(&text)
        .with_context(|| format!("--authentication-config {}", path.display()))?;
    Ok(JwtConfig::File(parsed))
}

/// The user of `oidc.kubeconfig`, and its context: seed 001's names (3-4, the kubeconfig that is
/// handed to a new operator).
pub const KUBECONFIG_USER: &str = "keycloak-user";
/// The context of `oidc.kubeconfig`.
pub const KUBECONFIG_CONTEXT: &str = "kubernetes";

/// The file of seed 001's kubeconfig in the data directory.
pub const KUBECONFIG_FILE: &str = "oidc.kubeconfig";
/// The same for `up --gateway-upstream-kubeconfig`'s gateway.
pub const GATEWAY_KUBECONFIG_FILE: &str = "gateway.kubeconfig";

/// Writes `path` (`<data-dir>/oidc.kubeconfig`; 0600, it holds the client secret): seed 001's kubeconfig,
/// whose user runs `kubectl oidc-login get-token` against the realm. The CA is embedded for
/// kubectl and for the plugin alike, so the file works from any directory and on any machine
/// that reaches the servers.
pub fn write_kubeconfig(
    path: &Path,
    server: &str,
    ca_pem: &str,
    idp_url: &str,
    client_secret: &str,
) -> anyhow::Result<PathBuf> {
    let ca_data = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    let [issuer, _] = issuers(idp_url);
    let config = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "kubernetes", "cluster": {
            "server": server,
            "certificate-authority-data": ca_data,
        }}],
        "users": [{"name": KUBECONFIG_USER, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "kubectl",
            "args": [
                "oidc-login",
                "get-token",
                format!("--oidc-issuer-url={issuer}"),
                format!("--oidc-client-id={CLIENT_ID}"),
                format!("--oidc-client-secret={client_secret}"),
                format!("--certificate-authority-data={ca_data}"),
            ],
            "interactiveMode": "IfAvailable",
            "provideClusterInfo": false,
        }}}],
        "contexts": [{"name": KUBECONFIG_CONTEXT, "context": {
            "cluster": "kubernetes",
            "user": KUBECONFIG_USER,
            "namespace": "default",
        }}],
        "current-context": KUBECONFIG_CONTEXT,
        "preferences": {},
    });
    let path = path.to_path_buf();
    write_atomic(
        &path,
        serde_json::to_string_pretty(&config)?.as_bytes(),
        Access::Secret,
    )?;
    Ok(path)
}
