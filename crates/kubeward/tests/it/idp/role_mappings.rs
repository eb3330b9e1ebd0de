//! Group role mappings and composite roles driven by PyPI python-keycloak (`KeycloakAdmin`),
//! checked in the access tokens a member gets through `KeycloakOpenID`.

use serde_json::json;

use super::*;

#[test]
fn python_keycloak_gives_groups_roles_and_builds_composites_that_tokens_carry() {
    let idp = Idp::start();
    let r = python_keycloak("keycloak_roles.py", &idp, &[("SECRET", SECRET)]);
    assert_eq!(r["default_roles"], json!(["default-roles-kubernetes"]));
    assert_eq!(
        r["default_in_token"],
        json!({"realm": ["default-roles-kubernetes", "offline_access", "uma_authorization"], "client": []})
    );
    assert_eq!(r["before"], json!({"realm": [], "client": []}));
    assert_eq!(r["group_realm_roles"], json!(["viewer"]));
    assert_eq!(r["group_client_roles"], json!(["audit"]));
    assert_eq!(
        r["group_mappings"],
        json!({"realm": ["viewer"], "clients": {"kubernetes-client": {"id": r["client_uuid"], "roles": ["audit"]}}})
    );
    // Alice holds nothing directly: Keycloak's combined view is then an empty object.
    assert_eq!(r["user_mappings"], json!({}));
    assert_eq!(
        r["assigned"],
        json!({"realm": ["viewer"], "client": ["audit"]})
    );
    assert_eq!(r["unknown_group"], 404);
    assert_eq!(r["unknown_role"], 404);
    assert_eq!(r["group_realm_roles_after"], json!([]));
    assert_eq!(r["group_client_roles_after"], json!([]));
    assert_eq!(r["removed"], json!({"realm": [], "client": []}));
    assert_eq!(r["ops_composites"], json!(["reader"]));
    assert_eq!(r["reader_composites"], json!(["audit", "ops"]));
    assert_eq!(r["ops_is_composite"], true);
    assert_eq!(
        r["composite"],
        json!({"realm": ["ops", "reader"], "client": ["audit"]})
    );
    assert_eq!(r["ops_composites_after"], json!([]));
    assert_eq!(r["ops_is_composite_after"], false);
    assert_eq!(
        r["composite_removed"],
        json!({"realm": ["ops"], "client": []})
    );
}
