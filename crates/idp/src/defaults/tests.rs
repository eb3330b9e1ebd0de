use super::*;

struct Counter(u32);

impl Minter for Counter {
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

#[test]
fn a_new_realm_has_keycloaks_objects() {
    let realm = new_realm("r".into(), "demo".into(), &mut Counter(0));
    let roles: Vec<&str> = realm.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        roles,
        ["offline_access", "uma_authorization", "default-roles-demo"]
    );
    let default = realm.role_named(None, "default-roles-demo").unwrap();
    assert_eq!(
        default.composites.realm,
        ["offline_access", "uma_authorization"]
    );
    assert_eq!(
        default.composites.client["account"],
        ["view-profile", "manage-account"]
    );
    let clients: Vec<&str> = realm.clients.iter().map(|c| c.client_id.as_str()).collect();
    assert_eq!(
        clients,
        [
            "account",
            "account-console",
            "admin-cli",
            "broker",
            "realm-management",
            "security-admin-console"
        ]
    );
    let management = realm.client("realm-management").unwrap();
    assert!(management.bearer_only);
    let admin = management
        .roles
        .iter()
        .find(|r| r.name == "realm-admin")
        .unwrap();
    assert_eq!(admin.composites.client["realm-management"].len(), 18);
    let scopes: Vec<&str> = realm
        .client_scopes
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    for name in [
        "profile",
        "email",
        "roles",
        "web-origins",
        "acr",
        "basic",
        "offline_access",
        "groups",
    ] {
        assert!(scopes.contains(&name), "{name}");
    }
    let cli = realm.client("admin-cli").unwrap();
    assert_eq!(
        cli.default_client_scopes,
        ["profile", "email", "roles", "web-origins", "acr", "basic"],
        "the SAML scopes are not given to an OIDC client"
    );
    assert_eq!(
        cli.optional_client_scopes,
        [
            "offline_access",
            "address",
            "phone",
            "microprofile-jwt",
            "organization",
            "groups"
        ]
    );
    assert!(
        realm
            .client_scopes
            .iter()
            .flat_map(|s| &s.protocol_mappers)
            .all(|m| !m.id.is_empty()),
        "every mapper has an id"
    );
}

#[test]
fn an_old_realm_is_upgraded_once_and_keeps_what_it_has() {
    let mut realm = Realm::new("r".into(), "kubernetes".into());
    let mut client = Client::new("c".into(), "kubernetes-client".into());
    client.protocol_mappers.push(ProtocolMapper {
        id: String::new(),
        name: "groups".into(),
        protocol_mapper: "oidc-group-membership-mapper".into(),
        config: Default::default(),
    });
    realm.clients.push(client);
    ensure(&mut realm, &mut Counter(0));
    let client = realm.client("kubernetes-client").unwrap();
    assert!(!client.protocol_mappers[0].id.is_empty());
    assert!(
        client
            .default_client_scopes
            .contains(&"profile".to_string())
    );
    assert_eq!(realm.defaults_version, VERSION);
    let once = realm.clone();
    ensure(&mut realm, &mut Counter(1000));
    assert_eq!(realm, once, "a second run changes nothing");
}

#[test]
fn master_has_master_realm_and_admin_holds_its_roles() {
    let mut realm = Realm::new("master".into(), "master".into());
    realm.roles.push(Role::new("a".into(), "admin", None));
    ensure(&mut realm, &mut Counter(0));
    assert!(realm.client("master-realm").is_some());
    assert!(realm.client("realm-management").is_none());
    let admin = realm.role_named(None, "admin").unwrap();
    assert!(admin.composites.client["master-realm"].contains(&"manage-users".to_string()));
}

#[test]
fn a_new_realm_has_keycloaks_flows_with_every_subflow_defined() {
    let realm = new_realm("r".into(), "demo".into(), &mut Counter(0));
    let a = &realm.authentication;
    let top: Vec<&str> = a
        .flows
        .iter()
        .filter(|f| f.top_level)
        .map(|f| f.alias.as_str())
        .collect();
    assert_eq!(
        top,
        [
            "browser",
            "direct grant",
            "registration",
            "reset credentials",
            "clients",
            "first broker login",
            "saml ecp",
            "docker auth"
        ]
    );
    for f in &a.flows {
        assert!(f.built_in);
        for e in &f.executions {
            assert!(
                e.flow_id.as_deref().is_none_or(|id| a.flow(id).is_some()),
                "{} of {}",
                e.id,
                f.alias
            );
        }
    }
    let browser = a.flow_by_alias("browser").unwrap();
    let priorities: Vec<i64> = browser.executions.iter().map(|e| e.priority).collect();
    assert_eq!(priorities, [10, 20, 25, 26, 30]);
    let review = a.flow_by_alias("first broker login").unwrap().executions[0].clone();
    let config = a
        .config(review.authenticator_config.as_deref().unwrap())
        .unwrap();
    assert_eq!(config.alias.as_deref(), Some("review profile config"));
    assert_eq!(config.config["update.profile.on.first.login"], "missing");
}

#[test]
fn master_has_no_organization_steps_and_flows_are_added_once() {
    let mut realm = new_realm("m".into(), "master".into(), &mut Counter(0));
    assert!(realm.authentication.flow_by_alias("Organization").is_none());
    let browser = realm.authentication.flow_by_alias("browser").unwrap();
    assert_eq!(browser.executions.len(), 4);
    let count = realm.authentication.flows.len();
    realm.defaults_version = 0;
    ensure(&mut realm, &mut Counter(100));
    assert_eq!(realm.authentication.flows.len(), count);
}
