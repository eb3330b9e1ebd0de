//! Identity brokering with software we did not write: npm oidc-provider is the company's IdP
//! upstream (HTTPS with its own CA, trusted through `--truststore-paths`), python-keycloak
//! configures it in kubeward with a group mapper, headless Chromium signs in through kubeward's
//! login page → upstream → back with npm openid-client as the relying party, and a change of the
//! user's groups upstream reaches kubeward's tokens at the next refresh.

use std::process::Command;

use kubeward_jose::{Algorithm, SigningKey};
use serde_json::json;

use super::*;
use crate::oidc_issuer::{self, CLIENT_ID, CLIENT_SECRET};

#[test]
fn a_company_idps_users_and_groups_reach_kubewards_tokens() {
    let up_dir = tempfile::tempdir().expect("a temporary folder");
    oidc_issuer::write_certificates(up_dir.path());
    let upstream_ca = up_dir.path().join("ca.crt");
    let idp = Idp::start_with(&["--truststore-paths", upstream_ca.to_str().unwrap()], &[]);
    let users_file = up_dir.path().join("users.json");
    let users = json!({"ann": {"password": "unused", "claims": {
        "preferred_username": "ann", "email": "ann@corp.example", "email_verified": true,
        "given_name": "Ann", "groups": ["staff", "sre"], "dept": "platform"}}});
    std::fs::write(&users_file, users.to_string()).expect("write the users");
    let upstream = oidc_issuer::Provider::start_prepared(
        up_dir.path(),
        SigningKey::generate(Algorithm::RS256).expect("a key"),
        json!({
            "usersFile": users_file,
            "redirectUris": [format!("{}/broker/corp/endpoint", idp.issuer("kubernetes"))],
            "refreshTokens": true,
        }),
    );

    let configured = python_keycloak(
        "keycloak_brokering.py",
        &idp,
        &[
            ("UPSTREAM", &upstream.issuer()),
            ("UPSTREAM_CA", upstream_ca.to_str().unwrap()),
            ("UPSTREAM_CLIENT_ID", CLIENT_ID),
            ("UPSTREAM_SECRET", CLIENT_SECRET),
        ],
    );
    eprintln!("{configured:#}");
    assert_eq!(configured["aliases"], json!(["corp"]));
    assert_eq!(configured["secret_shown"], "**********");
    assert_eq!(configured["first_broker_login_flow"], "first broker login");
    assert_eq!(configured["display_name"], "Corp");
    assert_eq!(configured["mappers"], json!(["department", "sre group"]));
    assert_eq!(
        configured["duplicate"],
        json!([409, {"errorMessage": "Identity Provider corp already exists"}])
    );
    assert_eq!(
        configured["unknown_type"],
        json!([400, {"errorMessage": "Invalid identity provider id [saml-ish]"}])
    );
    assert_eq!(configured["unknown_field"][0], 400);
    assert_eq!(configured["unknown_mapper"][0], 400);
    assert_eq!(
        configured["missing"],
        json!([404, {"error": "Could not find identity provider"}])
    );

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/idp/broker_login.mjs");
    let output = Command::new("node")
        .arg(&script)
        .env("ISSUER", idp.issuer("kubernetes"))
        .env("NODE_EXTRA_CA_CERTS", idp.ca())
        .env("PROFILE_DIR", idp.dir.path().join("chromium-profile"))
        .env("UPSTREAM", upstream.issuer())
        .env("USERS_FILE", &users_file)
        .output()
        .expect("node is installed (and `npm ci --prefix testpeers` ran)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "node failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen = json(stdout.lines().last().expect("the script prints its result"));
    eprintln!("{seen:#}");
    assert_eq!(seen["linkText"], "Corp");
    assert_eq!(
        seen["upstreamTitle"], "Sign-in",
        "the upstream's own login page"
    );
    assert_eq!(seen["claims"]["preferred_username"], "ann");
    assert_eq!(seen["claims"]["email"], "ann@corp.example");
    assert_eq!(seen["claims"]["email_verified"], true, "trustEmail");
    let groups = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|g| g.as_str().map(str::to_string))
            .collect()
    };
    assert!(groups(&seen["claims"]["groups"]).contains(&"sre".to_string()));
    assert_eq!(seen["userinfo"]["preferred_username"], "ann");
    assert!(!groups(&seen["afterLeaving"]).contains(&"sre".to_string()));
    assert!(groups(&seen["afterReturning"]).contains(&"sre".to_string()));
    assert_eq!(seen["goneUpstream"], "invalid_grant: Session not active");
    assert_eq!(seen["hintLandedUpstream"], true);

    // The user the first login created, linked to the upstream account.
    let (status, body) = idp.admin("GET", "kubernetes/users?username=ann&exact=true", None);
    assert_eq!(status, 200, "{body}");
    let user = &json(&body)[0];
    assert_eq!(user["attributes"]["department"], json!(["platform"]));
    let id = user["id"].as_str().unwrap();
    let (status, body) = idp.admin(
        "GET",
        &format!("kubernetes/users/{id}/federated-identity"),
        None,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        json(&body),
        json!([{"identityProvider": "corp", "userId": "ann", "userName": "ann"}])
    );
}
