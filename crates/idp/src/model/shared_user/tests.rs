use super::*;

#[test]
fn a_changed_clone_leaves_the_original_and_an_unchanged_one_shares_it() {
    let original = User::new("1".into(), "Ann");
    let shared = original.clone();
    assert!(Arc::ptr_eq(&original.0, &shared.0));
    let mut changed = original.clone();
    changed.enabled = false;
    assert!(original.enabled);
    assert!(!changed.enabled);
    assert!(!Arc::ptr_eq(&original.0, &changed.0));
    assert_ne!(original, changed);
    assert_eq!(original, shared);
}

#[test]
fn it_is_stored_as_its_data() {
    let user = User::new("1".into(), "ann");
    let json = serde_json::to_value(&user).unwrap();
    assert_eq!(json["username"], "ann");
    let back: User = serde_json::from_value(json).unwrap();
    assert_eq!(back, user);
}
