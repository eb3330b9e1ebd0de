//! `/admin/realms/{realm}/keys`: the realm's keys as Keycloak's `KeysMetadataRepresentation`
//! shows them (the active key of each algorithm, and every key with its public part; never a
//! private key or the refresh-token secret).

use super::super::{blocking, clock};
use super::access::EditRealm;
use super::answer::{AdminError, Answer, ok_json};
use base64::Engine as _;
use serde_json::json;

/// Keycloak's key type of an algorithm.
fn key_type(alg: &str) -> &'static str {
    match alg {
        a if a.starts_with("ES") => "EC",
        "EdDSA" => "OKP",
        "HS512" => "OCT",
        _ => "RSA",
    }
}

/// `GET …/keys`.
pub(super) async fn list(at: EditRealm) -> Answer {
    let r = at.realm()?;
    let provider = at.ctx.provider.clone();
    let name = r.name.clone();
    let (stored, ring) = blocking(move || {
        let ring = provider.keyring(&r, clock::now());
        (provider.directory().keys(&name), ring)
    })
    .await;
    let stored = stored?;
    let ring = ring.map_err(|e| {
        tracing::error!(error = %e, "keys");
        AdminError(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": "unknown_error"}),
        )
    })?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut active = serde_json::Map::new();
    let keys: Vec<serde_json::Value> = stored
        .iter()
        .rev()
        .map(|k| {
            let status = if k.retired.is_some() {
                "PASSIVE"
            } else {
                "ACTIVE"
            };
            if k.retired.is_none() {
                active.insert(k.algorithm.clone(), json!(k.kid));
            }
            let public = ring
                .verification()
                .iter()
                .find(|v| v.key_id() == k.kid)
                .map(|v| b64.encode(v.spki_der()));
            let secret = k.is_secret();
            let mut key = json!({
                "providerId": if secret { "hmac-generated-hs512" } else { "generated" },
                "providerPriority": 100,
                "kid": k.kid,
                "status": status,
                "type": key_type(&k.algorithm),
                "algorithm": k.algorithm,
                "use": "SIG",
            });
            if let Some(p) = public {
                key["publicKey"] = json!(p);
            }
            key
        })
        .collect();
    ok_json(&json!({ "active": active, "keys": keys }))
}
