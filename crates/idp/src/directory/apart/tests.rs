use super::*;

fn realm(users: &[(&str, &str)]) -> Realm {
    let mut realm = Realm::new("r1".into(), "demo".into());
    for (id, name) in users {
        realm.users.push(User::new((*id).into(), name));
    }
    realm
}

fn described(steps: &[Step]) -> Vec<String> {
    steps
        .iter()
        .map(|step| {
            let k = step.key();
            let what = match step {
                Step::Create(..) => "create",
                Step::Update(_, object) => {
                    return format!(
                        "update {}/{} at {}",
                        k.resource,
                        k.name,
                        object["metadata"]["resourceVersion"]
                            .as_str()
                            .unwrap_or("-")
                    );
                }
                Step::Delete(_, at) => {
                    return format!("delete {}/{} at {at:?}", k.resource, k.name);
                }
                Step::Expect(..) => "expect",
            };
            format!("{what} {}/{}", k.resource, k.name)
        })
        .collect()
}

#[test]
fn only_the_users_that_differ_are_written() {
    let before = realm(&[("a", "ann"), ("b", "bob"), ("c", "cid")]);
    let revisions: Revisions = [("a", 5), ("b", 6), ("c", 7)]
        .map(|(id, at)| (id.to_string(), at))
        .into_iter()
        .collect();
    assert!(user_steps(&before, &revisions, &before).unwrap().is_empty());

    let mut after = before.clone();
    after.users[1].email = Some("bob@example.com".into());
    assert_eq!(
        described(&user_steps(&before, &revisions, &after).unwrap()),
        ["update users/b at 6"]
    );

    let mut after = before.clone();
    after.users[1].username = "robert".into();
    after.users.remove(0);
    after.users.push(User::new("d".into(), "dan"));
    assert_eq!(
        described(&user_steps(&before, &revisions, &after).unwrap()),
        [
            "update users/b at 6",
            "delete usernames/bob at None",
            "create usernames/robert",
            "create users/d",
            "create usernames/dan",
            "delete users/a at Some(5)",
            "delete usernames/ann at None",
        ]
    );
    // The realm's id names the users' namespace: a new id moves every user.
    let mut after = before.clone();
    after.id = "r2".into();
    let moved = user_steps(&before, &revisions, &after).unwrap();
    assert_eq!(moved.len(), 12);
    assert_eq!(moved[6].key().namespace.as_deref(), Some("r2"));
}

#[test]
fn the_realm_object_is_compared_and_stored_without_its_users() {
    let mut a = realm(&[("a", "ann")]);
    let mut b = a.clone();
    b.users.clear();
    assert!(same_but_users(&a, &b));
    b.display_name = Some("Demo".into());
    assert!(!same_but_users(&a, &b));
    let stored = shell(&mut a).unwrap();
    assert_eq!(stored["spec"]["users"], json!([]));
    assert_eq!(stored["metadata"]["name"], "demo");
    assert_eq!(a.users.len(), 1, "the users are put back");
}

#[test]
fn written_users_have_their_revisions_noted() {
    let steps = vec![
        Step::Create(user_key("r", "a"), json!({})),
        Step::Create(username_key("r", "ann"), json!({})),
        Step::Delete(user_key("r", "b"), None),
        Step::Expect(key("realms", None, "demo"), Some(1)),
    ];
    let results = vec![
        json!({"metadata": {"resourceVersion": "7"}}),
        json!({"metadata": {"resourceVersion": "7"}}),
        json!({"metadata": {"resourceVersion": "8"}}),
        Value::Null,
    ];
    let mut revisions = Revisions::new();
    note_written(&mut revisions, &steps, &results);
    assert_eq!(revisions.len(), 2);
    assert_eq!((revisions["a"], revisions["b"]), (7, 8));
}

#[test]
fn users_are_kept_in_creation_order() {
    let mut users = vec![User::new("b".into(), "x"), User::new("a".into(), "y")];
    users[0].created_timestamp = 1;
    users[1].created_timestamp = 2;
    in_creation_order(&mut users);
    assert_eq!(users[0].id, "b");
    users[1].created_timestamp = 1;
    in_creation_order(&mut users);
    assert_eq!(users[0].id, "a", "then by id");
}
