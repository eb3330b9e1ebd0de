//! The rest of LDAP federation's admin API against a real OpenLDAP (Debian's `slapd`) that
//! serves `ldaps://` with a certificate of a private CA, trusted through `kubeward idp serve
//! --truststore-paths`: python-keycloak tests connections and binds (`testLDAPConnection`),
//! syncs a group mapper, writes a `WRITABLE` provider's user changes and password to LDAP (read
//! back with ldapsearch and ldapwhoami), removes and unlinks the imported users, and keeps an
//! `UNSYNCED` change out of LDAP.

use std::process::Command;

use serde_json::json;

use super::federation::{MINJI_PASSWORD, Slapd};
use super::*;
use crate::oidc_issuer;

const MINJI: &str = "uid=minji,ou=people,dc=corp,dc=example";
const JIHO: &str = "uid=jiho,ou=people,dc=corp,dc=example";

#[test]
fn ldaps_with_a_private_ca_writable_mode_and_the_user_storage_actions() {
    let certs = tempfile::tempdir().expect("a temporary folder");
    oidc_issuer::write_certificates(certs.path());
    let slapd = Slapd::start_with(Some(certs.path()));
    assert!(slapd.url.starts_with("ldaps://"), "{}", slapd.url);
    let ca = certs.path().join("ca.crt");
    let idp = Idp::start_with(&["--truststore-paths", ca.to_str().unwrap()], &[]);

    let seen = python_keycloak(
        "keycloak_federation_admin.py",
        &idp,
        &[("LDAP_URL", &slapd.url), ("LDAP_PASSWORD", MINJI_PASSWORD)],
    );
    eprintln!("{seen:#}");
    let test_error = json!([400, {"errorMessage": "LDAP test error"}]);
    assert_eq!(
        seen["test_connection"],
        json!([204, null]),
        "ldaps:// trusted"
    );
    assert_eq!(seen["test_authentication"], json!([204, null]));
    assert_eq!(seen["test_masked"], json!([204, null]));
    assert_eq!(seen["test_wrong_password"], test_error);
    assert_eq!(seen["test_unknown_action"], test_error);
    assert_eq!(seen["test_closed_port"], test_error);

    let counted = |added: u32, updated: u32, removed: u32| {
        json!([200, {"ignored": false, "added": added, "updated": updated, "removed": removed,
            "failed": 0, "status": format!(
                "{added} imported users, {updated} updated users, {removed} removed users")}])
    };
    assert_eq!(seen["mapper_sync"], counted(2, 0, 0), "k8s-devs and sre");
    assert_eq!(
        seen["groups_after_mapper_sync"],
        json!(["developers", "k8s-devs", "sre"])
    );
    assert_eq!(seen["mapper_sync_again"], counted(0, 2, 0));
    assert_eq!(seen["mapper_sync_to_ldap"], counted(0, 0, 0));
    assert_eq!(
        seen["mapper_sync_unknown"],
        json!([400, {"errorMessage": "Unknown direction: sideways"}])
    );
    assert_eq!(
        seen["mapper_sync_missing"],
        json!([404, {"error": "Mapper model not found"}])
    );
    assert_eq!(seen["sync"]["added"], 2);

    // WRITABLE: the admin API's changes are LDAP's now.
    assert_eq!(
        slapd.values(MINJI, "mail"),
        ["minji.kim@corp.example"],
        "the e-mail written to LDAP"
    );
    assert_eq!(slapd.values(MINJI, "sn"), ["Kim-Lee"]);
    assert_eq!(
        seen["renamed"],
        json!([400, {"errorMessage": "User is read only!"}])
    );
    assert!(
        slapd.binds(MINJI, "minji-new-password"),
        "the new password is LDAP's"
    );
    assert!(!slapd.binds(MINJI, MINJI_PASSWORD));
    assert_eq!(
        seen["new_password_userinfo"]["email"],
        "minji.kim@corp.example"
    );
    assert_eq!(seen["old_password"][0], 401);

    assert_eq!(seen["removed"], json!([204, null]));
    assert_eq!(
        seen["users_after_remove"],
        json!(["frozen", "otp", "test"]),
        "the seed realm's own users stay"
    );
    assert_eq!(
        seen["sync_after_remove"],
        "2 imported users, 0 updated users, 0 removed users"
    );
    assert_eq!(
        seen["remove_unknown"],
        json!([404, {"error": "Could not find component"}])
    );
    assert_eq!(
        seen["remove_not_storage"],
        json!([404, {"error": "found, but not a UserStorageProvider"}])
    );

    // UNSYNCED: kubeward's copy changed, LDAP did not.
    assert_eq!(seen["unsynced_email"], "jiho@elsewhere.example");
    assert_eq!(slapd.values(JIHO, "mail"), ["jiho@corp.example"]);

    assert_eq!(seen["unlinked"], json!([204, null]));
    assert_eq!(seen["link_after_unlink"], Value::Null);
    assert_eq!(seen["unlinked_login"][0], 401);

    // The provider and its mappers go into `kubeward idp export` as `kc.sh export` nests them,
    // and come back with `import` into a new data directory.
    let dir = idp.stop();
    let idp_cli = |data: &Path, args: &[&str]| {
        let out = Command::new(kubeward_testkit::kubeward_binary())
            .arg("idp")
            .args(args)
            .arg("--data-dir")
            .arg(data)
            .output()
            .expect("kubeward runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let exported = json(&idp_cli(
        &dir.path().join("data"),
        &["export", "-r", "kubernetes"],
    ));
    let storage = &exported["components"]["org.keycloak.storage.UserStorageProvider"][0];
    assert_eq!(storage["name"], "corp-ldap");
    assert_eq!(storage["config"]["editMode"], json!(["UNSYNCED"]));
    let mappers: Vec<&str> =
        storage["subComponents"]["org.keycloak.storage.ldap.mappers.LDAPStorageMapper"]
            .as_array()
            .expect("the mappers, nested")
            .iter()
            .filter_map(|m| m["name"].as_str())
            .collect();
    assert!(
        mappers.contains(&"groups") && mappers.contains(&"email"),
        "{mappers:?}"
    );
    let file = dir.path().join("export.json");
    std::fs::write(&file, exported.to_string()).expect("write the export");
    let other = dir.path().join("other");
    idp_cli(&other, &["import", "-f", file.to_str().unwrap()]);
    let again = json(&idp_cli(&other, &["export", "-r", "kubernetes"]));
    assert_eq!(again["components"], exported["components"]);
}
