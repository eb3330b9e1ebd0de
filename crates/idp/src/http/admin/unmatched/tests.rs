use super::*;

#[test]
fn admin_paths_name_their_realm() {
    assert_eq!(admin_realm("/admin/realms"), Some(None));
    assert_eq!(admin_realm("/admin/realms/"), Some(None));
    assert_eq!(admin_realm("/admin/realms/k8s/nothing"), Some(Some("k8s")));
    assert_eq!(admin_realm("/auth/admin/realms/k8s"), Some(Some("k8s")));
    assert_eq!(admin_realm("/admin/realmsx"), None);
    assert_eq!(admin_realm("/admin/serverinfo/x"), None);
    assert_eq!(admin_realm("/realms/k8s/nothing"), None);
}
