//! Unit tests of the cache validity rule and the served-from-cache path.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;

fn id_token(exp: i64) -> String {
    format!(
        "{}.{}.c2ln",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#),
        URL_SAFE_NO_PAD.encode(format!(
            r#"{{"iss":"https://idp.invalid","aud":"c","exp":{exp}}}"#
        ))
    )
}

fn config(dir: &std::path::Path) -> GetToken {
    GetToken {
        provider: Provider {
            issuer: "https://idp.invalid".into(),
            client_id: "c".into(),
            ..Provider::default()
        },
        tls: TlsOptions::default(),
        interactive: Interactive::Password {
            username: Some("u".into()),
            password: Some("p".into()),
        },
        cache_dir: dir.to_path_buf(),
        force_refresh: false,
        no_cache: false,
    }
}

#[test]
fn a_token_is_valid_until_the_margin_before_exp() {
    assert!(still_valid(1000, 1000 - EXPIRY_MARGIN_SECS - 1));
    assert!(!still_valid(1000, 1000 - EXPIRY_MARGIN_SECS));
    assert!(!still_valid(1000, 2000));
}

#[test]
fn a_valid_cached_token_is_served_without_the_network() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config(tmp.path());
    let exp = clock::unix_now() + 3600;
    let token = id_token(exp);
    TokenCache::new(tmp.path())
        .save(
            &config.cache_key(),
            &TokenSet {
                id_token: token.clone(),
                refresh_token: None,
            },
        )
        .unwrap();
    // The issuer is unresolvable: any network use would fail.
    let line = run(
        &config,
        Some(r#"{"apiVersion":"client.authentication.k8s.io/v1"}"#),
    )
    .unwrap();
    let credential: exec_credential::ExecCredential = serde_json::from_str(&line).unwrap();
    assert_eq!(credential.api_version, exec_credential::V1);
    assert_eq!(credential.status.unwrap().token, token);
}

#[test]
fn an_unreadable_cached_token_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config(tmp.path());
    TokenCache::new(tmp.path())
        .save(
            &config.cache_key(),
            &TokenSet {
                id_token: "garbage".into(),
                refresh_token: None,
            },
        )
        .unwrap();
    let error = run(&config, None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid token cache (you may need to remove): not a JWT: wants 3 base64url segments with a JSON object payload"
    );
}
