//! The test kit's kubeconfigs authenticate as the users they name: an x509 user with a
//! certificate from the cluster CA, a ServiceAccount token user, the admin; and the OIDC
//! kubeconfig `up` writes runs kubelogin's exec block.

use kubeward_testkit::cluster::{Cluster, ok};

#[test]
fn each_kubeconfig_is_its_user() {
    let cluster = Cluster::up();
    let minjun = cluster.x509_user("minjun", &["dev-team"]);
    let whoami = ok(&cluster.kubectl_as(
        &minjun,
        &[
            "auth",
            "whoami",
            "-o",
            "jsonpath={.status.userInfo.username} {.status.userInfo.groups}",
        ],
    ));
    assert_eq!(whoami, "minjun [\"dev-team\",\"system:authenticated\"]");
    let denied = cluster.kubectl_as(&minjun, &["get", "pods"]);
    assert_eq!(
        String::from_utf8_lossy(&denied.stderr),
        "Error from server (Forbidden): pods is forbidden: User \"minjun\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"\n"
    );
    ok(&cluster.kubectl(&["create", "serviceaccount", "builder"]));
    let token = ok(&cluster.kubectl(&["create", "token", "builder"]));
    let builder = cluster.token_user("builder.kubeconfig", token.trim());
    let name = ok(&cluster.kubectl_as(
        &builder,
        &[
            "auth",
            "whoami",
            "-o",
            "jsonpath={.status.userInfo.username}",
        ],
    ));
    assert_eq!(name, "system:serviceaccount:default:builder");
    let oidc =
        std::fs::read_to_string(cluster.oidc_kubeconfig()).expect("up writes oidc.kubeconfig");
    assert!(oidc.contains("oidc-login"), "{oidc}");
}
