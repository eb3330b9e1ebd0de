use serde_json::json;

use super::*;
use crate::model::{Client, Group, IdentityProviderMapper, Realm, Role, SyncMode, User};

fn mapper(kind: &str, config: &[(&str, &str)]) -> IdentityProviderMapper {
    IdentityProviderMapper {
        id: kind.into(),
        name: kind.into(),
        identity_provider_alias: "corp".into(),
        identity_provider_mapper: kind.into(),
        config: config
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn realm() -> Realm {
    let mut r = Realm::new("r".into(), "r".into());
    r.groups.push(Group::new("g-sre".into(), "sre", None));
    r.groups.push(Group::new("g-dev".into(), "dev", None));
    r.roles.push(Role::new("r-view".into(), "viewer", None));
    let mut c = Client::new("c".into(), "app".into());
    c.roles.push(Role::new("r-admin".into(), "admin", None));
    r.clients.push(c);
    r
}

#[test]
fn claims_are_found_by_dotted_paths_and_lists_give_their_items() {
    let claims = json!({"a": {"b": ["x", 1, true]}, "c.d": "dot", "n": null});
    assert_eq!(claim_values(&claims, "a.b"), vec!["x", "1", "true"]);
    assert_eq!(claim_values(&claims, "c\\.d"), vec!["dot"]);
    assert!(claim_values(&claims, "a.missing").is_empty());
    assert!(claim_values(&claims, "n").is_empty());
}

#[test]
fn a_first_login_imports_attributes_groups_and_roles() {
    let r = realm();
    let mappers = [
        mapper(
            ATTRIBUTE_IMPORTER,
            &[("claim", "dept"), ("user.attribute", "department")],
        ),
        mapper(
            ATTRIBUTE_IMPORTER,
            &[("claim", "given_name"), ("user.attribute", "firstName")],
        ),
        mapper(
            ADVANCED_CLAIM_TO_GROUP,
            &[
                ("claims", r#"[{"key":"groups","value":"sre"}]"#),
                ("group", "/sre"),
            ],
        ),
        mapper(
            ADVANCED_CLAIM_TO_GROUP,
            &[
                ("claims", r#"[{"key":"groups","value":"dev"}]"#),
                ("group", "dev"),
            ],
        ),
        mapper(
            CLAIM_TO_ROLE,
            &[("claim", "level"), ("claim.value", "2"), ("role", "viewer")],
        ),
        mapper(HARDCODED_ROLE, &[("role", "app.admin")]),
    ];
    let refs: Vec<&IdentityProviderMapper> = mappers.iter().collect();
    let claims = json!({"dept": "ops", "given_name": "Ann", "groups": ["sre"], "level": 2});
    let mut user = User::new("u".into(), "ann");
    apply(&r, &mut user, &refs, SyncMode::Import, &claims, true).unwrap();
    assert_eq!(user.attributes["department"], vec!["ops"]);
    assert_eq!(user.first_name.as_deref(), Some("Ann"));
    assert_eq!(user.groups, vec!["g-sre"]);
    assert_eq!(user.roles.realm, vec!["viewer"]);
    assert_eq!(user.roles.client["app"], vec!["admin"]);
}

#[test]
fn later_logins_run_only_force_mappers_which_also_take_back() {
    let r = realm();
    let group = |sync: &str| {
        mapper(
            ADVANCED_CLAIM_TO_GROUP,
            &[
                ("claims", r#"[{"key":"groups","value":"s.e"}]"#),
                ("are.claim.values.regex", "true"),
                ("group", "/sre"),
                ("syncMode", sync),
            ],
        )
    };
    let mut user = User::new("u".into(), "ann");
    user.groups = vec!["g-sre".into()];
    let gone = json!({"groups": ["dev"]});
    let import = group("INHERIT");
    apply(&r, &mut user, &[&import], SyncMode::Import, &gone, false).unwrap();
    assert_eq!(
        user.groups,
        vec!["g-sre"],
        "IMPORT: not touched after the first login"
    );
    apply(&r, &mut user, &[&import], SyncMode::Force, &gone, false).unwrap();
    assert!(
        user.groups.is_empty(),
        "FORCE inherited from the provider: left"
    );
    let force = group("FORCE");
    apply(
        &r,
        &mut user,
        &[&force],
        SyncMode::Import,
        &json!({"groups": ["sre"]}),
        false,
    )
    .unwrap();
    assert_eq!(
        user.groups,
        vec!["g-sre"],
        "the mapper's own FORCE: joined again"
    );
}

#[test]
fn missing_groups_and_roles_are_refused_as_keycloak() {
    let r = realm();
    let mut user = User::new("u".into(), "ann");
    let g = mapper(HARDCODED_GROUP, &[("group", "/nope")]);
    let err = apply(&r, &mut user, &[&g], SyncMode::Import, &json!({}), true).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Unable to find group specified by path: /nope"
    );
    let role = mapper(HARDCODED_ROLE, &[("role", "app.nope")]);
    let err = apply(&r, &mut user, &[&role], SyncMode::Import, &json!({}), true).unwrap_err();
    assert_eq!(err.to_string(), "Unable to find role: app.nope");
}

#[test]
fn the_username_template_fills_alias_and_claims() {
    let m = mapper(
        USERNAME_TEMPLATE,
        &[("template", "${ALIAS}-${CLAIM.email | lowercase}")],
    );
    let claims = json!({"email": "Ann@Example.com"});
    assert_eq!(
        username(&[&m], "corp", &claims).as_deref(),
        Some("corp-ann@example.com")
    );
    assert_eq!(username(&[], "corp", &claims), None);
}
