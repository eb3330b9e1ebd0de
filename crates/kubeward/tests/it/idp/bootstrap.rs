//! The master realm's first admin (Keycloak's KC_BOOTSTRAP_ADMIN_* or a generated password in
//! a 0600 file), and the provider inside `kubeward up` sharing its store and CA.

use std::os::unix::fs::PermissionsExt as _;

use super::*;
use kubeward_testkit::cluster::Cluster;

fn admin_token(ca: &Path, url: &str, username: &str, password: &str) -> (u16, Value) {
    let (status, body) = curl(
        ca,
        &[
            &format!("{url}/realms/master/protocol/openid-connect/token"),
            "-d",
            "grant_type=password",
            "-d",
            "client_id=admin-cli",
            "--data-urlencode",
            &format!("username={username}"),
            "--data-urlencode",
            &format!("password={password}"),
        ],
    );
    (status, json(&body))
}

#[test]
fn a_generated_admin_password_is_written_0600_and_works() {
    let idp = Idp::start();
    let file = idp.data_dir.join("idp-admin-password");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // A new data directory is the owner's only, as docs/idp.md says.
    let dir_mode = std::fs::metadata(&idp.data_dir)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
    let (status, body) = admin_token(&idp.ca(), &idp.url, "admin", &idp.admin_password());
    assert_eq!(status, 200, "{body}");
    let access = claims(body["access_token"].as_str().unwrap());
    assert_eq!(access["azp"], "admin-cli");
    let roles = access["realm_access"]["roles"].as_array().unwrap();
    assert!(roles.contains(&Value::from("admin")), "{access}");
    let store = std::fs::metadata(idp.data_dir.join("store.redb")).unwrap();
    assert_eq!(
        store.permissions().mode() & 0o777,
        0o600,
        "the store holds keys and hashes"
    );
}

#[test]
fn keycloaks_bootstrap_variables_name_the_first_admin() {
    let idp = Idp::start_with(
        &[],
        &[
            ("KC_BOOTSTRAP_ADMIN_USERNAME", "root"),
            ("KC_BOOTSTRAP_ADMIN_PASSWORD", "Sup3r-secret"),
        ],
    );
    assert!(!idp.data_dir.join("idp-admin-password").exists());
    assert_eq!(
        admin_token(&idp.ca(), &idp.url, "root", "Sup3r-secret").0,
        200
    );
    assert_eq!(
        admin_token(&idp.ca(), &idp.url, "admin", "Sup3r-secret").0,
        401
    );
}

#[test]
fn kubeward_up_runs_the_provider_with_its_store_and_ca() {
    let cluster = Cluster::up();
    assert!(
        cluster.idp.starts_with("https://127.0.0.1:"),
        "{}",
        cluster.banner
    );
    assert!(
        cluster.banner.contains("IdP issuer (master realm): "),
        "{}",
        cluster.banner
    );
    let ca = cluster.data_dir.join("pki/ca.crt");
    let password = std::fs::read_to_string(cluster.data_dir.join("idp-admin-password")).unwrap();
    let (status, body) = admin_token(&ca, &cluster.idp, "admin", password.trim());
    assert_eq!(status, 200, "{body}");
    let kid = header(body["access_token"].as_str().unwrap())["kid"].clone();
    // A restart keeps the realm, the admin and the signing key (one store file).
    let idp_port = cluster.idp.rsplit(':').next().unwrap().to_string();
    let (dir, data_dir) = cluster.kill();
    let cluster = Cluster::start(dir, data_dir);
    assert_ne!(cluster.idp.rsplit(':').next().unwrap(), "", "{idp_port}");
    let (status, body) = admin_token(&ca, &cluster.idp, "admin", password.trim());
    assert_eq!(status, 200, "{body}");
    assert_eq!(header(body["access_token"].as_str().unwrap())["kid"], kid);
}
