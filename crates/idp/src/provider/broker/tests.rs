use serde_json::json;

use super::*;
use crate::flows::broker::mappers::ATTRIBUTE_IMPORTER;
use crate::model::{FederatedIdentity, User};

fn realm() -> Realm {
    let mut r = Realm::new("r".into(), "r".into());
    let mut user = User::new("u-1".into(), "ann");
    user.federated_identities.push(FederatedIdentity {
        identity_provider: "corp".into(),
        user_id: "upstream-ann".into(),
        user_name: "ann".into(),
    });
    user.attributes
        .insert("department".into(), vec!["platform".into()]);
    r.users.push(user);
    r.identity_provider_mappers.push(IdentityProviderMapper {
        id: "m".into(),
        name: "department".into(),
        identity_provider_alias: "corp".into(),
        identity_provider_mapper: ATTRIBUTE_IMPORTER.into(),
        config: [("claim", "dept"), ("user.attribute", "department")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    });
    r
}

fn identity(sub: &str, dept: &str) -> BrokeredIdentity {
    BrokeredIdentity {
        id: sub.into(),
        username: "ann".into(),
        email: None,
        first_name: None,
        last_name: None,
        claims: json!({"sub": sub, "dept": dept}),
    }
}

#[test]
fn a_later_login_whose_mappers_change_nothing_is_read_without_a_write() {
    let r = realm();
    let same = identity("upstream-ann", "platform");
    assert_eq!(
        unchanged_user(&r, "corp", SyncMode::Force, &same),
        Ok(Some("u-1".into()))
    );
    // A FORCE mapper that changes the user: written through the directory.
    let moved = identity("upstream-ann", "finance");
    assert_eq!(
        unchanged_user(&r, "corp", SyncMode::Force, &moved),
        Ok(None)
    );
    // IMPORT mappers do not run again: nothing changes.
    assert_eq!(
        unchanged_user(&r, "corp", SyncMode::Import, &moved),
        Ok(Some("u-1".into()))
    );
    // A first login (nobody linked yet) creates the user.
    let stranger = identity("upstream-bob", "platform");
    assert_eq!(
        unchanged_user(&r, "corp", SyncMode::Force, &stranger),
        Ok(None)
    );
}

#[test]
fn a_disabled_linked_user_is_refused_with_keycloaks_message() {
    let mut r = realm();
    r.users[0].enabled = false;
    assert_eq!(
        unchanged_user(
            &r,
            "corp",
            SyncMode::Force,
            &identity("upstream-ann", "platform")
        ),
        Err("Account is disabled, contact your administrator.".into())
    );
}
