use serde_json::{Map, Value, json};

use super::*;
use crate::model::{Group, IdentityProvider, Realm, User};

fn provider() -> IdentityProvider {
    IdentityProvider {
        internal_id: "i".into(),
        alias: "corp".into(),
        display_name: None,
        provider_id: "oidc".into(),
        enabled: true,
        trust_email: false,
        store_token: false,
        link_only: false,
        hide_on_login: false,
        first_broker_login_flow_alias: "first broker login".into(),
        post_broker_login_flow_alias: None,
        config: [
            ("authorizationUrl", "https://up.example/auth?x=1"),
            ("clientId", "kw"),
            ("issuer", "https://up.example"),
            ("defaultScope", "profile email"),
            ("pkceEnabled", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        other: Default::default(),
    }
}

fn object(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn the_upstream_request_carries_openid_state_nonce_and_pkce() {
    let url = authorization_url(
        &provider(),
        &UpstreamRequest {
            redirect_uri: "https://kw/realms/r/broker/corp/endpoint",
            state: "st",
            nonce: "no",
            verifier: Some("v".repeat(43).as_str()),
            login_hint: Some("ann"),
        },
    )
    .unwrap();
    assert!(url.starts_with("https://up.example/auth?x=1&scope=openid+profile+email&state=st"));
    assert!(url.contains("&response_type=code&client_id=kw&"));
    assert!(url.contains("redirect_uri=https%3A%2F%2Fkw%2Frealms%2Fr%2Fbroker%2Fcorp%2Fendpoint"));
    assert!(url.contains("&nonce=no&code_challenge="));
    assert!(url.ends_with("&code_challenge_method=S256"), "{url}");
    assert!(
        !url.contains("login_hint"),
        "only with the loginHint setting"
    );
    let mut p = provider();
    p.config.remove("authorizationUrl");
    let refused = authorization_url(
        &p,
        &UpstreamRequest {
            redirect_uri: "r",
            state: "s",
            nonce: "n",
            verifier: None,
            login_hint: None,
        },
    );
    assert_eq!(refused, Err(BrokerError::Config("authorizationUrl")));
}

#[test]
fn id_tokens_are_checked_for_issuer_audience_expiry_and_nonce() {
    let p = provider();
    let good = json!({"iss": "https://up.example", "aud": ["x", "kw"], "exp": 100, "nonce": "n"});
    assert_eq!(
        check_id_token(&p, &object(good.clone()), Some("n"), 99),
        Ok(())
    );
    assert_eq!(check_id_token(&p, &object(good.clone()), None, 99), Ok(()));
    let refused = |v: Value, nonce: Option<&str>, now: u64| {
        check_id_token(&p, &object(v), nonce, now)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(refused(good.clone(), Some("other"), 99), "Invalid nonce");
    assert_eq!(
        refused(good.clone(), Some("n"), 100),
        "Token is no longer valid"
    );
    let mut wrong = good.clone();
    wrong["iss"] = json!("https://evil.example");
    assert_eq!(refused(wrong, Some("n"), 1), "Wrong issuer from token.");
    let mut wrong = good;
    wrong["aud"] = json!("other");
    assert_eq!(refused(wrong, Some("n"), 1), "Wrong audience from token.");
}

#[test]
fn the_identity_reads_the_token_then_the_userinfo() {
    let token = object(json!({"sub": "u1", "email": "ann@example.com", "groups": ["a"]}));
    let info = object(json!({"sub": "u1", "given_name": "Ann", "groups": ["ignored"]}));
    let id = identity(&token, Some(&info)).unwrap();
    assert_eq!(id.id, "u1");
    assert_eq!(
        id.username, "ann@example.com",
        "no preferred_username: the e-mail"
    );
    assert_eq!(id.first_name.as_deref(), Some("Ann"));
    assert_eq!(id.claims["groups"], json!(["a"]), "the token's claim wins");
    let other = object(json!({"sub": "u2"}));
    assert!(identity(&token, Some(&other)).is_err());
    assert!(identity(&object(json!({})), None).is_err());
}

#[test]
fn a_first_login_creates_a_linked_user_unless_the_name_or_email_is_taken() {
    let mut realm = Realm::new("r".into(), "r".into());
    let mut existing = User::new("e".into(), "bob");
    existing.email = Some("Bob@Example.com".into());
    realm.users.push(existing);
    realm.groups.push(Group::new("g".into(), "g", None));
    let mut p = provider();
    p.trust_email = true;
    let id = identity(
        &object(json!({"sub": "u1", "preferred_username": "Ann", "email": "ann@example.com"})),
        None,
    )
    .unwrap();
    let FirstLogin::Create(user) = first_login(&realm, &p, &id, &id.username, "new".into(), 5)
    else {
        panic!("created");
    };
    assert_eq!(user.username, "ann");
    assert!(user.email_verified, "trustEmail");
    assert_eq!(user.federated_identities[0].user_id, "u1");
    assert_eq!(user.federated_identities[0].identity_provider, "corp");
    let taken = first_login(&realm, &p, &id, "BOB", "new".into(), 5);
    assert_eq!(
        taken,
        FirstLogin::Exists(
            "User with username bob already exists. Please login to account management to link the account."
                .into()
        )
    );
    let same_mail = identity(
        &object(json!({"sub": "u2", "preferred_username": "robert", "email": "bob@example.com"})),
        None,
    )
    .unwrap();
    assert!(matches!(
        first_login(&realm, &p, &same_mail, "robert", "new".into(), 5),
        FirstLogin::Exists(m) if m.starts_with("User with email bob@example.com")
    ));
}
