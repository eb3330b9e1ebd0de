//! Unit tests of the setup instructions.

use super::*;

#[test]
fn the_instructions_repeat_the_flags_and_name_the_api_server_flags() {
    let flags = vec![
        "--oidc-issuer-url=https://idp".to_string(),
        "--oidc-client-id=kubernetes".to_string(),
        "--oidc-extra-scope=email".to_string(),
    ];
    let user = User::Mapped {
        name: "https://idp#u1".into(),
        flags_given: false,
    };
    let text = render(&Instructions {
        issuer: "https://idp",
        client_id: "kubernetes",
        user: &user,
        claims_pretty: "{\n  \"sub\": \"u1\"\n}",
        flags: &flags,
        mapping: &ClaimMapping::default(),
    });
    assert!(text.contains("--user='https://idp#u1'"));
    assert!(text.contains("kube-apiserver's default claim mapping"));
    assert!(text.contains("--oidc-issuer-url=https://idp\n--oidc-client-id=kubernetes\n"));
    assert!(text.contains(
        "  --exec-arg=get-token \\\n  --exec-arg=\"--oidc-issuer-url=https://idp\" \\\n  --exec-arg=\"--oidc-client-id=kubernetes\" \\\n  --exec-arg=\"--oidc-extra-scope=email\"\n```"
    ));
}

fn claims(json: serde_json::Value) -> Map<String, Value> {
    json.as_object().cloned().expect("an object")
}

#[test]
fn usernames_follow_kube_apiservers_claim_flags() {
    let token = claims(serde_json::json!({
        "sub": "0b1c", "preferred_username": "test", "email": "test@example.com", "n": 3
    }));
    let mapping = |claim: Option<&str>, prefix: Option<&str>| ClaimMapping {
        username_claim: claim.map(str::to_string),
        username_prefix: prefix.map(str::to_string),
        ..ClaimMapping::default()
    };
    let name = |m: &ClaimMapping| username("https://idp/realms/k", &token, m);
    assert_eq!(
        name(&mapping(None, None)),
        Ok("https://idp/realms/k#0b1c".into())
    );
    assert_eq!(
        name(&mapping(Some("preferred_username"), Some("-"))),
        Ok("test".into())
    );
    assert_eq!(
        name(&mapping(Some("preferred_username"), Some("oidc:"))),
        Ok("oidc:test".into())
    );
    assert_eq!(
        name(&mapping(Some("email"), None)),
        Ok("test@example.com".into())
    );
    assert_eq!(
        name(&mapping(Some("missing"), None)),
        Err("your token has no claim \"missing\"".into())
    );
    assert_eq!(
        name(&mapping(Some("n"), None)),
        Err("the claim \"n\" of your token is not a string".into())
    );
}

#[test]
fn a_reported_user_is_bound_and_the_given_claim_flags_are_repeated() {
    let mapping = ClaimMapping {
        username_claim: Some("preferred_username".into()),
        username_prefix: Some("-".into()),
        groups_claim: Some("groups".into()),
        groups_prefix: Some("kubernetes:".into()),
    };
    let user = User::Reported {
        server: "https://127.0.0.1:6443".into(),
        name: "test".into(),
    };
    let text = render(&Instructions {
        issuer: "https://idp",
        client_id: "kubernetes-client",
        user: &user,
        claims_pretty: "{}",
        flags: &[],
        mapping: &mapping,
    });
    assert!(text.contains(
        "The API server of your current kubeconfig (https://127.0.0.1:6443) authenticates your token as the user \"test\". Run the following command:\n\n```\nkubectl create clusterrolebinding oidc-cluster-admin --clusterrole=cluster-admin --user='test'\n```"
    ), "{text}");
    assert!(text.contains(
        "--oidc-client-id=kubernetes-client\n--oidc-username-claim=preferred_username\n--oidc-username-prefix=-\n--oidc-groups-claim=groups\n--oidc-groups-prefix=kubernetes:\n```"
    ), "{text}");
}
