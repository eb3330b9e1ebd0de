//! Console URLs.

use super::*;

#[test]
fn realm_names_are_one_encoded_path_segment() {
    assert_eq!(
        realm_url("kubernetes", ""),
        "/admin/console/realms/kubernetes"
    );
    assert_eq!(
        realm_url("a b/c", "users"),
        "/admin/console/realms/a%20b%2Fc/users"
    );
}
