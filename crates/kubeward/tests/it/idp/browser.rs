//! Browser login with software we did not write: npm openid-client as the relying party
//! (discovery, authorization code + PKCE, userinfo, refresh), the login page filled by headless
//! Chromium through playwright-core.

use std::process::Command;

use super::*;

#[test]
fn openid_client_logs_in_through_chromium() {
    let idp = Idp::start();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/idp/openid_client_login.mjs");
    let profile = idp.dir.path().join("chromium-profile");
    let output = Command::new("node")
        .arg(&script)
        .env("ISSUER", idp.issuer("kubernetes"))
        .env("NODE_EXTRA_CA_CERTS", idp.ca())
        .env("PROFILE_DIR", &profile)
        .env("USERNAME", "test")
        .env("PASSWORD", PASSWORD)
        .output()
        .expect("node is installed (and `npm ci --prefix testpeers` ran)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "node failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result = json(stdout.lines().last().expect("the script prints its result"));
    assert_eq!(result["claims"]["preferred_username"], "test");
    assert_eq!(
        result["claims"]["groups"],
        serde_json::json!(["developers", "kubernetes:admin"])
    );
    assert_eq!(result["claims"]["aud"], "kubelogin");
    assert_eq!(result["userinfo"]["preferred_username"], "test");
    assert_eq!(result["userinfo"]["sub"], result["claims"]["sub"]);
    assert_eq!(result["loginPageTitle"], "Sign in to kubernetes");
    assert_eq!(
        result["wrongPasswordMessage"],
        "Invalid username or password."
    );
    assert_eq!(result["refreshed"]["sub"], result["claims"]["sub"]);
    assert_ne!(result["refreshedToken"], result["firstRefreshToken"]);
    assert_eq!(
        result["ssoSkippedLoginPage"], true,
        "the SSO cookie logs the second login in"
    );
    assert_eq!(result["replayError"], "invalid_grant");
    assert_eq!(result["cookie"]["httpOnly"], true);
    assert_eq!(result["cookie"]["secure"], true);
    assert_eq!(result["cookie"]["sameSite"], "Lax");
}
