use super::*;

/// Deterministic ids and a fake hash, for unit tests of the mapping alone (and its fuzz target).
pub(crate) struct Counter(pub(crate) u32);

impl Minter for Counter {
    fn id(&mut self) -> String {
        self.0 += 1;
        format!("id-{}", self.0)
    }
    fn hash(&mut self, password: &str) -> Result<String, String> {
        Ok(format!("$argon2id$fake${}", password.len()))
    }
    fn secret(&mut self) -> String {
        "generated".into()
    }
}

fn seed() -> RealmRepresentation {
    serde_json::from_str(include_str!("seed-001-realm.json")).expect("the fixture parses")
}

#[test]
fn the_seed_001_realm_imports() {
    let realm = import(&seed(), &mut Counter(0)).unwrap();
    assert_eq!(realm.name, "kubernetes");
    let client = realm.client("kubernetes-client").unwrap();
    assert_eq!(client.secret.as_deref(), Some("kubernetes-client-secret"));
    assert_eq!(client.roles[0].name, "admin");
    assert_eq!(client.protocol_mappers.len(), 2);
    assert!(client.device_authorization_grant_enabled);
    let public = realm.client("kubelogin").unwrap();
    assert_eq!(public.pkce_method.as_deref(), Some("S256"));
    assert_eq!(public.secret, None);
    let user = realm.user_by_login("test").unwrap();
    assert_eq!(user.password_hash.as_deref(), Some("$argon2id$fake$13"));
    assert_eq!(realm.group(&user.groups[0]).unwrap().name, "developers");
    assert!(
        realm
            .user_by_login("service-account-kubernetes-client")
            .is_some(),
        "service account user created"
    );
}

#[test]
fn export_then_import_keeps_the_realm() {
    let realm = import(&seed(), &mut Counter(0)).unwrap();
    let exported = export(&realm);
    let json = serde_json::to_string(&exported).unwrap();
    assert!(!json.contains("test-password"));
    let mut again = import(&serde_json::from_str(&json).unwrap(), &mut Counter(100)).unwrap();
    // Keycloak's realm files name no execution: import gives them new ids.
    let mut realm = realm;
    for r in [&mut realm, &mut again] {
        for e in r
            .authentication
            .flows
            .iter_mut()
            .flat_map(|f| f.executions.iter_mut())
        {
            e.id.clear();
        }
    }
    assert!(!again.authentication.flows.is_empty());
    assert_eq!(again, realm);
}

#[test]
fn ldap_components_are_read_from_a_realm_file_and_exported_nested() {
    let mut rep = seed();
    // As `kc.sh export` writes them: a key provider (left out), an LDAP provider and its mapper.
    rep.components = Some(
        serde_json::from_value(serde_json::json!({
            "org.keycloak.keys.KeyProvider": [
                {"id": "k1", "name": "rsa-generated", "providerId": "rsa-generated",
                 "subComponents": {}, "config": {"priority": ["100"]}}],
            "org.keycloak.storage.UserStorageProvider": [
                {"id": "ldap1", "name": "corp-ldap", "providerId": "ldap",
                 "subComponents": {"org.keycloak.storage.ldap.mappers.LDAPStorageMapper": [
                     {"id": "m1", "name": "email", "providerId": "user-attribute-ldap-mapper",
                      "subComponents": {}, "config": {"ldap.attribute": ["mail"],
                      "user.model.attribute": ["email"]}}]},
                 "config": {"connectionUrl": ["ldap://127.0.0.1:389"], "editMode": "WRITABLE",
                            "bindCredential": ["secret"]}}]
        }))
        .unwrap(),
    );
    let realm = import(&rep, &mut Counter(0)).unwrap();
    let ids: Vec<(&str, &str)> = realm
        .components
        .iter()
        .map(|c| (c.id.as_str(), c.parent_id.as_str()))
        .collect();
    assert_eq!(ids, [("ldap1", realm.id.as_str()), ("m1", "ldap1")]);
    assert_eq!(realm.components[0].config("editMode"), Some("WRITABLE"));
    let exported = serde_json::to_value(export(&realm)).unwrap();
    let storage = &exported["components"]["org.keycloak.storage.UserStorageProvider"][0];
    assert_eq!(
        storage["config"]["bindCredential"],
        serde_json::json!(["secret"])
    );
    assert_eq!(
        storage["subComponents"]["org.keycloak.storage.ldap.mappers.LDAPStorageMapper"][0]["name"],
        "email"
    );
    assert!(exported["components"]["org.keycloak.keys.KeyProvider"].is_null());
    let again = import(
        &serde_json::from_value(exported).unwrap(),
        &mut Counter(100),
    )
    .unwrap();
    assert_eq!(again.components, realm.components);
}

#[test]
fn bad_realms_are_refused_with_a_reason() {
    let mut rep = seed();
    rep.realm.clear();
    assert_eq!(import(&rep, &mut Counter(0)), Err(ImportError::NoName));
    let mut rep = seed();
    rep.users.as_mut().unwrap()[0].groups = vec!["/nope".into()];
    assert_eq!(
        import(&rep, &mut Counter(0)).unwrap_err().to_string(),
        "Group /nope not found"
    );
    let mut rep = seed();
    let dup = rep.clients.as_ref().unwrap()[0].clone();
    rep.clients.as_mut().unwrap().push(dup);
    assert_eq!(
        import(&rep, &mut Counter(0)).unwrap_err().to_string(),
        "Client exists with same clientId"
    );
}

#[test]
fn composite_roles_import_and_export_as_keycloak_writes_them() {
    let rep: RealmRepresentation = serde_json::from_value(serde_json::json!({
        "realm": "composites",
        "roles": {
            "realm": [
                {"name": "ops", "composite": true, "composites": {
                    "realm": ["dev"], "client": {"kubernetes-client": ["admin"]}}},
                {"name": "dev", "composite": false}
            ],
            "client": {"kubernetes-client": [{"name": "admin"}]}
        },
        "clients": [{"clientId": "kubernetes-client"}]
    }))
    .unwrap();
    let realm = import(&rep, &mut Counter(0)).unwrap();
    let ops = realm.role_named(None, "ops").unwrap();
    assert_eq!(ops.composites.realm, vec!["dev"]);
    assert_eq!(ops.composites.client["kubernetes-client"], vec!["admin"]);
    let exported = serde_json::to_value(export(&realm)).unwrap();
    let roles = &exported["roles"]["realm"];
    assert_eq!(roles[0]["composite"], true);
    assert_eq!(
        roles[0]["composites"],
        serde_json::json!({"realm": ["dev"], "client": {"kubernetes-client": ["admin"]}})
    );
    assert_eq!(roles[1]["composite"], false);
    assert!(roles[1].get("composites").is_none());
    assert_eq!(
        import(&export(&realm), &mut Counter(0)).unwrap().roles,
        realm.roles
    );
}

#[test]
fn flows_of_a_realm_file_are_read_by_alias_and_one_running_itself_is_refused() {
    let mut rep = seed();
    let flows = serde_json::json!([
        {"alias": "mine", "providerId": "basic-flow", "topLevel": true, "builtIn": false,
         "authenticationExecutions": [
            {"authenticator": "identity-provider-redirector", "requirement": "ALTERNATIVE",
             "priority": 20, "authenticatorConfig": "to corp"},
            {"flowAlias": "mine forms", "requirement": "ALTERNATIVE", "priority": 10,
             "authenticatorFlow": true}]},
        {"alias": "mine forms", "providerId": "basic-flow", "topLevel": false, "builtIn": false,
         "authenticationExecutions": []}
    ]);
    rep.other
        .insert("authenticationFlows".into(), flows.clone());
    rep.other.insert(
        "authenticatorConfig".into(),
        serde_json::json!([{"alias": "to corp", "config": {"defaultProvider": "corp"}}]),
    );
    let realm = import(&rep, &mut Counter(0)).unwrap();
    let a = &realm.authentication;
    let mine = a.flow_by_alias("mine").unwrap();
    let forms = a.flow_by_alias("mine forms").unwrap();
    assert_eq!(
        mine.executions[0].flow_id.as_deref(),
        Some(forms.id.as_str())
    );
    let config = mine.executions[1].authenticator_config.as_deref().unwrap();
    assert_eq!(a.config(config).unwrap().alias.as_deref(), Some("to corp"));
    assert!(
        a.flow_by_alias("browser").is_some(),
        "the built-in flows the file lacks are added"
    );

    let mut looping = flows;
    looping[1]["authenticationExecutions"] = serde_json::json!([
        {"flowAlias": "mine", "requirement": "REQUIRED", "priority": 10, "authenticatorFlow": true}
    ]);
    rep.other.insert("authenticationFlows".into(), looping);
    let refused = import(&rep, &mut Counter(0)).unwrap_err().to_string();
    assert!(refused.contains("runs itself"), "{refused}");
}
