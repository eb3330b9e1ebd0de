//! The exports as a shell reads them.

use super::*;

#[test]
fn exports_are_quoted_only_when_they_must_be() {
    assert_eq!(quote("/home/me/kubeward-data"), "/home/me/kubeward-data");
    assert_eq!(quote("https://127.0.0.1:6443"), "https://127.0.0.1:6443");
    assert_eq!(quote("/home/my data"), "'/home/my data'");
    assert_eq!(quote("it's"), r"'it'\''s'");
    assert_eq!(quote(""), "''");
}

#[test]
fn the_exports_name_every_place_and_how_to_eval_them() {
    let env = Env {
        data_dir: "/srv/kw".into(),
        kubeconfig: "/srv/kw/admin.kubeconfig".into(),
        server: "https://127.0.0.1:6443".into(),
        ca: "/srv/kw/pki/ca.crt".into(),
        idp: "https://127.0.0.1:8443".into(),
    };
    assert_eq!(
        render(&env),
        "export KUBECONFIG=/srv/kw/admin.kubeconfig\n\
         export KUBEWARD_DATA_DIR=/srv/kw\n\
         export KUBEWARD_SERVER=https://127.0.0.1:6443\n\
         export KUBEWARD_CA=/srv/kw/pki/ca.crt\n\
         export KUBEWARD_IDP=https://127.0.0.1:8443\n\
         export KUBEWARD_ISSUER=https://127.0.0.1:8443/realms/kubernetes\n\
         # To point your shell at this cluster, run:\n\
         # eval \"$(kubeward up --print-env --data-dir /srv/kw)\"\n"
    );
}
