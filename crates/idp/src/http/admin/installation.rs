//! `GET /admin/realms/{realm}/clients/{id}/installation/providers/{providerId}`: a client's
//! adapter configuration as Keycloak 26 writes it. kubeward writes the OIDC JSON
//! (`keycloak-oidc-keycloak-json`, Keycloak's `KeycloakOIDCClientInstallation`); any other
//! provider is Keycloak's answer to one it does not have (404 `Unknown Provider`).

use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::access::EditRealm;
use super::answer::{Answer, not_found};
use super::lookup::client_of;
use crate::model::{Client, Realm};

/// The provider kubeward writes.
const OIDC_JSON: &str = "keycloak-oidc-keycloak-json";

/// The installation providers as `GET /admin/serverinfo` lists them under `clientInstallations`
/// (Keycloak's `ClientInstallationRepresentation`s by protocol): kubeward's one.
pub(super) fn providers() -> Value {
    json!({"openid-connect": [{
        "id": OIDC_JSON,
        "protocol": "openid-connect",
        "downloadOnly": false,
        "displayType": "Keycloak OIDC JSON",
        "helpText": "keycloak.json file used by the Keycloak OIDC client adapter to configure clients.  This must be saved to a keycloak.json file and put in your WEB-INF directory of your WAR file.  You may also want to tweak this file after you download it.",
        "filename": "keycloak.json",
        "mediaType": "application/json",
    }]})
}

/// Whether the client's adapter gets its credentials (Keycloak's
/// `showClientCredentialsAdapterConfig`; kubeward keeps no node re-registration timeout).
fn shows_credentials(c: &Client) -> bool {
    !c.public_client && (!c.bearer_only || c.service_accounts_enabled)
}

/// Whether the adapter verifies the token's audience (Keycloak's `showVerifyTokenAudience`):
/// the client has roles and a client scope maps it into the audience.
fn verifies_audience(r: &Realm, c: &Client) -> bool {
    !c.roles.is_empty()
        && r.client_scopes.iter().any(|s| {
            s.protocol_mappers.iter().any(|m| {
                m.protocol_mapper == "oidc-audience-mapper"
                    && m.config.get("included.client.audience") == Some(&c.client_id)
            })
        })
}

/// The adapter configuration, its fields in Keycloak's order (`InstallationAdapterConfig`).
fn adapter_config(r: &Realm, c: &Client, server: &str) -> Vec<(&'static str, Value)> {
    let ssl = r
        .other
        .get("sslRequired")
        .and_then(Value::as_str)
        .unwrap_or("external");
    let mut fields = vec![("realm", json!(r.name))];
    if c.bearer_only {
        fields.push(("bearer-only", json!(true)));
    }
    fields.push(("auth-server-url", json!(server)));
    fields.push(("ssl-required", json!(ssl.to_lowercase())));
    fields.push(("resource", json!(c.client_id)));
    if c.public_client && !c.bearer_only {
        fields.push(("public-client", json!(true)));
    }
    if verifies_audience(r, c) {
        fields.push(("verify-token-audience", json!(true)));
    }
    if shows_credentials(c) {
        fields.push(("credentials", json!({ "secret": c.secret })));
    }
    if !c.roles.is_empty() {
        fields.push(("use-resource-role-mappings", json!(true)));
    }
    fields.push(("confidential-port", json!(0)));
    fields
}

/// Jackson's pretty printing of a JSON value at `indent` (`"key" : value`, two spaces).
fn pretty(value: &Value, indent: usize) -> String {
    match value {
        Value::Object(map) => {
            let pairs: Vec<(&str, &Value)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
            pretty_object(&pairs, indent)
        }
        other => other.to_string(),
    }
}

/// An object's fields in the given order, pretty as Jackson prints them.
fn pretty_object(pairs: &[(&str, &Value)], indent: usize) -> String {
    let inner = " ".repeat(indent + 2);
    let fields: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{inner}{} : {}", json!(k), pretty(v, indent + 2)))
        .collect();
    format!("{{\n{}\n{}}}", fields.join(",\n"), " ".repeat(indent))
}

/// `GET …/clients/{id}/installation/providers/{providerId}`.
pub(super) async fn get(
    at: EditRealm,
    Path((_, id, provider)): Path<(String, String, String)>,
) -> Answer {
    let r = at.realm()?;
    let c = client_of(&r, &id)?;
    if provider != OIDC_JSON {
        return Err(not_found("Unknown Provider"));
    }
    let server = format!("{}{}/", at.ctx.public_url, at.ctx.prefix);
    let fields = adapter_config(&r, c, &server);
    let pairs: Vec<(&str, &Value)> = fields.iter().map(|(k, v)| (*k, v)).collect();
    Ok((
        [(header::CONTENT_TYPE, "text/plain;charset=UTF-8")],
        pretty_object(&pairs, 0),
    )
        .into_response())
}

#[cfg(test)]
mod tests;
