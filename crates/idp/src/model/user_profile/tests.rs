use super::*;

fn user(attributes: &[(&str, &str)]) -> User {
    let mut u = User::new("id".into(), "alice");
    for (k, v) in attributes {
        u.attributes.insert((*k).into(), vec![(*v).into()]);
    }
    u
}

fn profile(policy: Option<&str>) -> Value {
    let mut p = default_config();
    match policy {
        Some(policy) => p["unmanagedAttributePolicy"] = json!(policy),
        None => {
            p.as_object_mut()
                .unwrap()
                .remove("unmanagedAttributePolicy");
        }
    }
    p["attributes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "department"}));
    p
}

#[test]
fn the_default_profile_is_valid_and_keeps_every_attribute() {
    assert_eq!(check(&default_config()), Ok(()));
    let mut u = user(&[("team", "a")]);
    apply(None, None, &mut u);
    assert_eq!(u.attributes.len(), 1);
}

#[test]
fn without_a_policy_unmanaged_attributes_are_dropped() {
    let p = profile(None);
    let mut u = user(&[("team", "a"), ("department", "ops")]);
    apply(Some(&p), None, &mut u);
    assert_eq!(u.attributes.keys().collect::<Vec<_>>(), ["department"]);
}

#[test]
fn admin_view_keeps_what_was_stored() {
    let p = profile(Some("ADMIN_VIEW"));
    let before = user(&[("team", "a")]);
    let mut u = user(&[("team", "b"), ("department", "ops")]);
    apply(Some(&p), Some(&before), &mut u);
    assert_eq!(u.attributes["team"], ["a"]);
    assert_eq!(u.attributes["department"], ["ops"]);
}

#[test]
fn enabled_and_admin_edit_write_everything() {
    for policy in ["ENABLED", "ADMIN_EDIT"] {
        let p = profile(Some(policy));
        let mut u = user(&[("team", "b")]);
        apply(Some(&p), None, &mut u);
        assert_eq!(u.attributes["team"], ["b"]);
    }
}

#[test]
fn a_profile_without_username_or_with_a_bad_policy_is_refused() {
    let mut p = default_config();
    p["attributes"].as_array_mut().unwrap().remove(0);
    assert!(check(&p).unwrap_err().contains("username"));
    let mut p = default_config();
    p["unmanagedAttributePolicy"] = json!("SOMETIMES");
    assert!(check(&p).is_err());
    assert!(check(&json!([])).is_err());
    let mut p = default_config();
    p["attributes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "email"}));
    assert!(check(&p).unwrap_err().contains("duplicated"));
}
