use std::collections::BTreeMap;

use super::*;
use crate::model::{Group, ProtocolMapper, Role};

fn mapper(kind: &str, config: &[(&str, &str)]) -> ProtocolMapper {
    ProtocolMapper {
        id: format!("{kind}-id"),
        name: kind.into(),
        protocol_mapper: kind.into(),
        config: config
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn realm() -> Realm {
    let mut realm = Realm::new("r".into(), "demo".into());
    let mut client = Client::new("c1".into(), "kubernetes-client".into());
    client.roles.push(Role::new("role1".into(), "admin", None));
    client.protocol_mappers = vec![
        mapper(
            "oidc-group-membership-mapper",
            &[
                ("claim.name", "groups"),
                ("full.path", "false"),
                ("id.token.claim", "true"),
                ("access.token.claim", "true"),
                ("userinfo.token.claim", "true"),
            ],
        ),
        mapper(
            "oidc-usermodel-client-role-mapper",
            &[
                ("claim.name", "roles"),
                ("usermodel.clientRoleMapping.clientId", "kubernetes-client"),
                ("usermodel.clientRoleMapping.rolePrefix", "kubernetes:"),
                ("id.token.claim", "true"),
            ],
        ),
    ];
    realm.add_client(client).unwrap();
    realm
        .add_group(Group::new("g1".into(), "developers", None))
        .unwrap();
    let mut user = User::new("u1".into(), "test");
    user.groups.push("g1".into());
    user.email = Some("test@example.com".into());
    user.first_name = Some("Test".into());
    user.last_name = Some("User".into());
    user.roles
        .client
        .insert("kubernetes-client".into(), vec!["admin".into()]);
    realm.add_user(user).unwrap();
    crate::defaults::ensure(&mut realm, &mut Counter(0));
    realm
}

/// Deterministic ids for the default objects.
struct Counter(u32);

impl crate::representation::Minter for Counter {
    fn id(&mut self) -> String {
        self.0 += 1;
        format!("id-{}", self.0)
    }
    fn hash(&mut self, _: &str) -> Result<String, String> {
        Err("no hashing here".into())
    }
    fn secret(&mut self) -> String {
        "secret".into()
    }
}

fn ctx<'a>(realm: &'a Realm, scope: &'a str) -> TokenContext<'a> {
    TokenContext {
        issuer: "https://idp/realms/demo",
        realm,
        client: realm.client("kubernetes-client").unwrap(),
        user: realm.user("u1").unwrap(),
        session_id: "s1",
        auth_time: Some(990),
        nonce: Some("n0"),
        scope,
        now: 1000,
    }
}

#[test]
fn id_token_has_keycloaks_claims_and_the_groups() {
    let realm = realm();
    let c = id_token(&ctx(&realm, "openid profile email"), "j1", Some("h"));
    assert_eq!(c["iss"], "https://idp/realms/demo");
    assert_eq!(c["aud"], "kubernetes-client");
    assert_eq!(c["azp"], "kubernetes-client");
    assert_eq!(c["typ"], "ID");
    assert_eq!(c["sub"], "u1");
    assert_eq!(c["exp"], 1300);
    assert_eq!(c["auth_time"], 990);
    assert_eq!(c["nonce"], "n0");
    assert_eq!(c["at_hash"], "h");
    assert_eq!(c["sid"], "s1");
    assert_eq!(c["preferred_username"], "test");
    assert_eq!(c["name"], "Test User");
    assert_eq!(c["given_name"], "Test");
    assert_eq!(c["family_name"], "User");
    assert_eq!(c["email"], "test@example.com");
    assert_eq!(c["email_verified"], false);
    assert_eq!(c["groups"], json!(["developers"]));
    assert_eq!(c["roles"], json!(["kubernetes:admin"]));
}

#[test]
fn access_token_carries_roles_and_bearer_type() {
    let realm = realm();
    let c = access_token(&ctx(&realm, "openid profile email"), "j2");
    assert_eq!(c["typ"], "Bearer");
    assert_eq!(
        c["resource_access"],
        json!({"kubernetes-client": {"roles": ["admin"]}})
    );
    assert_eq!(c["scope"], "openid profile email");
    assert_eq!(c["groups"], json!(["developers"]));
    // The role mapper is on for the id token only.
    assert!(c.get("roles").is_none());
    // Keycloak's default scopes: acr, basic (sub, auth_time), roles, web-origins.
    assert_eq!(c["acr"], "1");
    assert_eq!(c["auth_time"], 990);
    assert_eq!(c["sub"], "u1");
    assert!(c.get("allowed-origins").is_none(), "no web origins");
}

#[test]
fn without_full_scope_only_scope_mapped_roles_reach_the_token() {
    let mut realm = realm();
    realm.users[0].roles.add(None, "offline_access");
    realm.users[0].roles.add(Some("account"), "view-profile");
    let c = access_token(&ctx(&realm, "openid"), "j");
    assert_eq!(c["realm_access"]["roles"], json!(["offline_access"]));
    assert_eq!(
        c["aud"], "account",
        "audience resolve names the other client"
    );
    realm.clients[0].full_scope_allowed = false;
    let c = access_token(&ctx(&realm, "openid"), "j");
    assert!(c.get("realm_access").is_none());
    assert!(c.get("aud").is_none());
    assert_eq!(
        c["resource_access"],
        json!({"kubernetes-client": {"roles": ["admin"]}}),
        "the client's own roles stay"
    );
    // The offline_access scope maps the offline_access role.
    let c = access_token(&ctx(&realm, "openid offline_access"), "j");
    assert_eq!(c["realm_access"]["roles"], json!(["offline_access"]));
}

#[test]
fn attribute_mappers_type_their_claims() {
    let mut realm = realm();
    realm.users[0]
        .attributes
        .insert("level".into(), vec!["7".into()]);
    realm.clients[0].protocol_mappers = vec![mapper(
        "oidc-usermodel-attribute-mapper",
        &[
            ("user.attribute", "level"),
            ("claim.name", "level"),
            ("jsonType.label", "long"),
            ("access.token.claim", "true"),
        ],
    )];
    let c = access_token(&ctx(&realm, "openid"), "j");
    assert_eq!(c["level"], 7);
}

#[test]
fn granted_scope_follows_keycloak() {
    let realm = realm();
    let client = realm.client("kubernetes-client").unwrap();
    let grant = |s| grant_scope(&realm, client, s);
    assert_eq!(grant(Some("openid")).unwrap(), "openid profile email");
    assert_eq!(grant(None).unwrap(), "profile email");
    assert_eq!(
        grant(Some("openid groups email")).unwrap(),
        "openid profile email groups"
    );
    assert_eq!(
        grant(Some("openid roles")).unwrap(),
        "openid profile email",
        "a default scope kept out of the token's scope"
    );
    let e = grant(Some("openid bogus")).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidScope);
    assert_eq!(e.description, "Invalid scopes: openid bogus");
}

#[test]
fn full_path_groups_and_dotted_claim_names() {
    let mut realm = realm();
    realm.clients[0].protocol_mappers = vec![mapper(
        "oidc-group-membership-mapper",
        &[("claim.name", "k8s.groups"), ("id.token.claim", "true")],
    )];
    let c = id_token(&ctx(&realm, "openid"), "j", None);
    assert_eq!(c["k8s"]["groups"], json!(["/developers"]));
    assert!(
        c.get("groups").is_none(),
        "the groups scope was not asked for"
    );
    let c = id_token(&ctx(&realm, "openid groups"), "j", None);
    assert_eq!(c["groups"], json!(["developers"]));
}

#[test]
fn at_hash_is_the_left_half_of_sha256() {
    // OIDC core A.3's example access token and at_hash.
    assert_eq!(
        at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "RS256"),
        "77QmUPtjPfzWtF2AnpK9RQ"
    );
}
